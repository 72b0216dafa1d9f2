"""The web editor: roles, CSRF, publish and propose through forms, conflicts, history, reviews."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kb import auth, store
from tests.conftest import PASSWORD, add_user, csrf_token, login, write_article

ARTICLE = "/editor/en/refund-time"


@pytest.fixture
def app(make_app, content_dir):
    write_article(
        content_dir,
        "refund-time",
        "How long does a refund take?",
        "Five days.",
        category="refunds",
        questions=["when do I get my money back"],
        extra="review_by: 2020-01-01",
    )
    write_article(
        content_dir,
        "refund-time",
        "Сколько идёт возврат?",
        "Пять дней.",
        lang="ru",
        category="refunds",
    )
    app = make_app()
    for role in auth.ROLES:
        add_user(app, role, role)
    add_user(app, "editor2", "editor")
    return app


def client_for(app, name):
    client = app.test_client()
    if name:
        assert login(client, name, PASSWORD).status_code == 302
    return client


def form(client, url=ARTICLE, **changes):
    """The edit form's fields as the browser would post them, with ``changes`` applied."""
    html = client.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    for name in ("title", "category", "tags", "review_by", "note"):
        m = re.search(rf'name="{name}" value="([^"]*)"', html)
        fields[name] = m.group(1) if m else ""
    for name in ("questions", "body", "extra"):
        m = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
        fields[name] = m.group(1) if m else ""
    fields["audience"] = "public"
    fields.update(changes)
    return fields


def served(app, question="how long does a refund take", lang="en"):
    body = app.test_client().get(f"/api/v1/answer?q={question}&lang={lang}").get_json()
    return body["answer"]


def history(app, key="en:refund-time"):
    db = app.extensions["kb"].connect()
    try:
        lang, article_id = key.split(":")
        return [(r.revision, r.action, r.author) for r in store.history(db, article_id, lang)]
    finally:
        db.conn.close()


# --- roles and CSRF ---------------------------------------------------------------

# every state-changing route of the staff pages and the least role it needs
WRITE_ROUTES = {
    "editor.create": "editor",
    "editor.save": "editor",
    "editor.preview": "editor",
    "editor.withdraw": "editor",
    "editor.rollback": "publisher",
    "editor.retire": "publisher",
    "editor.verify": "publisher",
    "editor.confirm": "publisher",
    "editor.approve": "publisher",
    "editor.reject": "publisher",
}
ADMIN_PREFIX = "admin."


def write_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.methods & {"POST", "PUT", "DELETE", "PATCH"} and rule.endpoint.split(".")[0] in {
            "editor",
            "admin",
        }:
            yield rule


def sample_url(rule):
    values = {
        "lang": "en",
        "article_id": "refund-time",
        "draft_id": 1,
        "name": "agent",
        "token_id": 1,
    }
    return rule.build(values, append_unknown=False)[1]


def required_role(endpoint):
    return "admin" if endpoint.startswith(ADMIN_PREFIX) else WRITE_ROUTES[endpoint]


def test_every_write_route_is_listed_here(app):
    for rule in write_rules(app):
        assert rule.endpoint.startswith(ADMIN_PREFIX) or rule.endpoint in WRITE_ROUTES, rule


def test_every_write_route_refuses_lower_roles(app):
    rules = list(write_rules(app))
    assert len(rules) >= len(WRITE_ROUTES)
    for name in (None, *auth.ROLES):
        client = client_for(app, name)
        token = csrf_token(client)  # anonymous visitors get one from the sign-in page
        for rule in rules:
            needed = required_role(rule.endpoint)
            if name is not None and auth.ROLES.index(name) >= auth.ROLES.index(needed):
                continue
            r = client.post(sample_url(rule), data={"csrf_token": token, "note": "x"})
            expected = 401 if name is None else 403
            assert r.status_code == expected, (name, rule.rule, r.status_code)
    assert history(app) == [(1, "external", "external")]


