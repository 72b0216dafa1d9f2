"""One answer, every channel: the same article, revision, hash and short answer everywhere.

For every article's title and alternate questions, ask the chatbot API, the
FAQ search page and the agent sidebar fragment, and compare receipts.
"""

from __future__ import annotations

from tests.test_web_faq import Page


def _questions(engine):
    for lang in ("en", "ru", "tr", "az", "fa", "ar"):
        for entries in engine.catalog(lang).values():
            for entry in entries:
                for question in (entry.title, *entry.questions):
                    yield lang, question


def _api(client, question, lang):
    body = client.get("/api/v1/answer", query_string={"q": question, "lang": lang}).get_json()
    a = body["answer"]
    return body["status"], a and (
        a["id"],
        a["lang"],
        str(a["revision"]),
        a["content_hash"],
        a["summary"],
    )


def _faq(client, engine, question, lang):
    page = Page(client.get(f"/{lang}/search", query_string={"q": question}).get_data(as_text=True))
    found = page.find("section", class_="answer")
    if not found:
        return None
    a = found[0]
    summary = engine.article(a["data-article-id"], a["data-lang"]).summary_text
    return a["data-article-id"], a["data-lang"], a["data-revision"], a["data-content-hash"], summary


def _sidebar(client, engine, question, lang):
    page = Page(
        client.get("/agent/search", query_string={"q": question, "lang": lang}).get_data(
            as_text=True
        )
    )
    best = [li for li in page.find("li") if "best" in li.get("class", "").split()]
    if not best:
        return None
    a = best[0]
    copy = next(b for b in page.find("button") if b.get("data-copy") is not None)["data-copy"]
    return a["data-article-id"], a["data-lang"], a["data-revision"], a["data-content-hash"], copy


def compare_channels(client, agent_client, engine) -> tuple[int, int, list]:
    """Ask every title and question on the API, the FAQ and the sidebar.

    Return how many were asked, how many answered, and the disagreements.
    """
    asked = answered = 0
    disagreements = []
    for lang, question in _questions(engine):
        asked += 1
        status, api = _api(client, question, lang)
        faq = _faq(client, engine, question, lang)
        sidebar = _sidebar(agent_client, engine, question, lang)
        if not (api == faq == sidebar):
            disagreements.append((lang, question, api, faq, sidebar))
        answered += status == "answered"
    return asked, answered, disagreements


def test_every_channel_serves_the_same_answer(sample_client, agent_client, engine):
    asked, answered, disagreements = compare_channels(sample_client, agent_client, engine)
    assert not disagreements, disagreements[:5]
    assert asked > 300
    # the titles and questions are what the articles are for: nearly all must be answered
    assert answered / asked > 0.9, f"only {answered}/{asked} answered"


def test_cancel_before_it_ships_same_on_every_channel(sample_client, agent_client, engine):
    question = "can I cancel my order before it ships?"
    status, api = _api(sample_client, question, "en")
    assert status == "answered"
    assert api[0] == "cancel-before-shipping"
    assert (
        api
        == _faq(sample_client, engine, question, "en")
        == _sidebar(agent_client, engine, question, "en")
    )
