"""Accounts: roles, password hashing, sign-in throttling, sessions and API tokens.

Roles are ordered; each includes the ones before it:
``agent`` < ``editor`` < ``publisher`` < ``admin``.

- Passwords: argon2id (argon2-cffi defaults), rehashed when parameters change.
- Throttling: failed sign-ins are rows in SQLite, so the limit holds across
  every gunicorn worker (an in-memory counter would be per process).
- Sessions: the session cookie names the user *and* a session version;
  sign-out, password change, role change and disable bump the version, so
  every copy of an older cookie stops working (401) in every worker.
- Lock-out guard: nobody can demote or disable themselves, nor the last
  enabled admin.
- API tokens: shown once, stored as SHA-256 (they are long random secrets,
  so a fast hash is enough), sent as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kb import store
from kb.errors import KBError

ROLES = ("agent", "editor", "publisher", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
NAME_MAX = 64
FAIL_WINDOW = 15 * 60
MAX_FAILS_PER_ACCOUNT = 5
MAX_FAILS_PER_ADDRESS = 20
TOKEN_PREFIX = "kbt_"
LABEL_MAX = 100

_hasher = PasswordHasher()
# verifying against this keeps the time of "no such user" equal to "wrong password"
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AuthError(KBError):
    """Sign-in failed."""

    status = 401
    code = "unauthorized"


class Forbidden(KBError):
    """Your role does not allow this."""

    status = 403
    code = "forbidden"


class Throttled(KBError):
    """Too many failed sign-ins; wait a few minutes."""

    status = 429
    code = "too_many_attempts"


class UserError(KBError):
    """The user could not be saved."""

    status = 400
    code = "bad_user"


class UserNotFound(UserError):
    """No such user."""

    status = 404
    code = "user_not_found"


class LockoutError(UserError):
    """That change would lock administrators out."""

    status = 409
    code = "would_lock_out"


class TokenNotFound(KBError):
    """No such API token."""

    status = 404
    code = "token_not_found"


@dataclass(frozen=True)
class User:
    """A signed-up person (or pipeline) with one role."""

    id: int
    name: str
    role: str
    disabled: bool
    session_version: int
    created_at: str = ""

    def can(self, role: str) -> bool:
        """Return True when this user's role includes ``role``."""
        return not self.disabled and ROLES.index(self.role) >= ROLES.index(role)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


_USER_FIELDS = ("id", "name", "role", "disabled", "session_version", "created_at")
_USER_COLUMNS = ", ".join(_USER_FIELDS)
_N = len(_USER_FIELDS)  # queries append columns after the user's; they start at row[_N]


def _row_to_user(row) -> User:
    return User(
        id=row[0],
        name=row[1],
        role=row[2],
        disabled=bool(row[3]),
        session_version=row[4],
        created_at=row[5],
    )


@dataclass(frozen=True)
class Token:
    """An API token as admins see it: never the secret, nor its hash."""

    id: int
    user_id: int
    user_name: str
    label: str
    created_at: str
    last_used_at: str | None
    revoked: bool

    @property
    def active(self) -> bool:
        return not self.revoked


def validate_password(password: str) -> None:
    """Raise ``UserError`` unless the password is acceptable."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UserError(f"the password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def create_user(
    db: sqlite_utils.Database, name: str, password: str, role: str, *, actor: str = "cli"
) -> User:
    """Create a user.

    :raises UserError: for a bad name, role or password, or a name in use
    """
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX or not all(c.isalnum() or c in "._-@" for c in name):
        raise UserError("the name must be 1 to 64 letters, digits or . _ - @")
    if role not in ROLES:
        raise UserError(f"the role must be one of {', '.join(ROLES)}")
    validate_password(password)
    with store.immediate(db):
        if db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise UserError(f"there is already a user called {name!r}")
        cursor = db.execute(
            "INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
            [name, _hasher.hash(password), role, store.utcnow()],
        )
        store.audit(db, actor=actor, action="user.create", target=name, detail=f"role={role}")
    return get_user(db, cursor.lastrowid)


def get_user(db: sqlite_utils.Database, user_id: int) -> User | None:
    """Return the user with ``user_id``, or None."""
    row = db.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", [user_id]).fetchone()
    return _row_to_user(row) if row else None


def find_user(db: sqlite_utils.Database, name: str) -> User | None:
    """Return the user called ``name`` (case-insensitive), or None."""
    row = db.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE name = ?", [name]).fetchone()
    return _row_to_user(row) if row else None


def list_users(db: sqlite_utils.Database) -> list[User]:
    """Return every user, by name."""
    return [
        _row_to_user(r)
        for r in db.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name").fetchall()
    ]


def count_users(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM users").fetchone()[0]


def load_session_user(db: sqlite_utils.Database, session_id: str) -> User | None:
    """Return the user a session cookie names, or None if the session was invalidated."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = get_user(db, user_id)
    if user is None or user.disabled or user.session_version != version:
        return None
    return user


