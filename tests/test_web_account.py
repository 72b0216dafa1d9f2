"""Sign-in pages: CSRF, redirects, cookies, session replay, tokens, the first admin."""

from __future__ import annotations

import os
import threading

import pytest
from click.testing import CliRunner

from kb.cli import ensure_first_admin, main
from tests.conftest import PASSWORD, add_user, csrf_token, login


@pytest.fixture
def app(make_app, content_dir):
    application = make_app()
    add_user(application, "ann", "agent")
    return application


def test_sign_in_and_out(app):
    client = app.test_client()
    r = login(client, "ann")
    assert r.status_code == 302
    assert r.headers["Location"] == "/agent"
    assert client.get("/agent").status_code == 200
    token = csrf_token(client, "/agent")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/agent").status_code == 401


def test_wrong_password_is_401_with_the_form(app):
    r = login(app.test_client(), "ann", "wrong-password")
    assert r.status_code == 401
    assert "wrong name or password" in r.get_data(as_text=True)


def test_forms_need_a_csrf_token(app):
    client = app.test_client()
    r = client.post("/login", data={"name": "ann", "password": PASSWORD})
    assert r.status_code == 400
    login(client, "ann")
    assert client.post("/logout").status_code == 400
    assert client.get("/agent").status_code == 200  # still signed in


def test_replayed_cookie_after_sign_out_is_401(app):
    client = app.test_client()
    login(client, "ann")
    cookie = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/agent")})
    attacker = app.test_client()
    attacker.set_cookie("session", cookie)
    assert attacker.get("/agent").status_code == 401


def test_replayed_cookie_after_password_change_is_401(app):
    client = app.test_client()
    login(client, "ann")
    old = client.get_cookie("session").value
    r = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "a-new-password-9",
            "confirm": "a-new-password-9",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert r.status_code == 302
    assert client.get("/agent").status_code == 200  # this session carries on
    replay = app.test_client()
    replay.set_cookie("session", old)
    assert replay.get("/agent").status_code == 401


def test_disabled_user_is_signed_out(app):
    client = app.test_client()
    login(client, "ann")
    result = CliRunner().invoke(main, ["users", "disable", "ann"], env=_env(app))
    assert result.exit_code == 0, result.output
    assert client.get("/agent").status_code == 401


# hostile next values: tests/test_open_redirect.py (tests/data/open_redirects.txt)


def test_next_to_a_local_path_is_kept(app):
    assert (
        login(app.test_client(), "ann", next_url="/agent?q=refund").headers["Location"]
        == "/agent?q=refund"
    )


def test_session_cookie_flags(app):
    client = app.test_client()
    r = login(client, "ann")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    secure = app.test_client()
    token = csrf_token(secure, "https://localhost/login")
    r = secure.post(
        "https://localhost/login", data={"name": "ann", "password": PASSWORD, "csrf_token": token}
    )
    assert "Secure" in r.headers["Set-Cookie"]


def test_signed_in_pages_are_not_cached_publicly(app):
    client = app.test_client()
    login(client, "ann")
    assert client.get("/agent").headers["Cache-Control"] == "private, no-store"


def test_bearer_token_opens_the_sidebar(app):
    env = _env(app)
    result = CliRunner().invoke(main, ["tokens", "create", "ann"], env=env)
    token = result.output.strip().splitlines()[-1]
    client = app.test_client()
    assert client.get("/agent", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/agent", headers={"Authorization": "Bearer kbt_wrong"}).status_code == 401


def _env(app):
    return {
        "KB_CONTENT_DIR": str(app.config["CONTENT_DIR"]),
        "KB_DATA_DIR": str(app.config["DATA_DIR"]),
    }


def test_users_cli_create_list_with_piped_password(app):
    env = _env(app)
    runner = CliRunner()
    ok = runner.invoke(
        main,
        ["users", "create", "bob", "--role", "editor"],
        input="pw-of-bob-123\npw-of-bob-123\n",
        env=env,
    )
    assert ok.exit_code == 0, ok.output
    mismatch = runner.invoke(
        main,
        ["users", "create", "cat", "--role", "editor"],
        input="pw-of-cat-123\nother-pw-456\n" * 3,
        env=env,
    )
    assert mismatch.exit_code != 0
    listing = runner.invoke(main, ["users", "list"], env=env).output
    assert "bob\teditor\tactive" in listing
    assert "cat" not in listing
    assert (
        runner.invoke(
            main, ["users", "create", "dan", "--role", "god"], input="x\n", env=env
        ).exit_code
        == 2
    )


def test_first_run_creates_one_admin_and_prints_its_password_once(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    lines: list[str] = []
    ensure_first_admin(lines.append)
    assert any("admin" in line for line in lines)
    password = lines[1].rsplit(" ", 1)[1]
    again: list[str] = []
    ensure_first_admin(again.append)
    assert again == []
    from kb import auth, store

    db = store.connect(tmp_path / "data" / "kb.sqlite")
    assert auth.authenticate(db, "admin", password, address="127.0.0.1").role == "admin"
    db.conn.close()


def test_signed_in_requests_reuse_their_threads_connection(app):
    kb = app.extensions["kb"]
    client = app.test_client()
    login(client, "ann")
    first = kb.thread_db()
    assert client.get("/agent").status_code == 200
    assert client.get("/agent").status_code == 200
    assert kb.thread_db() is first  # one connection for the thread, not one per request
    seen = []
    thread = threading.Thread(target=lambda: seen.append(kb.thread_db()))
    thread.start()
    thread.join()
    assert seen[0] is not first  # another thread gets its own


def test_a_forked_worker_opens_its_own_connection(app):
    kb = app.extensions["kb"]
    parent = id(kb.thread_db())
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a connection must never cross a fork
        try:
            os.write(write, b"new" if id(kb.thread_db()) != parent else b"same")
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 10) == b"new"


def test_a_transaction_left_open_by_a_request_is_rolled_back(app):
    from flask import Blueprint

    from kb.web import get_db

    kb = app.extensions["kb"]
    bp = Blueprint("half_done", __name__)

    @bp.get("/half-done")
    def half_done():
        get_db().execute("BEGIN IMMEDIATE")  # takes the write lock, then fails
        raise RuntimeError("boom")

    app.register_blueprint(bp)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.test_client().get("/half-done").status_code == 500
    assert not kb.thread_db().conn.in_transaction
    other = kb.connect()  # the write lock is free for every other connection
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.conn.close()
