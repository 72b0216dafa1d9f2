"""Accounts: roles, hashing, throttling across processes, sessions, tokens."""

from __future__ import annotations

import contextlib
import multiprocessing
from pathlib import Path

import pytest

from kb import auth, store


@pytest.fixture
def db(tmp_path):
    database = store.connect(tmp_path / "kb.sqlite")
    store.migrate(database)
    yield database
    database.conn.close()


def test_roles_include_the_ones_before(db):
    user = auth.create_user(db, "pat", "long-password-1", "publisher")
    assert [user.can(r) for r in auth.ROLES] == [True, True, True, False]


def test_password_is_stored_as_argon2id(db):
    auth.create_user(db, "pat", "long-password-1", "editor")
    stored = db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert "long-password-1" not in stored


@pytest.mark.parametrize(
    ("name", "password", "role"),
    [
        ("", "long-password-1", "agent"),
        ("a b", "long-password-1", "agent"),
        ("x" * 65, "long-password-1", "agent"),
        ("pat", "short", "agent"),
        ("pat", "long-password-1", "root"),
        ("pat", "x" * 2000, "agent"),
    ],
)
def test_bad_users_are_refused(db, name, password, role):
    with pytest.raises(auth.UserError):
        auth.create_user(db, name, password, role)
    assert auth.count_users(db) == 0


def test_duplicate_names_are_refused_case_insensitively(db):
    auth.create_user(db, "Pat", "long-password-1", "agent")
    with pytest.raises(auth.UserError):
        auth.create_user(db, "pat", "long-password-1", "agent")


def test_authenticate_and_audit(db):
    auth.create_user(db, "pat", "long-password-1", "agent")
    assert auth.authenticate(db, "PAT", "long-password-1", address="1.2.3.4").name == "pat"
    with pytest.raises(auth.AuthError):
        auth.authenticate(db, "pat", "wrong-password", address="1.2.3.4")
    with pytest.raises(auth.AuthError):
        auth.authenticate(db, "nobody", "whatever", address="1.2.3.4")
    actions = [r[0] for r in db.execute("SELECT action FROM audit ORDER BY id").fetchall()]
    assert actions == ["user.create", "signin", "signin.failed", "signin.failed"]
    # the address is never stored raw
    assert not db.execute("SELECT 1 FROM login_failures WHERE address LIKE '%1.2.3.4%'").fetchone()


def _fail(path: str, n: int) -> None:
    database = store.connect(Path(path))
    for _ in range(n):
        with contextlib.suppress(auth.AuthError, auth.Throttled):
            auth.authenticate(database, "pat", "wrong-password", address="10.0.0.1")


def test_throttling_holds_across_processes(db, tmp_path):
    auth.create_user(db, "pat", "long-password-1", "agent")
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_fail, args=(str(tmp_path / "kb.sqlite"), 3)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    # six failures from two "workers": the right password is now refused too
    with pytest.raises(auth.Throttled):
        auth.authenticate(db, "pat", "long-password-1", address="10.0.0.2")


def test_throttling_per_address(db):
    for n in range(auth.MAX_FAILS_PER_ADDRESS):
        with pytest.raises(auth.AuthError):
            auth.authenticate(db, f"user{n}", "wrong-password", address="9.9.9.9")
    auth.create_user(db, "pat", "long-password-1", "agent")
    with pytest.raises(auth.Throttled):
        auth.authenticate(db, "pat", "long-password-1", address="9.9.9.9")
    assert auth.authenticate(db, "pat", "long-password-1", address="8.8.8.8").name == "pat"


def test_sessions_end_on_signout_password_change_and_disable(db):
    user = auth.create_user(db, "pat", "long-password-1", "agent")
    session = user.get_id()
    assert auth.load_session_user(db, session) == user
    auth.end_sessions(db, user)
    assert auth.load_session_user(db, session) is None
    user = auth.get_user(db, user.id)
    session = user.get_id()
    auth.set_password(db, user, "another-password-2", actor="pat")
    assert auth.load_session_user(db, session) is None
    session = auth.get_user(db, user.id).get_id()
    auth.set_disabled(db, "pat", True, actor="admin")
    assert auth.load_session_user(db, session) is None
    with pytest.raises(auth.AuthError):
        auth.authenticate(db, "pat", "another-password-2", address="1.1.1.1")


