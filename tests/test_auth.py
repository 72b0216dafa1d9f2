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
