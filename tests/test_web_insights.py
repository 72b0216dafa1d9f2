"""Recording from every channel, feedback and flags over HTTP, insights pages, receipts API."""

from __future__ import annotations

import re
import time

import pytest

from kb import feedback, journal
from tests.conftest import SAMPLE_CONTENT, add_user, api_token, csrf_token, login

CANCEL = "can I cancel my order before it ships?"


@pytest.fixture
def app(make_app):
    app = make_app(SAMPLE_CONTENT)
    for role in ("agent", "editor"):
        add_user(app, f"{role}1", role)
    return app


def rows(app) -> list[journal.Ask]:
    kb = app.extensions["kb"]
    kb.recorder.flush()
    db = kb.connect_journal()
    try:
        return journal.find_asks(db, limit=1000)
    finally:
        db.conn.close()


def signed_in(app, name: str):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def test_every_channel_records_what_it_served(app):
    client = app.test_client()
    refs = {
        "api": client.get("/api/v1/answer", query_string={"q": CANCEL, "lang": "en"}).get_json()[
            "ref"
        ],
        "chat": client.post("/api/v1/chat", json={"message": CANCEL, "lang": "en"}).get_json()[
            "ref"
        ],
    }
    search = client.get("/api/v1/search", query_string={"q": CANCEL, "lang": "en"}).get_json()
    page = client.get("/en/search", query_string={"q": CANCEL}).get_data(as_text=True)
    faq_ref = re.search(r'name="ref" value="([^"]+)"', page).group(1)
    agent = signed_in(app, "agent1")
    agent.get("/agent/search", query_string={"q": "can I canc", "lang": "en", "live": "1"})
    fragment = agent.get("/agent/search", query_string={"q": CANCEL, "lang": "en"}).get_data(
        as_text=True
    )
    sidebar_ref = re.search(r'data-ref="([^"]+)"', fragment).group(1)
    recorded = {a.ref: a for a in rows(app)}
    assert set(recorded) == {*refs.values(), search["ref"], faq_ref, sidebar_ref}
    assert {a.channel for a in recorded.values()} == {"api", "chat", "faq", "sidebar"}
    for a in recorded.values():
        assert (a.status, a.article_id, a.revision) == ("answered", "cancel-before-shipping", 1)
        assert a.query == CANCEL.lower() or a.query  # normalised text, never the raw address
        assert a.latency_ms >= 0
    assert recorded[sidebar_ref].audience == "internal"
    # the as-you-type keystroke request was not recorded
    assert not any(a.query.endswith("canc") for a in recorded.values())


def test_article_pages_are_the_same_for_every_reader_and_a_vote_records_the_view(app):
    client = app.test_client()
    first = client.get("/en/articles/cancel-before-shipping")
    again = app.test_client().get("/en/articles/cancel-before-shipping")
    assert "Set-Cookie" not in first.headers  # public pages stay cacheable
    assert first.get_data() == again.get_data()  # no per-reader ref in a cacheable page
    page = first.get_data(as_text=True)
    assert 'name="ref"' not in page
    assert 'name="article" value="cancel-before-shipping"' in page
    assert 'name="revision" value="1"' in page
    thanks = client.post(
        "/en/feedback",
        data={
            "article": "cancel-before-shipping",
            "revision": "1",
            "helpful": "no",
            "reason": "unclear",
        },
    )
    assert thanks.status_code == 200 and "Thank you" in thanks.get_data(as_text=True)
    db = app.extensions["kb"].connect_journal()
    ref, helpful, reason, stored_client = db.execute(
        "SELECT ref, helpful, reason, client FROM feedback"
    ).fetchone()
    assert (helpful, reason) == (0, "unclear")
    (view,) = [a for a in rows(app) if a.ref == ref]
    assert view.kind == "view" and view.article_id == "cancel-before-shipping"
    assert view.revision == 1 and view.content_hash
    assert "127.0.0.1" not in stored_client


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"article": "cancel-before-shipping", "revision": "7"}, 400),
        ({"article": "cancel-before-shipping", "revision": "x"}, 400),
        ({"article": "no-such-article", "revision": "1"}, 404),
        ({}, 400),
    ],
)
def test_a_vote_from_an_article_page_must_name_a_real_revision(app, form, status):
    response = app.test_client().post("/en/feedback", data={**form, "helpful": "yes"})
    assert response.status_code == status
    assert app.extensions["kb"].connect_journal().execute(
        "SELECT COUNT(*) FROM feedback"
    ).fetchone() == (0,)