def test_staff_pages_need_an_editor(app):
    assert client_for(app, None).get("/editor").status_code == 401
    assert client_for(app, "agent").get("/editor").status_code == 403
    for url in ("/editor", "/editor/reviews", "/editor/translations", "/editor/proposals"):
        assert client_for(app, "editor").get(url).status_code == 200, url


def test_forms_without_csrf_token_are_refused(app):
    client = client_for(app, "publisher")
    data = form(client, title="Changed without a token", note="x", action="publish")
    del data["csrf_token"]
    assert client.post(ARTICLE, data=data).status_code == 400
    data["csrf_token"] = "forged"
    assert client.post(ARTICLE, data=data).status_code == 400
    assert history(app) == [(1, "external", "external")]


def test_editor_cannot_publish_through_the_form(app):
    client = client_for(app, "editor")
    r = client.post(ARTICLE, data=form(client, body="Three days.", note="n", action="publish"))
    assert r.status_code == 403
    assert served(app)["summary"] == "Five days."


# --- publish, propose, approve ---------------------------------------------------------


def test_publisher_publishes_and_every_channel_serves_it(app):
    client = client_for(app, "publisher")
    data = form(
        client, body="Three days, from 1 March.", note="new refund window", action="publish"
    )
    r = client.post(ARTICLE, data=data)
    assert r.status_code == 302
    answer = served(app)
    assert (answer["summary"], answer["revision"]) == ("Three days, from 1 March.", 2)
    assert history(app)[0] == (2, "publish", "publisher")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Published revision 2" in page
    faq = app.test_client().get("/en/articles/refund-time").get_data(as_text=True)
    assert "Three days, from 1 March." in faq


def test_change_note_is_required(app):
    client = client_for(app, "publisher")
    r = client.post(ARTICLE, data=form(client, body="Three days.", note="", action="publish"))
    assert r.status_code == 400
    assert "change note is required" in r.get_data(as_text=True)
    assert served(app)["summary"] == "Five days."


