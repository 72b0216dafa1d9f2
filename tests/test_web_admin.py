"""Admin pages: access, CSRF, users and roles, API tokens shown once, the audit log and CSV."""

from __future__ import annotations

import csv
import html
import io
import re
from contextlib import contextmanager

import pytest

from kb import auth, store
from kb.web.admin import AUDIT_PAGE, csv_cell
from tests.conftest import PASSWORD, add_user, csrf_token, login

TOKEN = re.compile(r"kbt_[A-Za-z0-9_-]{20,}")


@pytest.fixture
def app(make_app):
    application = make_app()
    add_user(application, "root", "admin")
    add_user(application, "ann", "agent")
    return application


@contextmanager
def database(app):
    db = app.extensions["kb"].connect()
    try:
        yield db
    finally:
        db.conn.close()


def signed_in(app, name: str, next_url: str = "/agent"):
    client = app.test_client()
    assert login(client, name, next_url=next_url).status_code == 302
    return client


@pytest.fixture
def admin(app):
    return signed_in(app, "root", "/admin/users")


def post(client, url: str, data: dict | None = None, *, csrf: str = "/admin/users"):
    """POST a form the way a browser would: with the CSRF token of the page at ``csrf``."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, csrf)})


def text(response) -> str:
    return response.get_data(as_text=True)


def user(app, name: str) -> auth.User | None:
    with database(app) as db:
        return auth.find_user(db, name)


def tokens(app, name: str) -> list[auth.Token]:
    with database(app) as db:
        return auth.list_tokens(db, auth.find_user(db, name))


def audit_actions(app) -> list[tuple[str, str, str]]:
    with database(app) as db:
        return [(e.actor, e.action, e.target) for e in reversed(store.audit_entries(db))]


def new_token(client, name: str, label: str = "") -> str:
    r = post(client, f"/admin/users/{name}/tokens", {"label": label})
    assert r.status_code == 201, text(r)
    return TOKEN.search(text(r)).group(0)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- access -------------------------------------------------------------------------------

GETS = ["/admin/users", "/admin/audit", "/admin/audit.csv"]
POSTS = [
    ("/admin/users", {"name": "eve", "role": "admin", "password": PASSWORD, "confirm": PASSWORD}),
    ("/admin/users/ann/role", {"role": "admin"}),
    ("/admin/users/ann/disable", {}),
    ("/admin/users/ann/enable", {}),
    ("/admin/users/ann/tokens", {"label": "stolen"}),
    ("/admin/tokens/1/revoke", {}),
]


def test_every_admin_route_is_in_the_access_tables(app):
    rules = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    # POSTS uses ann and token 1 for the URL parts
    rule_of = {"/admin/users/ann/": "/admin/users/<name>/", "/1/": "/<int:token_id>/"}
    listed = {(url, "GET") for url in GETS}
    for url, _ in POSTS:
        for example, part in rule_of.items():
            url = url.replace(example, part)
        listed.add((url, "POST"))
    assert rules == listed


def _untouched(app) -> None:
    assert user(app, "eve") is None
    ann = user(app, "ann")
    assert (ann.role, ann.disabled) == ("agent", False)
    assert tokens(app, "ann") == []


@pytest.mark.parametrize("url", GETS)
def test_anonymous_gets_are_401(app, url):
    assert app.test_client().get(url).status_code == 401


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_anonymous_posts_are_401(app, url, data):
    client = app.test_client()
    assert post(client, url, data, csrf="/login").status_code == 401
    _untouched(app)


@pytest.mark.parametrize("role", ["agent", "editor", "publisher"])
def test_other_roles_are_403(app, role):
    add_user(app, f"{role}2", role)
    client = signed_in(app, f"{role}2")
    for url in GETS:
        assert client.get(url).status_code == 403, url
    for url, data in POSTS:
        assert post(client, url, data, csrf="/agent").status_code == 403, url
    _untouched(app)


def test_an_admin_token_reads_but_cannot_post(app):
    with database(app) as db:
        token = auth.create_token(db, auth.find_user(db, "root"), actor="test")
    client = app.test_client()
    assert client.get("/admin/audit", headers=bearer(token)).status_code == 200
    r = client.post("/admin/users/ann/disable", headers=bearer(token))
    assert r.status_code == 400  # no session, so no CSRF token
    _untouched(app)


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_posts_without_csrf_token_are_400(app, admin, url, data):
    assert admin.post(url, data=data).status_code == 400
    assert admin.post(url, data={**data, "csrf_token": "forged"}).status_code == 400
    _untouched(app)


# --- users -------------------------------------------------------------------------------


def test_users_page_lists_users_and_their_forms(app, admin):
    with database(app) as db:
        auth.create_token(db, auth.find_user(db, "ann"), label="one", actor="test")
        auth.create_token(db, auth.find_user(db, "ann"), label="two", actor="test")
        auth.revoke_token(db, auth.list_tokens(db)[0].id, actor="test")
    r = admin.get("/admin/users")
    page = text(r)
    assert r.status_code == 200
    assert '<th scope="col">Active tokens</th>' in page
    row = re.search(r'<a href="#user-\d+">ann</a>.*?</tr>', page, re.S).group(0)
    assert [c.strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)][:2] == ["agent", "active"]
    assert re.findall(r"<td>(\d+)</td>", row) == ["1"]
    assert 'action="/admin/users/ann/role"' in page
    assert 'action="/admin/users/ann/disable"' in page
    assert "revoked" in page and "/revoke" in page
    # no role or disable form for oneself
    assert 'action="/admin/users/root/role"' not in page
    assert 'action="/admin/users/root/disable"' not in page
    assert page.count('name="csrf_token"') >= 6
    assert 'href="/static/admin.css"' in page


def test_create_user_then_they_sign_in(app, admin):
    data = {
        "name": "bob",
        "role": "editor",
        "password": "pw-of-bob-123",
        "confirm": "pw-of-bob-123",
    }
    r = post(admin, "/admin/users", data)
    assert r.status_code == 303
    assert r.headers["Location"] == "/admin/users"
    assert "Created bob (editor)." in text(admin.get("/admin/users"))
    assert user(app, "bob").role == "editor"
    assert ("root", "user.create", "bob") in audit_actions(app)
    assert login(app.test_client(), "bob", "pw-of-bob-123").status_code == 302


@pytest.mark.parametrize(
    ("name", "role", "password", "confirm", "message"),
    [
        ("ann", "agent", PASSWORD, PASSWORD, "there is already a user called"),
        ("ANN", "agent", PASSWORD, PASSWORD, "there is already a user called"),
        ("a b", "agent", PASSWORD, PASSWORD, "the name must be"),
        ("", "agent", PASSWORD, PASSWORD, "the name must be"),
        ("<b>x</b>", "agent", PASSWORD, PASSWORD, "the name must be"),
        ("bob", "root", PASSWORD, PASSWORD, "the role must be one of"),
        ("bob", "agent", "short", "short", "the password must have"),
        ("bob", "agent", PASSWORD, PASSWORD + "x", "the passwords do not match"),
    ],
)
def test_bad_new_users_are_400_with_the_reason(app, admin, name, role, password, confirm, message):
    data = {"name": name, "role": role, "password": password, "confirm": confirm}
    r = post(admin, "/admin/users", data)
    page = text(r)
    assert r.status_code == 400
    assert message in html.unescape(page)
    assert 'role="alert"' in page
    assert f'name="name" value="{html.escape(name)}"' in page  # kept, escaped
    assert password not in page
    with database(app) as db:
        assert [u.name for u in auth.list_users(db)] == ["ann", "root"]


def test_disable_ends_sessions_and_refuses_tokens(app, admin):
    ann = signed_in(app, "ann")
    cookie = ann.get_cookie("session").value
    token = new_token(admin, "ann")
    assert ann.get("/agent", headers=bearer(token)).status_code == 200
    r = post(admin, "/admin/users/ann/disable")
    assert (r.status_code, r.headers["Location"]) == (303, "/admin/users")
    assert "Disabled ann" in text(admin.get("/admin/users"))
    assert ann.get("/agent").status_code == 401
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/agent").status_code == 401
    assert app.test_client().get("/agent", headers=bearer(token)).status_code == 401
    assert login(app.test_client(), "ann").status_code == 401
    assert user(app, "ann").disabled
    assert ("root", "user.disable", "ann") in audit_actions(app)
    # enabling lets ann sign in again (the token too: it was refused, not revoked)
    assert post(admin, "/admin/users/ann/enable").status_code == 303
    assert login(app.test_client(), "ann").status_code == 302
    assert app.test_client().get("/agent", headers=bearer(token)).status_code == 200
    assert ("root", "user.enable", "ann") in audit_actions(app)


def test_role_change_takes_effect_and_ends_sessions(app, admin):
    ann = signed_in(app, "ann")
    assert ann.get("/editor").status_code == 403
    r = post(admin, "/admin/users/ann/role", {"role": "editor"})
    assert r.status_code == 303
    assert "ann is now editor" in text(admin.get("/admin/users"))
    assert ann.get("/agent").status_code == 401  # the old session is over
    assert user(app, "ann").role == "editor"
    ann = signed_in(app, "ann")
    assert ann.get("/editor").status_code not in (401, 403)
    with database(app) as db:
        (entry,) = store.audit_entries(db, action_prefix="user.role")
    assert (entry.actor, entry.target, entry.detail) == ("root", "ann", "agent -> editor")


@pytest.mark.parametrize(
    ("url", "data", "status", "message"),
    [
        ("/admin/users/ann/role", {"role": "god"}, 400, "the role must be one of"),
        ("/admin/users/nobody/role", {"role": "editor"}, 404, "no user called"),
        ("/admin/users/nobody/disable", {}, 404, "no user called"),
        ("/admin/users/nobody/tokens", {}, 404, "no user called"),
        ("/admin/tokens/999/revoke", {}, 404, "no API token"),
        (f"/admin/tokens/{10**30}/revoke", {}, 404, "no API token"),
        ("/admin/users/root/role", {"role": "editor"}, 409, "your own role"),
        ("/admin/users/root/disable", {}, 409, "disable yourself"),
    ],
)
def test_refused_changes_rerender_with_4xx(app, admin, url, data, status, message):
    r = post(admin, url, data)
    assert r.status_code == status
    assert message in html.unescape(text(r))
    assert "<h1>Users</h1>" in text(r)
    root = user(app, "root")
    assert (root.role, root.disabled) == ("admin", False)
    assert admin.get("/admin/users").status_code == 200  # still signed in, still admin
    assert user(app, "ann").role == "agent"


def test_admins_can_demote_each_other_but_not_the_last_one(app, admin):
    add_user(app, "boss", "admin")
    boss = signed_in(app, "boss", "/admin/users")
    assert post(boss, "/admin/users/root/role", {"role": "publisher"}).status_code == 303
    assert admin.get("/admin/users").status_code == 401  # root's session ended
    # boss is now the only admin, and cannot remove themselves
    assert post(boss, "/admin/users/boss/role", {"role": "agent"}).status_code == 409
    assert post(boss, "/admin/users/boss/disable").status_code == 409
    assert user(app, "boss").can("admin")


# --- tokens --------------------------------------------------------------------------------


def test_token_is_shown_once_and_works(app, admin):
    r = post(admin, "/admin/users/ann/tokens", {"label": "sidebar bot"})
    page = text(r)
    assert r.status_code == 201
    assert "no-store" in r.headers["Cache-Control"]
    assert "will not be shown again" in page
    token = TOKEN.search(page).group(0)
    assert "sidebar bot" in page
    users_page = text(admin.get("/admin/users"))
    assert token not in users_page
    assert "sidebar bot" in users_page
    assert TOKEN.search(users_page) is None
    with database(app) as db:
        stored = (
            db.execute("SELECT * FROM tokens").fetchall()
            + db.execute("SELECT * FROM audit").fetchall()
        )
    assert token not in str(stored)
    assert token not in str(admin.get_cookie("session").value)
    client = app.test_client()
    assert client.get("/agent", headers=bearer(token)).status_code == 200
    assert ("root", "token.create", "ann") in audit_actions(app)
    assert tokens(app, "ann")[0].last_used_at is not None


def test_revoked_token_stops_working(app, admin):
    add_user(app, "ed", "editor")
    token = new_token(admin, "ed", "pipeline")
    client = app.test_client()
    put = {"headers": bearer(token), "json": {}}
    # accepted as a token (the empty body is what is refused), then revoked: 401
    assert client.put("/api/v1/articles/refunds?lang=en", **put).status_code == 400
    (listed,) = tokens(app, "ed")
    r = post(admin, f"/admin/tokens/{listed.id}/revoke")
    assert r.status_code == 303
    assert f"Revoked token #{listed.id}" in text(admin.get("/admin/users"))
    assert client.put("/api/v1/articles/refunds?lang=en", **put).status_code == 401
    assert client.get("/agent", headers=bearer(token)).status_code == 401
    assert tokens(app, "ed")[0].revoked
    assert ("root", "token.revoke", "ed") in audit_actions(app)
    # revoking again is harmless
    assert post(admin, f"/admin/tokens/{listed.id}/revoke").status_code == 303


def test_disabled_users_get_no_token(app, admin):
    post(admin, "/admin/users/ann/disable")
    r = post(admin, "/admin/users/ann/tokens")
    assert r.status_code == 400
    assert TOKEN.search(text(r)) is None
    assert tokens(app, "ann") == []


def test_hostile_labels_are_escaped(app, admin):
    label = '<script>alert("x")</script>'
    r = post(admin, "/admin/users/ann/tokens", {"label": label})
    for page in (text(r), text(admin.get("/admin/users")), text(admin.get("/admin/audit"))):
        assert label not in page
        assert "&lt;script&gt;" in page


# --- audit log -----------------------------------------------------------------------------


def add_audit(app, *entries: tuple[str, str, str, str, str]) -> None:
    with database(app) as db:
        for at, actor, action, target, detail in entries:
            db.execute(
                "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                [at, actor, action, target, detail],
            )


DATED = [
    ("2024-01-31T23:59:59+00:00", "bob", "article.publish", "en:a", "jan"),
    ("2024-02-01T00:00:00+00:00", "bob", "article.retire", "en:b", "feb-first"),
    ("2024-02-29T23:59:59+00:00", "cat", "article.publish", "en:c", "feb-last"),
    ("2024-03-01T00:00:00+00:00", "cat", "signin", "cat", "mar"),
]


def details(page: str) -> list[str]:
    return re.findall(r'<td class="detail">(.*?)</td>', page, re.S)


def test_audit_page_shows_entries_newest_first(app, admin):
    page = text(admin.get("/admin/audit"))
    assert '<th scope="col">Action</th>' in page
    actions = re.findall(r"<td>(user\.create|signin)</td>", page)
    assert actions == ["signin", "user.create", "user.create"]  # root signed in last


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=BOB", ["feb-first", "jan"]),
        ("action=article.", ["feb-last", "feb-first", "jan"]),
        ("action=article.publish&actor=cat", ["feb-last"]),
        ("from=2024-02-01&to=2024-02-29", ["feb-last", "feb-first"]),
        ("from=2024-02-01", ["mar", "feb-last", "feb-first"]),
        ("to=2024-01-31", ["jan"]),
        ("from=+2024-03-01+&actor=+cat+", ["mar"]),
        ("actor=nobody", []),
        ("from=0001-01-01&to=9999-12-31", ["mar", "feb-last", "feb-first", "jan"]),
    ],
)
def test_audit_filters(app, admin, query, expected):
    add_audit(app, *DATED)
    r = admin.get(f"/admin/audit?{query}")
    assert r.status_code == 200
    found = [d for d in details(text(r)) if d in {e[4] for e in DATED}]
    assert found == expected
    if not expected:
        assert "No entries match." in text(r)


@pytest.mark.parametrize(
    ("query", "csv_too"),
    [
        ("from=2024-13-01", True),
        ("from=2024-02-30", True),
        ("to=yesterday", True),
        ("to=20240201", True),
        ("from=2024-2-1", True),
        ("from=2024-03-01&to=2024-02-01", True),
        ("before=abc", False),  # the export has no pages, so it ignores the cursor
        ("before=-1", False),
        ("before=99999999999999999999999", False),
    ],
)
def test_bad_audit_arguments_are_400(app, admin, query, csv_too):
    for url in ["/admin/audit"] + (["/admin/audit.csv"] if csv_too else []):
        r = admin.get(f"{url}?{query}")
        assert r.status_code == 400, (url, query)
        assert re.search(r"'(from|to|before)' must", html.unescape(text(r)))


def test_audit_pages_with_an_older_link(app, admin):
    at = "2024-05-01T00:00:00+00:00"
    add_audit(app, *[(at, "bot", "test.row", "", f"row-{i:03d}") for i in range(AUDIT_PAGE + 5)])
    first = text(admin.get("/admin/audit?action=test."))
    rows = details(first)
    assert len(rows) == AUDIT_PAGE
    assert (rows[0], rows[-1]) == (f"row-{AUDIT_PAGE + 4:03d}", "row-005")
    older = html.unescape(re.search(r'<a href="([^"]+)" rel="next">', first).group(1))
    assert "action=test." in older and "before=" in older
    second = text(admin.get(older))
    assert details(second) == ["row-004", "row-003", "row-002", "row-001", "row-000"]
    assert 'rel="next"' not in second
    assert 'href="/admin/audit?action=test.">Newest</a>' in second


def test_hostile_audit_details_are_escaped(app, admin):
    with database(app) as db:
        store.audit(
            db,
            actor="bot",
            action="test.x",
            target="<i>t</i>",
            detail="<img src=x onerror=alert(1)>",
        )
    page = text(admin.get("/admin/audit"))
    assert "<img src=x" not in page and "<i>t</i>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# --- CSV export ----------------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\tx",
    "\rx",
]


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text(response), newline="")))


def test_csv_export_has_header_rows_and_headers(app, admin):
    add_audit(app, *DATED)
    r = admin.get("/admin/audit.csv?actor=bob")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="audit-\d{8}T\d{6}Z\.csv"', r.headers["Content-Disposition"]
    )
    assert rows_of(r) == [
        ["at", "actor", "action", "target", "detail"],
        ["2024-02-01T00:00:00+00:00", "bob", "article.retire", "en:b", "feb-first"],
        ["2024-01-31T23:59:59+00:00", "bob", "article.publish", "en:a", "jan"],
    ]
    everything = rows_of(admin.get("/admin/audit.csv"))
    assert len(everything) == 1 + len(DATED) + 3  # two user.create and root's sign-in


def test_csv_export_escapes_formulas(app, admin):
    with database(app) as db:
        for n, formula in enumerate(FORMULAS):
            store.audit(db, actor="bot", action="test.csv", target=formula, detail=formula)
            store.audit(db, actor="bot", action="test.csv", target=str(n), detail=f"safe {n}")
    rows = rows_of(admin.get("/admin/audit.csv?action=test.csv"))[1:]
    escaped = [r[4] for r in rows if not r[4].startswith("safe")]
    assert sorted(escaped) == sorted("'" + f for f in FORMULAS)
    assert all(r[3] == r[4] for r in rows if not r[4].startswith("safe"))
    assert sorted(r[4] for r in rows if r[4].startswith("safe")) == [
        f"safe {n}" for n in range(len(FORMULAS))
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
        ("'=1", "'=1"),
    ],
)
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected
