"""The agent sidebar: the page, the search fragment and its receipts."""

from __future__ import annotations

import re
import time

import itsdangerous

from tests.conftest import add_user, api_token, login, write_article
from tests.test_web_faq import Page


def test_sidebar_page_focuses_search(agent_client):
    r = agent_client.get("/agent?lang=en")
    page = Page(r.get_data(as_text=True))
    assert r.status_code == 200
    (box,) = page.find("input", id="agent-q")
    assert "autofocus" in box
    assert page.find("script", src="/static/agent.js")


def test_fragment_results_carry_receipts_and_copy_text(agent_client, engine):
    r = agent_client.get("/agent/search?q=cancel+my+order+before+it+ships&lang=en")
    page = Page(r.get_data(as_text=True))
    results = page.find("li")
    assert results
    first = results[0]
    entry = engine.article(first["data-article-id"], "en")
    assert first["data-revision"] == str(entry.revision)
    assert first["data-content-hash"] == entry.content_hash
    (copy,) = [b for b in page.find("button") if b.get("data-copy")][:1]
    assert copy["data-copy"] == entry.summary_text
    assert "best" in first["class"]


def test_fragment_as_you_type_prefix(agent_client):
    html = agent_client.get("/agent/search?q=canc&lang=en").get_data(as_text=True)
    assert 'data-article-id="cancel-before-shipping"' in html


def test_fragment_empty_query_is_empty(agent_client):
    r = agent_client.get("/agent/search?q=&lang=en")
    assert r.status_code == 200
    assert "<li" not in r.get_data(as_text=True)


def test_sidebar_can_be_framed_by_configured_helpdesk(make_app, content_dir):
    app = make_app(SIDEBAR_FRAME_ANCESTORS="https://desk.example.com")
    add_user(app, "ann", "agent")
    client = app.test_client()
    login(client, "ann")
    r = client.get("/agent")
    assert "frame-ancestors https://desk.example.com" in r.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in r.headers
    faq = app.test_client().get("/en/")
    assert "frame-ancestors 'none'" in faq.headers["Content-Security-Policy"]
    assert faq.headers["X-Frame-Options"] == "DENY"


def test_review_overdue_warning(make_app, content_dir):
    from tests.conftest import write_article

    write_article(
        content_dir,
        "old-policy",
        "What is the old policy?",
        "It is old.",
        extra="review_by: 2020-01-01",
    )
    app = make_app()
    add_user(app, "ann", "agent")
    client = app.test_client()
    login(client, "ann")
    html = client.get("/agent/search?q=old+policy&lang=en").get_data(as_text=True)
    assert 'class="warning"' in html
    assert "2020-01-01" in html


def test_sidebar_opened_with_a_question_shows_its_results(agent_client):
    html = agent_client.get("/agent?q=cancel+my+order+before+it+ships&lang=en").get_data(
        as_text=True
    )
    assert 'data-article-id="cancel-before-shipping"' in html


def test_interface_strings_follow_the_page_language(sample_client):
    html = sample_client.get("/ar/search?q=%D8%A5%D9%84%D8%BA%D8%A7%D8%A1").get_data(as_text=True)
    assert "Read the full answer" not in html
    assert "اقرأ" in html or "الإجابة" in html


def test_sidebar_needs_an_agent_sign_in(sample_client):
    for url in ("/agent", "/agent/search?q=refund&lang=en"):
        r = sample_client.get(url)
        assert r.status_code == 401
        assert 'action="/login"' in r.get_data(as_text=True)


def test_agents_see_internal_articles_marked(agent_client):
    html = agent_client.get("/agent/search?q=goodwill+gesture+voucher&lang=en").get_data(
        as_text=True
    )
    page = Page(html)
    internal = [li for li in page.find("li") if "internal" in li.get("class", "").split()]
    assert [li["data-article-id"] for li in internal][:1] == ["goodwill-gestures"]
    assert 'class="badge internal"' in html


def test_sidebar_best_answer_is_the_public_answer(agent_client, sample_client):
    """An internal article may match better, but the answer to quote is the customers' one."""
    question = "can I cancel my order before it ships?"
    public = sample_client.get(
        "/api/v1/answer", query_string={"q": question, "lang": "en"}
    ).get_json()
    page = Page(
        agent_client.get("/agent/search", query_string={"q": question, "lang": "en"}).get_data(
            as_text=True
        )
    )
    best = [li for li in page.find("li") if "best" in li.get("class", "").split()]
    assert best[0]["data-article-id"] == public["answer"]["id"]


def test_as_you_type_starts_at_the_third_character(agent_client):
    """ "c" and "ca" match nearly everything; agents see results from "can" on."""
    for typed in ("c", "ca"):
        html = agent_client.get(f"/agent/search?q={typed}&lang=en&live=1").get_data(as_text=True)
        assert "<li" not in html
    html = agent_client.get("/agent/search?q=can&lang=en&live=1").get_data(as_text=True)
    assert "<li" in html


def test_result_blocks_are_rendered_once_and_follow_publishes(kb, monkeypatch):
    from flask import template_rendered

    from tests.conftest import REFUND_TEXT, csrf_token
    from tests.test_publish_writes import do_publish

    add_user(kb.app, "ann", "agent")
    rendered = []

    def note(app, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(note, kb.app)
    ann, bob = kb.app.test_client(), kb.app.test_client()
    login(ann, "ann")
    login(bob, "ann")
    # a signed CSRF token carries the second it was signed in: pinned, the token a
    # later request shows is the same string even when a second boundary passes
    now = int(time.time())
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: now)
    url = "/agent/search?q=refund+take&lang=en"
    first = ann.get(url).get_data(as_text=True)
    assert rendered.count("agent/_result.html") == 1
    second = bob.get(url + "&live=1").get_data(as_text=True)
    assert rendered.count("agent/_result.html") == 1  # the block was kept
    # what changes per request is still per request: each session's CSRF token, the question
    token_ann, token_bob = csrf_token(ann, "/agent"), csrf_token(bob, "/agent")
    assert token_ann != token_bob
    assert f'name="csrf_token" value="{token_ann}"' in first
    assert f'name="csrf_token" value="{token_bob}"' in second
    assert 'name="q" value="refund take"' in first and 'name="article_id"' in second
    # the flag form posts with the token of the session that got it
    r = bob.post(
        "/agent/flag",
        data={"csrf_token": token_bob, "article_id": "refund-time", "lang": "en", "revision": "1"}
        | {"reason": "wrong", "q": "refund take"},
    )
    assert r.status_code == 303
    assert bob.get(url, headers={"Accept-Language": "ru"}).status_code == 200
    assert rendered.count("agent/_result.html") == 1  # lang=en in the URL: same interface
    do_publish(kb, REFUND_TEXT.replace("Five days.", "Three days."), base=1, note="faster")
    html = ann.get(url).get_data(as_text=True)
    assert rendered.count("agent/_result.html") == 2
    assert "Three days." in html and 'data-revision="2"' in html and "Five days." not in html
    # a day later, "today" becomes "1 day ago": the block is rendered again
    monkeypatch.setattr("kb.web.agent.days_ago", lambda iso: 1)
    assert "updated 1 day ago" in ann.get(url).get_data(as_text=True)
    assert rendered.count("agent/_result.html") == 3


def test_an_api_token_reads_the_sidebar_without_a_session_or_csrf_token(make_app, content_dir):
    """A token client is sent no cookie, and its forms no token: they post with a session only."""
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    app = make_app()
    add_user(app, "ann", "agent")
    headers = {"Authorization": f"Bearer {api_token(app, 'ann')}"}
    client = app.test_client()
    r = client.get("/agent/search?q=refund&lang=en", headers=headers)
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    assert r.headers["Cache-Control"] == "private, no-store"
    assert 'name="csrf_token" value=""' in r.get_data(as_text=True)
    form = {"article_id": "refund-time", "lang": "en", "revision": "1", "reason": "wrong"}
    assert client.post("/agent/flag", data=form, headers=headers).status_code == 400
    # signed in, the same agent gets a token and the form posts
    ann = app.test_client()
    assert login(ann, "ann").status_code == 302
    page = ann.get("/agent/search?q=refund&lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert ann.post("/agent/flag", data={**form, "csrf_token": token}).status_code == 303