@pytest.mark.parametrize("bad", ["", "x", "1", "1:", "a:b", "1:2:3", None])
def test_malformed_session_ids_load_nobody(db, bad):
    assert auth.load_session_user(db, bad) is None


def test_tokens_are_hashed_and_die_with_the_user(db):
    user = auth.create_user(db, "bot", "long-password-1", "publisher")
    token = auth.create_token(db, user, label="pipeline", actor="admin")
    assert token.startswith("kbt_") and len(token) > 40
    assert token not in str(db.execute("SELECT * FROM tokens").fetchall())
    assert auth.user_for_token(db, token) == user
    assert auth.user_for_token(db, token + "x") is None
    assert auth.user_for_token(db, "kbt_" + "A" * 43) is None
    auth.set_disabled(db, "bot", True, actor="admin")
    assert auth.user_for_token(db, token) is None


# --- roles, lock-out guard, token listing and revocation -----------------------------------


def _actions(db) -> list[tuple[str, str, str, str]]:
    return db.execute("SELECT actor, action, target, detail FROM audit ORDER BY id").fetchall()


def test_users_carry_their_creation_time(db):
    user = auth.create_user(db, "pat", "long-password-1", "agent")
    assert user.created_at.startswith("20") and user.created_at.endswith("+00:00")
    assert auth.list_users(db) == [user]


def test_set_role_changes_role_ends_sessions_and_is_audited(db):
    user = auth.create_user(db, "pat", "long-password-1", "agent")
    session = user.get_id()
    changed = auth.set_role(db, "PAT", "editor", actor="boss")
    assert (changed.role, changed.session_version) == ("editor", user.session_version + 1)
    assert auth.load_session_user(db, session) is None
    assert auth.get_user(db, user.id).role == "editor"
    assert _actions(db)[-1] == ("boss", "user.role", "pat", "agent -> editor")


def test_set_role_to_the_same_role_changes_nothing(db):
    user = auth.create_user(db, "pat", "long-password-1", "agent")
    assert auth.set_role(db, "pat", "agent", actor="boss") == user
    assert auth.load_session_user(db, user.get_id()) == user
    assert [a[1] for a in _actions(db)] == ["user.create"]


@pytest.mark.parametrize(
    ("name", "role", "error"),
    [
        ("pat", "root", auth.UserError),
        ("pat", "", auth.UserError),
        ("nobody", "editor", auth.UserNotFound),
    ],
)
def test_set_role_refuses_bad_input(db, name, role, error):
    auth.create_user(db, "pat", "long-password-1", "agent")
    with pytest.raises(error):
        auth.set_role(db, name, role, actor="boss")
    assert auth.find_user(db, "pat").role == "agent"
    assert not db.conn.in_transaction


def test_nobody_demotes_or_disables_themselves(db):
    auth.create_user(db, "root", "long-password-1", "admin")
    auth.create_user(db, "boss", "long-password-1", "admin")
    with pytest.raises(auth.LockoutError):
        auth.set_role(db, "root", "editor", actor="Root")
    with pytest.raises(auth.LockoutError):
        auth.set_disabled(db, "root", True, actor="root")
    root = auth.find_user(db, "root")
    assert (root.role, root.disabled) == ("admin", False)
    assert auth.LockoutError.status == 409