def test_invalid_article_shows_the_checkers_problems_inline(app):
    client = client_for(app, "publisher")
    r = client.post(
        ARTICLE,
        data=form(client, title="", body="See [this](kb:nowhere).", note="n", action="publish"),
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "title" in html and 'class="problems"' in html
    assert served(app)["summary"] == "Five days."
    r = client.post(ARTICLE, data=form(client, body="See [this](kb:nowhere).", action="preview"))
    assert "link to an article that does not exist: kb:nowhere" in r.get_data(as_text=True)


def test_editor_proposes_and_publisher_approves(app):
    editor = client_for(app, "editor")
    r = editor.post(
        ARTICLE, data=form(editor, body="SECRET three days.", note="proposal", action="propose")
    )
    assert r.status_code == 302
    proposal = int(r.headers["Location"].rsplit("/", 1)[1])
    assert "SECRET" not in served(app)["summary"]
    publisher = client_for(app, "publisher")
    page = publisher.get(f"/editor/proposals/{proposal}").get_data(as_text=True)
    assert "SECRET three days." in page and "Approve and publish" in page
    r = publisher.post(
        f"/editor/proposals/{proposal}/approve", data={"csrf_token": csrf_token(publisher)}
    )
    assert r.status_code == 302
    assert served(app)["summary"] == "SECRET three days."
    assert history(app)[0] == (2, "publish", "editor")


def test_rejected_proposal_tells_its_author_why(app):
    editor = client_for(app, "editor")
    r = editor.post(ARTICLE, data=form(editor, body="Ten days.", note="idea", action="propose"))
    proposal = int(r.headers["Location"].rsplit("/", 1)[1])
    publisher = client_for(app, "publisher")
    token = csrf_token(publisher)
    assert (
        publisher.post(
            f"/editor/proposals/{proposal}/reject", data={"csrf_token": token}
        ).status_code
        == 400
    )
    publisher.post(
        f"/editor/proposals/{proposal}/reject",
        data={"csrf_token": token, "reason": "legal says five"},
    )
    assert "legal says five" in editor.get("/editor/proposals").get_data(as_text=True)
    assert served(app)["summary"] == "Five days."


def test_drafts_stay_private_and_off_every_channel(app):
    editor = client_for(app, "editor")
    r = editor.post(ARTICLE, data=form(editor, body="SECRET DRAFT words", action="draft"))
    assert r.status_code == 302
    draft = int(re.search(r"draft=(\d+)", r.headers["Location"]).group(1))
    assert "SECRET DRAFT" in editor.get(r.headers["Location"]).get_data(as_text=True)
    other = client_for(app, "editor2")
    assert other.get(f"/editor/proposals/{draft}").status_code == 404
    anon = app.test_client()
    for url in (
        "/en/articles/refund-time",
        "/en/search?q=secret+draft+words",
        "/api/v1/answer?q=secret+draft+words",
        "/api/v1/articles/refund-time?lang=en",
    ):
        assert "SECRET" not in anon.get(url).get_data(as_text=True), url
    agent = client_for(app, "agent")
    assert "SECRET" not in agent.get("/agent/search?q=secret+draft+words").get_data(as_text=True)


def test_preview_uses_the_channel_renderer_and_sanitises(app):
    client = client_for(app, "editor")
    data = form(client, body="Hello <script>alert(1)</script> **bold** [x](javascript:alert(1))")
    data.pop("action", None)
    r = client.post("/editor/preview", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html and "javascript:" not in html


# --- conflicts ----------------------------------------------------------------------------


def test_stale_edit_gets_a_conflict_page_and_overwrites_nothing(app):
    alice, bob = client_for(app, "publisher"), client_for(app, "admin")
    alice_form = form(alice, body="Alice: three days.", note="alice", action="publish")
    bob_form = form(bob, body="Bob: four days.", note="bob", action="publish")
    assert bob.post(ARTICLE, data=bob_form).status_code == 302
    r = alice.post(ARTICLE, data=alice_form)
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "Nothing was overwritten" in html
    assert "Bob: four days." in html and "Alice: three days." in html  # both sides of the diff
    assert 'name="base_revision" value="2"' in html  # resubmitting starts from the current one
    assert served(app)["summary"] == "Bob: four days."
    assert [r[0] for r in history(app)] == [2, 1]


# --- history, rollback, verify, translations ------------------------------------------------


def test_history_diff_and_rollback(app):
    client = client_for(app, "publisher")
    client.post(ARTICLE, data=form(client, body="Three days.", note="shorter", action="publish"))
    page = client.get(f"{ARTICLE}/history").get_data(as_text=True)
    assert "shorter" in page and "r2" in page and "Roll back to r1" in page
    diff = client.get(f"{ARTICLE}/diff?from=1&to=2").get_data(as_text=True)
    assert re.search(r'class="removed".*Five days\.', diff, re.S)
    assert re.search(r'class="added".*Three days\.', diff, re.S)
    assert client.get(f"{ARTICLE}/diff?from=1&to=9").status_code == 404
    assert client.get(f"{ARTICLE}/diff?from=x").status_code == 400
    r = client.post(
        f"{ARTICLE}/rollback",
        data={"csrf_token": csrf_token(client), "revision": "1", "base_revision": "2"},
    )
    assert r.status_code == 302
    assert history(app)[0] == (3, "rollback", "publisher")
    assert (served(app)["summary"], served(app)["revision"]) == ("Five days.", 3)
    stale = client.post(
        f"{ARTICLE}/rollback",
        data={"csrf_token": csrf_token(client), "revision": "2", "base_revision": "2"},
    )
    assert stale.status_code == 303
    assert history(app)[0][0] == 3


def test_reviews_dashboard_and_one_click_verify(app):
    client = client_for(app, "publisher")
    page = client.get("/editor/reviews").get_data(as_text=True)
    assert 'data-key="en:refund-time"' in page and "2020-01-01" in page
    r = client.post(
        f"{ARTICLE}/verify", data={"csrf_token": csrf_token(client), "base_revision": "1"}
    )
    assert r.status_code == 302
    expected = (dt.date.today() + dt.timedelta(days=180)).isoformat()
    assert history(app)[0] == (2, "verify", "publisher")
    assert app.extensions["kb"].engine.article("refund-time", "en").review_by == expected
    assert 'data-key="en:refund-time"' not in client.get("/editor/reviews").get_data(as_text=True)
    assert 'data-key="en:refund-time"' not in client.get("/editor?status=stale").get_data(
        as_text=True
    )


def test_outdated_translations_are_listed_and_confirmed(app):
    client = client_for(app, "publisher")
    client.post(ARTICLE, data=form(client, body="Three days.", note="n", action="publish"))
    page = client.get("/editor/translations").get_data(as_text=True)
    assert 'data-key="ru:refund-time"' in page
    assert 'data-key="ru:refund-time"' in client.get("/editor?status=outdated").get_data(
        as_text=True
    )
    r = client.post("/editor/ru/refund-time/confirm", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 302
    assert 'data-key="ru:refund-time"' not in client.get("/editor/translations").get_data(
        as_text=True
    )


def test_new_article_through_the_form(app):
    client = client_for(app, "publisher")
    data = form(
        client,
        "/editor/new",
        id="gift-wrap",
        lang="en",
        title="Do you gift wrap?",
        category="general",
        body="Yes, for 3 euros.",
        note="new service",
        action="publish",
    )
    r = client.post("/editor/new", data=data)
    assert r.status_code == 302
    assert served(app, "do you gift wrap")["id"] == "gift-wrap"
    again = client.post("/editor/new", data=data)
    assert again.status_code == 409  # someone (here: we) created it meanwhile


def test_hostile_text_is_escaped_on_staff_pages(app):
    client = client_for(app, "publisher")
    client.post(
        ARTICLE,
        data=form(
            client,
            title='<img src=x onerror="alert(1)">',
            body="Five days.",
            note="<script>alert(2)</script>",
            action="publish",
        ),
    )
    for url in ("/editor", f"{ARTICLE}/history", f"{ARTICLE}/diff?from=1&to=2"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert(2)" not in html, url


def test_bad_form_values_are_4xx(app):
    client = client_for(app, "publisher")
    token = csrf_token(client)
    cases = [
        {"base_revision": "abc"},
        {"base_revision": "-1"},
        {"action": "explode"},
        {"extra": "title: dup"},
        {"extra": "[1, 2"},
        {"base_revision": "9" * 30},  # past SQLite's integers: was a 500
        {"base_revision": str(2**63)},
    ]
    for case in cases:
        data = {**form(client, note="n", action="publish"), "csrf_token": token, **case}
        r = client.post(ARTICLE, data=data)
        assert 400 <= r.status_code < 500, case
    assert client.get("/editor/xx/refund-time").status_code == 404
    assert client.get("/editor/en/nope").status_code == 404
    assert client.get("/editor/proposals/999").status_code == 404
    assert client.get("/editor/proposals/" + "9" * 30).status_code == 404
    assert client.get(f"{ARTICLE}/diff?from={'9' * 30}&to=1").status_code == 404
    token = csrf_token(client)
    r = client.post(f"{ARTICLE}/rollback", data={"csrf_token": token, "revision": "9" * 30})
    assert r.status_code == 400


# --- answer tests and duplicates ----------------------------------------------------------


@pytest.fixture
def tested_app(make_app, content_dir):
    """Two articles and an answer test the refund article passes."""
    write_article(
        content_dir,
        "refund-time",
        "How long does a refund take?",
        "Five days.",
        category="refunds",
        questions=["When do I get my money back?"],
    )
    write_article(content_dir, "track-order", "Where is my parcel?", "Tracking page.")
    (content_dir / "_tests").mkdir()
    (content_dir / "_tests" / "en.csv").write_text(
        "question,expected,lang\nwhen will I get my money back,refund-time,en\n", encoding="utf-8"
    )
    app = make_app()
    for role in ("editor", "publisher"):
        add_user(app, role, role)
    return app


def stealing(client, action, **changes):
    """A new article that also answers the refund question (the answer test then fails)."""
    values = {
        "id": "refund-status",
        "lang": "en",
        "title": "Where is my refund?",
        "questions": "When will I get my money back?",
        "category": "refunds",
        "body": "Check your account.",
        "note": "new article",
        "action": action,
    }
    return form(client, "/editor/new", **{**values, **changes})


BREAK = "This change would break 1 answer test"


def test_preview_warns_when_a_draft_breaks_an_answer_test(tested_app):
    client = client_for(tested_app, "publisher")
    data = stealing(client, "preview")
    html = client.post("/editor/new", data=data).get_data(as_text=True)
    assert BREAK in html
    assert '"when will I get my money back": should get refund-time' in html
    assert "refund-status" in html.split(BREAK)[1] and "_tests/en.csv:2" in html
    live = client.post("/editor/preview", data={**data, "action": ""}).get_data(as_text=True)
    assert BREAK in live and "You can still publish" in live
    harmless = stealing(client, "preview", questions="", title="Do you gift wrap?")
    assert BREAK not in client.post("/editor/preview", data=harmless).get_data(as_text=True)


def test_preview_warns_about_duplicate_titles_and_questions(tested_app):
    client = client_for(tested_app, "publisher")
    data = stealing(client, "preview", questions="when do I get my  MONEY back?")
    html = client.post("/editor/preview", data=data).get_data(as_text=True)
    assert "is also a title or question of &#39;refund-time&#39;" in html
    # editing an article never makes it a duplicate of its own live version
    html = client.post(
        "/editor/en/refund-time", data=form(client, "/editor/en/refund-time", action="preview")
    ).get_data(as_text=True)
    assert "is also a title or question" not in html and BREAK not in html


def test_publishing_anyway_is_recorded_in_the_audit_log(tested_app):
    client = client_for(tested_app, "publisher")
    r = client.post("/editor/new", data=stealing(client, "publish"))
    assert r.status_code == 302
    assert served(tested_app, "where is my refund")["id"] == "refund-status"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Published although it breaks 1 answer test" in page
    db = tested_app.extensions["kb"].connect()
    try:
        [entry] = store.audit_entries(db, action_prefix="article.publish_with_failing_tests")
    finally:
        db.conn.close()
    assert (entry.actor, entry.target) == ("publisher", "en:refund-status")
    assert entry.detail.startswith("r1: breaks 1 answer test: _tests/en.csv:2 ")
    assert '"when will I get my money back": expected refund-time' in entry.detail


def test_proposal_shows_the_warning_and_approving_it_is_recorded(tested_app):
    editor = client_for(tested_app, "editor")
    r = editor.post("/editor/new", data=stealing(editor, "propose"))
    assert r.status_code == 302
    page = editor.get(r.headers["Location"]).get_data(as_text=True)
    assert "It would break 1 answer test" in page  # the flash
    assert "A publisher sees this warning" in page
    publisher = client_for(tested_app, "publisher")
    page = publisher.get(r.headers["Location"]).get_data(as_text=True)
    assert BREAK in page and "You can still publish" in page
    approve = r.headers["Location"] + "/approve"
    r = publisher.post(approve, data={"csrf_token": csrf_token(publisher)})
    assert r.status_code == 302
    assert "Published although it breaks" in publisher.get(r.headers["Location"]).get_data(
        as_text=True
    )
    db = tested_app.extensions["kb"].connect()
    try:
        [entry] = store.audit_entries(db, action_prefix="article.publish_with_failing_tests")
    finally:
        db.conn.close()
    assert (entry.actor, entry.target) == ("publisher", "en:refund-status")