def end_sessions(db: sqlite_utils.Database, user: User) -> None:
    """Invalidate every session of ``user`` (sign-out everywhere)."""
    db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", [user.id])


def _address_key(address: str) -> str:
    # addresses are personal data: keep only a hash, enough to count failures
    return hashlib.sha256(f"kb-signin:{address}".encode()).hexdigest()[:32]


def authenticate(db: sqlite_utils.Database, name: str, password: str, *, address: str) -> User:
    """Check a sign-in; record and throttle failures per account and per address.

    :raises Throttled: after too many recent failures for the account or address
    :raises AuthError: when the name or password is wrong, or the user is disabled
    """
    now = time.time()
    account = (name or "").strip().casefold()[:NAME_MAX]
    addr = _address_key(address)
    since = now - FAIL_WINDOW
    by_account = db.execute(
        "SELECT COUNT(*) FROM login_failures WHERE account = ? AND at > ?", [account, since]
    ).fetchone()[0]
    by_address = db.execute(
        "SELECT COUNT(*) FROM login_failures WHERE address = ? AND at > ?", [addr, since]
    ).fetchone()[0]
    if by_account >= MAX_FAILS_PER_ACCOUNT or by_address >= MAX_FAILS_PER_ADDRESS:
        store.audit(db, actor=account or "?", action="signin.throttled", target=account)
        raise Throttled()
    row = db.execute(
        f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE name = ?", [account]
    ).fetchone()
    ok = False
    try:
        ok = _hasher.verify(row[_N] if row else _DUMMY_HASH, password or "") and row is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or bool(row[3]):
        with store.immediate(db):
            db.execute(
                "INSERT INTO login_failures (account, address, at) VALUES (?, ?, ?)",
                [account, addr, now],
            )
            db.execute("DELETE FROM login_failures WHERE at < ?", [now - 24 * 3600])
            store.audit(db, actor=account or "?", action="signin.failed", target=account)
        raise AuthError("wrong name or password")
    if _hasher.check_needs_rehash(row[_N]):
        db.execute(
            "UPDATE users SET password_hash = ? WHERE id = ?", [_hasher.hash(password), row[0]]
        )
    db.execute("DELETE FROM login_failures WHERE account = ?", [account])
    user = _row_to_user(row[:_N])
    store.audit(db, actor=user.name, action="signin", target=user.name)
    return user


def set_password(db: sqlite_utils.Database, user: User, password: str, *, actor: str) -> None:
    """Change a password and end the user's other sessions."""
    validate_password(password)
    db.execute(
        "UPDATE users SET password_hash = ?, session_version = session_version + 1 WHERE id = ?",
        [_hasher.hash(password), user.id],
    )
    store.audit(db, actor=actor, action="user.password", target=user.name)


def require_user(db: sqlite_utils.Database, name: str) -> User:
    """Return the user called ``name``.

    :raises UserNotFound: when there is no such user
    """
    user = find_user(db, name)
    if user is None:
        raise UserNotFound(f"no user called {name!r}")
    return user


def _check_lockout(
    db: sqlite_utils.Database, user: User, *, actor: str, role: str, disabled: bool
) -> None:
    """Refuse a change of ``user`` to ``role``/``disabled`` that could lock admins out.

    Call inside ``store.immediate`` so two admins demoting each other cannot both win.
    """
    if actor.casefold() == user.name.casefold() and (role != user.role or disabled):
        raise LockoutError("you cannot change your own role or disable yourself; ask another admin")
    stays_admin = role == "admin" and not disabled
    if user.role != "admin" or user.disabled or stays_admin:
        return
    others = db.execute(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?", [user.id]
    ).fetchone()[0]
    if not others:
        raise LockoutError(f"{user.name} is the last enabled admin; make another admin first")


def set_disabled(db: sqlite_utils.Database, name: str, disabled: bool, *, actor: str) -> User:
    """Disable (or enable) a user; either ends its sessions, disabling refuses its tokens.

    :param actor: who does it (audited); nobody can disable themselves
    :raises UserNotFound: when there is no such user
    :raises LockoutError: when it would disable the actor or the last enabled admin
    """
    with store.immediate(db):
        user = require_user(db, name)
        _check_lockout(db, user, actor=actor, role=user.role, disabled=disabled)
        db.execute(
            "UPDATE users SET disabled = ?, session_version = session_version + 1 WHERE id = ?",
            [int(disabled), user.id],
        )
        store.audit(
            db, actor=actor, action="user.disable" if disabled else "user.enable", target=user.name
        )
    return get_user(db, user.id)


def set_role(db: sqlite_utils.Database, name: str, role: str, *, actor: str) -> User:
    """Give a user another role and end its sessions (tokens follow the new role at once).

    Setting the role a user already has changes nothing and is not audited.

    :param actor: who does it (audited); nobody can change their own role
    :raises UserError: for an unknown role
    :raises UserNotFound: when there is no such user
    :raises LockoutError: when it would demote the actor or the last enabled admin
    """
    if role not in ROLES:
        raise UserError(f"the role must be one of {', '.join(ROLES)}")
    with store.immediate(db):
        user = require_user(db, name)
        if user.role == role:
            return user
        _check_lockout(db, user, actor=actor, role=role, disabled=user.disabled)
        db.execute(
            "UPDATE users SET role = ?, session_version = session_version + 1 WHERE id = ?",
            [role, user.id],
        )
        store.audit(
            db, actor=actor, action="user.role", target=user.name, detail=f"{user.role} -> {role}"
        )
    return get_user(db, user.id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(db: sqlite_utils.Database, user: User, *, label: str = "", actor: str) -> str:
    """Create an API token for ``user``; return it (the only time it is visible).

    :param label: what the token is for (kept to 100 characters)
    :raises UserError: when the user is disabled
    """
    if user.disabled:
        raise UserError(f"{user.name} is disabled; enable the user before creating a token")
    label = label.strip()[:LABEL_MAX]
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.execute(
        "INSERT INTO tokens (user_id, token_hash, label, created_at) VALUES (?, ?, ?, ?)",
        [user.id, _token_hash(token), label, store.utcnow()],
    )
    store.audit(db, actor=actor, action="token.create", target=user.name, detail=label)
    return token


_TOKEN_QUERY = """SELECT t.id, t.user_id, u.name, t.label, t.created_at, t.last_used_at, t.revoked
    FROM tokens t JOIN users u ON u.id = t.user_id"""


def _row_to_token(row) -> Token:
    return Token(*row[:6], revoked=bool(row[6]))


def list_tokens(db: sqlite_utils.Database, user: User | None = None) -> list[Token]:
    """Return the API tokens of ``user`` (or of everybody), newest first, revoked ones included.

    :param user: whose tokens; None for all
    """
    where, params = ("WHERE t.user_id = ?", [user.id]) if user is not None else ("", [])
    rows = db.execute(f"{_TOKEN_QUERY} {where} ORDER BY t.id DESC", params).fetchall()
    return [_row_to_token(r) for r in rows]


def revoke_token(db: sqlite_utils.Database, token_id: int, *, actor: str) -> None:
    """Revoke an API token for good; revoking it again changes nothing.

    :param actor: who does it (audited)
    :raises TokenNotFound: when there is no such token
    """
    if not 0 < token_id < 2**63:  # beyond SQLite's integers, so surely unknown
        raise TokenNotFound(f"no API token with id {token_id}")
    with store.immediate(db):
        row = db.execute(f"{_TOKEN_QUERY} WHERE t.id = ?", [token_id]).fetchone()
        if row is None:
            raise TokenNotFound(f"no API token with id {token_id}")
        token = _row_to_token(row)
        if token.revoked:
            return
        db.execute("UPDATE tokens SET revoked = 1 WHERE id = ?", [token_id])
        store.audit(
            db,
            actor=actor,
            action="token.revoke",
            target=token.user_name,
            detail=f"#{token.id} {token.label}".strip(),
        )


def user_for_token(db: sqlite_utils.Database, token: str) -> User | None:
    """Return the active user a Bearer token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = _token_hash(token)
    row = db.execute(
        f"""SELECT {", ".join("u." + c.strip() for c in _USER_COLUMNS.split(","))}, t.id, t.token_hash
            FROM tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = ? AND t.revoked = 0""",
        [digest],
    ).fetchone()
    if row is None or not hmac.compare_digest(row[_N + 1], digest) or row[3]:
        return None
    db.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", [store.utcnow(), row[_N]])
    return _row_to_user(row[:_N])