def test_feedback_api_links_the_vote_to_the_revision_served(app):
    client = app.test_client()
    answer = client.get("/api/v1/answer", query_string={"q": CANCEL, "lang": "en"}).get_json()
    body = {"ref": answer["ref"], "helpful": True, "revision": answer["answer"]["revision"]}
    response = client.post("/api/v1/feedback", json=body)
    assert response.status_code == 201
    assert response.get_json()["id"] == "cancel-before-shipping"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"ref": "nope", "helpful": True}, 404),
        ({"ref": ["x"], "helpful": True}, 400),
        ({"helpful": True}, 400),
        ({"ref": "x", "helpful": "maybe"}, 400),
        ([1, 2], 400),
    ],
)
def test_feedback_api_rejects_bad_bodies(app, body, status):
    response = app.test_client().post("/api/v1/feedback", json=body)
    assert response.status_code == status
    assert "message" in response.get_json()["error"]


def test_only_a_ref_this_node_just_handed_out_is_waited_for(app):
    # an answer may still be queued for the journal (another worker's batch), but a
    # made-up ref must get its 404 at once: waiting on it would tie up a worker
    kb = app.extensions["kb"]
    kb.recorder.interval = 0.4  # a wait for another worker's batch: 0.6 s
    client = app.test_client()
    for ref in (journal.new_ref(b"another node's key"), "A" * 32, "nope"):
        started = time.monotonic()
        assert (
            client.post("/api/v1/feedback", json={"ref": ref, "helpful": True}).status_code == 404
        )
        assert time.monotonic() - started < 0.3, ref
    started = time.monotonic()  # well signed and fresh, but never recorded: waited for, then 404
    ref = journal.new_ref(kb.ref_key)
    assert client.post("/api/v1/feedback", json={"ref": ref, "helpful": True}).status_code == 404
    assert time.monotonic() - started >= 0.6


def test_feedback_api_needs_json_and_limits_size(app):
    client = app.test_client()
    assert client.post("/api/v1/feedback", data="ref=x").status_code == 415
    answer = client.get("/api/v1/answer", query_string={"q": CANCEL, "lang": "en"}).get_json()
    long = {"ref": answer["ref"], "helpful": False, "comment": "x" * 5000}
    assert client.post("/api/v1/feedback", json=long).status_code == 400


def test_feedback_api_is_rate_limited(app, monkeypatch):
    monkeypatch.setattr(feedback, "RATE_LIMIT", 3)
    client = app.test_client()
    codes = []
    for i in range(5):
        ref = client.get("/api/v1/answer", query_string={"q": f"{CANCEL} {i}", "lang": "en"})
        codes.append(
            client.post(
                "/api/v1/feedback", json={"ref": ref.get_json()["ref"], "helpful": True}
            ).status_code
        )
    assert codes == [201, 201, 201, 429, 429]


def test_agents_flag_an_answer_with_a_csrf_token(app):
    agent = signed_in(app, "agent1")
    form = {
        "article_id": "cancel-before-shipping",
        "lang": "en",
        "revision": "1",
        "reason": "outdated",
        "comment": "the window is 2 hours now",
        "q": CANCEL,
    }
    assert agent.post("/agent/flag", data=form).status_code == 400  # no CSRF token
    token_value = csrf_token(agent, "/agent?q=cancel&lang=en")
    response = agent.post("/agent/flag", data={**form, "csrf_token": token_value})
    assert response.status_code == 303 and "flagged=1" in response.headers["Location"]
    (item,) = feedback.open_items(app.extensions["kb"].connect_journal())
    assert (item.kind, item.author, item.reason, item.revision) == ("flag", "agent1", "outdated", 1)
    bad = agent.post("/agent/flag", data={**form, "reason": "meh", "csrf_token": token_value})
    assert bad.status_code == 400
    anonymous = app.test_client().post("/agent/flag", data=form)
    assert anonymous.status_code in (302, 400, 401)  # CSRF or sign-in: either way refused
    assert len(feedback.open_items(app.extensions["kb"].connect_journal())) == 1


INSIGHTS_PAGES = [
    "/insights",
    "/insights/gaps",
    "/insights/queue",
    "/insights/articles/en/cancel-before-shipping",
    "/insights/receipts",
    "/insights/gaps.csv",
    "/insights/daily.csv",
    "/insights/channels.csv",
    "/insights/articles.csv",
    "/insights/unanswered.csv",
    "/insights/queue.csv",
]


