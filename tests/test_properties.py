"""Property tests (hypothesis): front matter round-trips, any question gets a quick 200 or a
clear 400, alias bombs and huge files are refused quickly (issue 7).

One fixed profile: derandomized (the same examples on every run and machine), no
example database, no per-example deadline (wall time is asserted where it matters).
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kb import content
from kb.errors import ArticleInvalid
from tests.conftest import add_user, api_token, csrf_token, login, sample_app_in

settings.register_profile(
    "kb-properties",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = settings.get_profile("kb-properties")
TIME_BOUND = 2.0  # seconds for one request; a search has a 0.5 s limit of its own

# --- front matter round-trip ------------------------------------------------------------

slugs = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
any_text = st.text(max_size=80)
extra_values = st.one_of(st.text(max_size=40), st.integers(-(2**40), 2**40), st.booleans())
extra_keys = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True).filter(
    lambda k: k not in content.KNOWN_KEYS
)


@st.composite
def front_matter(draw, text=any_text) -> tuple[dict, str]:
    """Front matter values and a body: the structured fields valid, the text ones ``text``."""
    front = {
        "id": draw(slugs),
        "title": draw(text),
        "lang": draw(st.sampled_from(["en", "ru", "tr", "az", "fa", "ar"])),
        "questions": draw(st.lists(text, max_size=6)),
        "category": draw(slugs),
        "tags": draw(st.lists(text, max_size=6)),
        "audience": draw(st.sampled_from(["public", "internal"])),
    }
    review_by = draw(st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
    if review_by:
        front["review_by"] = review_by
    front.update(draw(st.dictionaries(extra_keys, extra_values, max_size=3)))
    return front, draw(text)


def _kept(items: list[str]) -> tuple[str, ...]:
    return tuple(i.strip() for i in items if i.strip())


def _body(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n") + "\n"


@PROFILE
@given(front_matter())
@example(({"id": "a", "title": "\u3000", "lang": "en", "category": "c"}, "Body."))
@example(({"id": "a", "title": "T", "lang": "en", "category": "c", "questions": ["\x85"]}, "B"))
def test_an_accepted_article_is_written_and_read_back_unchanged(values):
    front, body = values
    try:
        article = content.parse_article(content.compose(front, body))
    except ArticleInvalid as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        return
    again = content.parse_article(content.serialise(article))
    assert again == article
    assert again.extra == article.extra
    assert again.content_hash == article.content_hash


# text a writer would type: any letters, marks, digits, punctuation, symbols and spaces
# (Unicode categories L, M, N, P, S, Zs), tabs and newlines included
typed = st.text(
    st.characters(categories=["L", "M", "N", "P", "S", "Zs"], include_characters="\t\n"),
    max_size=80,
)


@PROFILE
@given(front_matter(typed), st.text(st.characters(categories=["L", "N"]), min_size=1))
def test_parsing_keeps_every_field(values, lead):
    front, body = values
    front["title"] = lead + front["title"]  # a title with something visible in it
    body = lead + body  # the short answer starts with a letter or digit
    article = content.parse_article(content.compose(front, body))
    assert article.id == front["id"] and article.lang == front["lang"]
    assert article.title == " ".join(front["title"].split())
    assert article.questions == _kept(front["questions"])
    assert article.tags == _kept(front["tags"])
    assert article.category == front["category"] and article.audience == front["audience"]
    assert article.review_by == front.get("review_by")
    assert article.body == _body(body)
    known = set(content.KNOWN_KEYS)
    assert article.extra == {k: v for k, v in front.items() if k not in known}


# --- any question: 200 or a clear 400, quickly -------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    application = sample_app_in(tmp_path_factory.mktemp("properties"))
    add_user(application, "agent1", "agent")
    add_user(application, "publisher1", "publisher")
    return application


@pytest.fixture(scope="module")
def agent(app):
    client = app.test_client()
    assert login(client, "agent1").status_code == 302
    return client


def timed(call):
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_BOUND, f"{elapsed:.2f} s"
    return response


# every code point but surrogates (a URL cannot carry them): controls, unassigned, private use
questions = st.text(st.characters(exclude_categories=["Cs"]), max_size=600) | st.text(
    st.sampled_from("ab \t\n\x00\u202e\ufeff\u0640ّ"), min_size=490, max_size=520
)
MAX_QUERY = 500


def api_status(question: str) -> int:
    """What the answer API must say: 200, or 400 for a blank or over-long question."""
    return 200 if 0 < len(question.strip()) <= MAX_QUERY else 400


@PROFILE
@given(questions)
@example("a" * 5000)
@example(" " * 600 + "refund")
@example("\x00\x01\x7f<script>")
def test_any_question_gets_a_quick_200_or_a_clear_400(app, agent, question):
    client = app.test_client()
    faq = timed(lambda: client.get("/en/search", query_string={"q": question}))
    assert faq.status_code == 200
    for url in ("/agent", "/agent/search"):
        page = timed(lambda url=url: agent.get(url, query_string={"q": question, "lang": "en"}))
        assert page.status_code == 200, url
    for response in (
        timed(lambda: client.get("/api/v1/answer", query_string={"q": question, "lang": "en"})),
        timed(lambda: client.post("/api/v1/answer", json={"question": question, "lang": "en"})),
    ):
        assert response.status_code == api_status(question)
        if response.status_code == 400:
            assert response.get_json()["error"]["message"]
        else:
            assert response.get_json()["status"] in ("answered", "ambiguous", "no_answer")


@pytest.mark.parametrize(
    "raw",
    [
        "q=%ED%A0%80&lang=en",  # a UTF-8-encoded lone surrogate
        "q=%FF%FE%C0%AF&lang=en",  # bytes that are not UTF-8
        "q=%00&lang=en",
        "q=refund&q=%FF&lang=en",
        "q=refund&lang=%FF",
    ],
)
def test_undecodable_query_strings_are_answered_or_refused_clearly(app, agent, raw):
    client = app.test_client()
    assert timed(lambda: client.get(f"/en/search?{raw}")).status_code == 200
    assert timed(lambda: agent.get(f"/agent/search?{raw}")).status_code in (200, 400)
    api = timed(lambda: client.get(f"/api/v1/answer?{raw}"))
    assert api.status_code in (200, 400)
    assert api.is_json and (api.status_code == 200 or api.get_json()["error"]["message"])


json_text = st.text(st.characters(), max_size=60)  # lone surrogates included


@PROFILE
@given(json_text)
@example("refund \ud800")
@example("\udfff")
def test_json_questions_with_lone_surrogates_are_refused_and_nothing_is_lost(app, question):
    client = app.test_client()
    kb = app.extensions["kb"]
    body = json.dumps({"question": question, "lang": "en"})  # \\udXXX escapes, as JSON allows
    response = timed(
        lambda: client.post("/api/v1/answer", data=body, content_type="application/json")
    )
    surrogate = any(0xD800 <= ord(c) <= 0xDFFF for c in question)
    assert response.status_code == (400 if surrogate else api_status(question))
    kb.recorder.flush()
    assert kb.recorder.dropped == 0  # a row the journal cannot store used to drop its batch


# --- alias bombs and huge files: refused quickly with a clear message ---------------------

BILLION_LAUGHS = (
    "---\nid: bomb\ntitle: Bomb\nlang: en\n"
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
        for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "---\nBoom.\n"
)
HUGE = "---\nid: huge\ntitle: Huge\nlang: en\n---\nHuge.\n\n" + "x" * (10 * 1024 * 1024) + "\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [(BILLION_LAUGHS, "YAML anchors"), (HUGE, "larger than 256 KiB")],
    ids=["billion-laughs", "10-MB"],
)
def test_the_parser_refuses_bombs_quickly(text, words, tmp_path):
    started = time.perf_counter()
    with pytest.raises(ArticleInvalid) as refused:
        content.parse_article(text, path="en/x/bomb.md")
    assert words in str(refused.value)
    path = tmp_path / "en" / "x" / "bomb.md"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ArticleInvalid, match=words):
        content.read_article(tmp_path, path)
    assert time.perf_counter() - started < TIME_BOUND


def test_the_publish_paths_refuse_bombs_with_a_4xx_and_a_message(app):
    token = api_token(app, "publisher1")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for text, status, words in [
        (BILLION_LAUGHS, 422, "YAML anchors"),
        (HUGE, 413, "capacity limit"),
    ]:
        response = timed(
            lambda text=text: client.put(
                "/api/v1/articles/bomb?lang=en",
                json={"markdown": text, "base_revision": 0, "note": "n"},
                headers=headers,
            )
        )
        assert response.status_code == status
        assert words in response.get_json()["error"]["message"]
    editor = app.test_client()
    assert login(editor, "publisher1").status_code == 302
    form = {
        "csrf_token": csrf_token(editor, "/editor/new"),
        "id": "bomb",
        "lang": "en",
        "title": "Bomb",
        "category": "general",
        "audience": "public",
        "body": "Boom.",
        "note": "n",
        "action": "publish",
    }
    extra = BILLION_LAUGHS.split("lang: en\n")[1].split("---")[0]
    for changes, status, words in [
        ({"extra": extra}, 422, "YAML anchors (&amp;name) are not allowed"),
        ({"body": HUGE}, 413, "exceeds the capacity limit"),
    ]:
        response = timed(lambda changes=changes: editor.post("/editor/new", data=form | changes))
        assert response.status_code == status
        assert words in response.get_data(as_text=True)
    assert not (app.extensions["kb"].content_dir / "en" / "general" / "bomb.md").exists()
