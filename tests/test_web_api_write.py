"""Editor API: PUT and DELETE /api/v1/articles/<id> with Bearer tokens, roles and conflicts."""

from __future__ import annotations

import pytest

from kb import auth
from tests.conftest import add_user, article_text, write_article

TEXT = article_text("refund-time", "How long does a refund take?", "Five days.", category="refunds")


@pytest.fixture
def api(make_app, content_dir):
    write_article(
        content_dir, "refund-time", "How long does a refund take?", "Five days.", category="refunds"
    )
    app = make_app()
    tokens = {}
    db = app.extensions["kb"].connect()
    for role in auth.ROLES:
        user = add_user(app, f"{role}-user", role)
        tokens[role] = auth.create_token(db, user, actor="test")
    db.conn.close()
    client = app.test_client()
    client.tokens = tokens
    return client


def put(client, role, body, article_id="refund-time", lang="en"):
    headers = {"Authorization": f"Bearer {client.tokens[role]}"} if role else {}
    return client.put(f"/api/v1/articles/{article_id}?lang={lang}", json=body, headers=headers)


def test_publisher_publishes_and_every_channel_serves_it(api):
    r = put(
        api,
        "publisher",
        {
            "markdown": TEXT.replace("Five days.", "Three days."),
            "base_revision": 1,
            "note": "faster",
        },
    )
    assert r.status_code == 200
    body = r.get_json()
    assert (body["status"], body["revision"]) == ("published", 2)
    answer = api.get("/api/v1/answer?q=how+long+does+a+refund+take&lang=en").get_json()["answer"]
    assert (answer["revision"], answer["summary"], answer["content_hash"]) == (
        2,
        "Three days.",
        body["content_hash"],
    )
    assert 'data-revision="2"' in api.get("/en/articles/refund-time").get_data(as_text=True)


def test_new_article_is_201(api):
    text = article_text("gift-wrap", "Do you gift wrap?", "Yes, 3 EUR.", category="orders")
    r = put(
        api, "admin", {"markdown": text, "base_revision": 0, "note": "new"}, article_id="gift-wrap"
    )
    assert r.status_code == 201
    assert api.get("/api/v1/articles/gift-wrap?lang=en").status_code == 200


def test_editor_files_a_proposal_that_no_channel_shows(api):
    r = put(
        api,
        "editor",
        {"markdown": TEXT.replace("Five days.", "DRAFT TEXT."), "base_revision": 1, "note": "idea"},
    )
    assert r.status_code == 202
    assert r.get_json()["status"] == "proposed"
    assert "DRAFT" not in api.get("/api/v1/articles/refund-time?lang=en").get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "body", "status", "code"),
    [
        (None, {"markdown": TEXT, "base_revision": 1, "note": "x"}, 401, "unauthorized"),
        ("agent", {"markdown": TEXT, "base_revision": 1, "note": "x"}, 403, "forbidden"),
        ("publisher", {"markdown": TEXT, "base_revision": 0, "note": "x"}, 409, "conflict"),
        ("publisher", {"markdown": TEXT, "base_revision": 5, "note": "x"}, 409, "conflict"),
        ("editor", {"markdown": TEXT, "base_revision": 0, "note": "x"}, 409, "conflict"),
        (
            "publisher",
            {"markdown": "no front matter", "base_revision": 1, "note": "x"},
            422,
            "invalid_article",
        ),
        ("publisher", {"markdown": TEXT, "base_revision": "1", "note": "x"}, 400, "bad_request"),
        ("publisher", {"markdown": TEXT, "base_revision": True, "note": "x"}, 400, "bad_request"),
        ("publisher", {"markdown": TEXT, "base_revision": 1}, 400, "bad_request"),
        ("publisher", {"markdown": TEXT, "base_revision": 1, "note": ""}, 400, "bad_request"),
        ("publisher", {"markdown": 5, "base_revision": 1, "note": "x"}, 400, "bad_request"),
        ("publisher", {"base_revision": 1, "note": "x"}, 400, "bad_request"),
    ],
)
def test_put_refusals(api, role, body, status, code):
    r = put(api, role, body)
    assert r.status_code == status, r.get_json()
    assert r.get_json()["error"]["code"] == code
    assert api.get("/api/v1/articles/refund-time?lang=en").get_json()["revision"] == 1


def test_conflict_names_the_current_revision(api):
    put(
        api, "publisher", {"markdown": TEXT.replace("Five", "Six"), "base_revision": 1, "note": "a"}
    )
    r = put(
        api,
        "publisher",
        {"markdown": TEXT.replace("Five", "Seven"), "base_revision": 1, "note": "b"},
    )
    assert r.status_code == 409
    assert r.get_json()["error"]["current_revision"] == 2


def test_put_id_must_match_the_url(api):
    r = put(
        api, "publisher", {"markdown": TEXT, "base_revision": 1, "note": "x"}, article_id="other"
    )
    assert r.status_code == 400
    r = put(api, "publisher", {"markdown": TEXT, "base_revision": 1, "note": "x"}, lang="ru")
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("", "retired through the API"),
        ("&note=", "retired through the API"),
        # blank is absent, not a 400 (found by tests/test_api_fuzz.py)
        ("&note=%C2%A0%20", "retired through the API"),
        ("&note=%20obsolete%20", "obsolete"),
    ],
)
def test_delete_note_is_optional(api, query, note):
    headers = {"Authorization": f"Bearer {api.tokens['publisher']}"}
    r = api.delete(f"/api/v1/articles/refund-time?lang=en{query}", headers=headers)
    assert r.status_code == 200, r.get_json()
    db = api.application.extensions["kb"].connect()
    try:
        stored = db.execute("SELECT note FROM revisions ORDER BY revision DESC LIMIT 1").fetchone()
    finally:
        db.conn.close()
    assert stored == (note,)


def test_session_cookie_cannot_write_through_the_api(api):
    """The API is CSRF-exempt, so it must ignore cookies for writes."""
    from tests.conftest import login

    login(api, "admin-user")
    r = api.put(
        "/api/v1/articles/refund-time?lang=en",
        json={"markdown": TEXT, "base_revision": 1, "note": "x"},
    )
    assert r.status_code == 401


def test_delete_retires_for_publishers_only(api):
    headers = {"Authorization": f"Bearer {api.tokens['editor']}"}
    assert api.delete("/api/v1/articles/refund-time?lang=en", headers=headers).status_code == 403
    headers = {"Authorization": f"Bearer {api.tokens['publisher']}"}
    assert (
        api.delete(
            "/api/v1/articles/refund-time?lang=en&base_revision=7", headers=headers
        ).status_code
        == 409
    )
    r = api.delete("/api/v1/articles/refund-time?lang=en&base_revision=1", headers=headers)
    assert r.status_code == 200
    assert r.get_json()["revision"] == 2
    assert api.get("/api/v1/articles/refund-time?lang=en").status_code == 404
    assert api.delete("/api/v1/articles/refund-time?lang=en", headers=headers).status_code == 404