def test_the_last_enabled_admin_stays(db):
    auth.create_user(db, "root", "long-password-1", "admin")
    auth.create_user(db, "boss", "long-password-1", "admin")
    auth.set_disabled(db, "boss", True, actor="cli")  # a disabled admin does not count
    with pytest.raises(auth.LockoutError, match="last enabled admin"):
        auth.set_role(db, "root", "publisher", actor="cli")
    with pytest.raises(auth.LockoutError, match="last enabled admin"):
        auth.set_disabled(db, "root", True, actor="cli")
    auth.set_disabled(db, "boss", False, actor="cli")
    assert auth.set_role(db, "root", "publisher", actor="boss").role == "publisher"
    # demoting or disabling a disabled admin is always fine
    auth.set_role(db, "root", "admin", actor="boss")
    auth.set_disabled(db, "root", True, actor="boss")
    assert auth.set_role(db, "root", "agent", actor="boss").role == "agent"


def test_set_disabled_of_an_unknown_user_is_not_found(db):
    with pytest.raises(auth.UserNotFound) as caught:
        auth.set_disabled(db, "nobody", True, actor="boss")
    assert caught.value.status == 404
    assert isinstance(caught.value, auth.UserError)  # the CLI catches UserError


def test_role_change_applies_to_tokens_at_once(db):
    user = auth.create_user(db, "bot", "long-password-1", "editor")
    token = auth.create_token(db, user, label="pipeline", actor="boss")
    auth.set_role(db, "bot", "publisher", actor="boss")
    assert auth.user_for_token(db, token).role == "publisher"


def test_disabled_users_get_no_new_tokens(db):
    auth.create_user(db, "bot", "long-password-1", "editor")
    bot = auth.set_disabled(db, "bot", True, actor="boss")
    with pytest.raises(auth.UserError):
        auth.create_token(db, bot, actor="boss")
    assert auth.list_tokens(db) == []


def test_list_tokens_newest_first_without_secrets(db):
    bot = auth.create_user(db, "bot", "long-password-1", "editor")
    pat = auth.create_user(db, "pat", "long-password-1", "agent")
    first = auth.create_token(db, bot, label="  one  ", actor="boss")
    auth.create_token(db, bot, label="x" * 300, actor="boss")
    auth.create_token(db, pat, actor="boss")
    auth.user_for_token(db, first)
    tokens = auth.list_tokens(db, bot)
    assert [t.label for t in tokens] == ["x" * 100, "one"]
    assert [t.user_name for t in tokens] == ["bot", "bot"]
    assert tokens[0].last_used_at is None and tokens[1].last_used_at is not None
    assert all(t.active and not t.revoked for t in tokens)
    assert len(auth.list_tokens(db)) == 3
    assert [t.user_name for t in auth.list_tokens(db, pat)] == ["pat"]
    assert not {"token_hash", "hash", "token"} & set(auth.Token.__dataclass_fields__)
    with pytest.raises(AttributeError):
        tokens[0].label = "changed"  # frozen


def test_revoke_token_stops_it_and_is_audited_once(db):
    bot = auth.create_user(db, "bot", "long-password-1", "editor")
    token = auth.create_token(db, bot, label="ci", actor="boss")
    keep = auth.create_token(db, bot, label="other", actor="boss")
    token_id = next(t.id for t in auth.list_tokens(db, bot) if t.label == "ci")
    auth.revoke_token(db, token_id, actor="boss")
    assert auth.user_for_token(db, token) is None
    assert auth.user_for_token(db, keep) == auth.get_user(db, bot.id)
    assert [(t.label, t.revoked) for t in auth.list_tokens(db, bot)] == [
        ("other", False),
        ("ci", True),
    ]
    auth.revoke_token(db, token_id, actor="boss")  # again: nothing changes
    revokes = [a for a in _actions(db) if a[1] == "token.revoke"]
    assert revokes == [("boss", "token.revoke", "bot", f"#{token_id} ci")]
    assert token not in str(_actions(db))


@pytest.mark.parametrize("token_id", [42, 0, -1, 2**63, 10**30])
def test_revoke_unknown_token_is_not_found(db, token_id):
    with pytest.raises(auth.TokenNotFound) as caught:
        auth.revoke_token(db, token_id, actor="boss")
    assert caught.value.status == 404
    assert not db.conn.in_transaction