def test_insights_are_for_editors_only(app):
    anonymous, agent, editor = (
        app.test_client(),
        signed_in(app, "agent1"),
        signed_in(app, "editor1"),
    )
    for url in INSIGHTS_PAGES:
        assert anonymous.get(url).status_code in (302, 401), url
        assert agent.get(url).status_code == 403, url
        response = editor.get(url)
        assert response.status_code == 200, url
        if url.endswith(".csv"):
            assert response.mimetype == "text/csv"


def test_gaps_page_groups_questions_and_offers_to_write_the_article(app):
    client = app.test_client()
    for q in ("do you sell gift cards", "Do you sell gift cards?", "gift cards sold?"):
        client.get("/api/v1/answer", query_string={"q": q, "lang": "en"})
    editor = signed_in(app, "editor1")
    page = editor.get("/insights/gaps").get_data(as_text=True)
    assert "gift cards" in page
    link = re.search(r'href="(/editor/new\?[^"]+)"', page).group(1).replace("&amp;", "&")
    form = editor.get(link).get_data(as_text=True)
    assert 'value="do you sell gift cards' in form


def test_csv_exports_defuse_spreadsheet_formulas(app):
    app.test_client().get("/api/v1/answer", query_string={"q": "=HYPERLINK(evil)", "lang": "en"})
    csv_text = signed_in(app, "editor1").get("/insights/unanswered.csv").get_data(as_text=True)
    assert "'=hyperlink" in csv_text.lower()


def test_the_queue_shows_flags_and_resolving_needs_csrf(app):
    agent = signed_in(app, "agent1")
    agent.post(
        "/agent/flag",
        data={
            "article_id": "cancel-before-shipping",
            "lang": "en",
            "revision": "1",
            "reason": "wrong",
            "csrf_token": csrf_token(agent, "/agent"),
        },
    )
    editor = signed_in(app, "editor1")
    page = editor.get("/insights/queue").get_data(as_text=True)
    assert "Agent flag by agent1" in page
    item_id = re.search(r"/insights/feedback/(\d+)/resolve", page).group(1)
    assert editor.post(f"/insights/feedback/{item_id}/resolve").status_code == 400
    done = editor.post(
        f"/insights/feedback/{item_id}/resolve",
        data={"csrf_token": csrf_token(editor, "/insights/queue")},
    )
    assert done.status_code == 303
    assert "Agent flag by agent1" not in editor.get("/insights/queue").get_data(as_text=True)
    huge = editor.post(  # past SQLite's integers: was a 500
        "/insights/feedback/" + "9" * 30 + "/resolve",
        data={"csrf_token": csrf_token(editor, "/insights/queue")},
    )
    assert huge.status_code == 404


def test_receipts_say_what_was_served(app):
    client = app.test_client()
    answer = client.get("/api/v1/answer", query_string={"q": CANCEL, "lang": "en"}).get_json()
    ref = answer["ref"]
    assert client.get(f"/api/v1/receipts/{ref}").status_code == 401
    agent_token = api_token(app, "agent1")
    forbidden = client.get(
        f"/api/v1/receipts/{ref}", headers={"Authorization": f"Bearer {agent_token}"}
    )
    assert forbidden.status_code == 403
    headers = {"Authorization": f"Bearer {api_token(app, 'editor1')}"}
    body = client.get(f"/api/v1/receipts/{ref}", headers=headers).get_json()
    assert body["channel"] == "api" and body["question"]
    served = body["served"]
    assert (served["id"], served["revision"], served["content_hash"]) == (
        "cancel-before-shipping",
        1,
        answer["answer"]["content_hash"],
    )
    assert served["hash_matches"] is True and "---" in served["markdown"]
    assert client.get("/api/v1/receipts/unknown", headers=headers).status_code == 404
    editor = signed_in(app, "editor1")
    page = editor.get(f"/insights/receipts/{ref}").get_data(as_text=True)
    assert "matches the stored revision" in page
    listing = editor.get(
        "/insights/receipts", query_string={"channel": "api", "since": "2000-01-01"}
    )
    assert ref in listing.get_data(as_text=True)
    assert editor.get("/insights/receipts", query_string={"since": "yesterday"}).status_code == 400
    assert editor.get("/insights/receipts", query_string={"channel": "fax"}).status_code == 400


def test_recording_can_be_switched_off(make_app):
    app = make_app(SAMPLE_CONTENT, RECORD_QUESTIONS=False)
    body = (
        app.test_client().get("/api/v1/answer", query_string={"q": CANCEL, "lang": "en"}).get_json()
    )
    assert body["ref"] and app.extensions["kb"].recorder is None


def test_kb_prune_command(app, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from kb.cli import main

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["prune", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "(30 days)" in result.output
    assert CliRunner().invoke(main, ["prune", "--days", "0"]).exit_code == 2
