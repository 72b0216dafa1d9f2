"""Tests for kb.render: Markdown, the sanitiser, short answer, plain text and hash."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kb import render as render_module
from kb.content import Article, parse_article, serialise
from kb.render import (
    ALLOWED_TAGS,
    CONVERTERS_KEPT,
    converter,
    html_to_text,
    markdown_to_html,
    plain_text,
    render,
    sanitise,
    sanitise_snippet,
    unused_patterns,
)
from tests.conftest import SAMPLE_CONTENT

FORBIDDEN_TAGS = {"script", "iframe", "base", "meta", "style", "form", "svg", "object", "embed", "img", "input",
                  "link", "frame", "frameset", "math", "textarea", "button", "template", "noscript"}  # fmt: skip
SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
    "poster",
    "data",
    "background",
}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Return ``(tag, attributes)`` of every element, attribute values entity-decoded."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def unsafe_parts(html: str) -> list[str]:
    """Return what a browser could execute or be redirected by in ``html`` (empty when safe)."""
    found = []
    for tag, attrs in elements(html):
        if tag in FORBIDDEN_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{tag}[{name}]")
            if name == "style":
                found.append(f"{tag}[style]")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme not in SAFE_SCHEMES:
                    found.append(f"{tag}[{name}={value!r}]")
    return found


def assert_safe(html: str) -> None:
    assert unsafe_parts(html) == [], html


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<script>alert(1)</script>", ["<script>"]),
        ('<a href="javascript:alert(1)">x</a>', ["a[href='javascript:alert(1)']"]),
        ('<a href="JaVa&#x09;Script:alert(1)">x</a>', ["a[href='JaVa\\tScript:alert(1)']"]),
        ('<a href=" data:text/html,x">x</a>', ["a[href=' data:text/html,x']"]),
        ('<p onclick="x">x</p>', ["p[onclick]"]),
        ('<p style="color:red">x</p>', ["p[style]"]),
        ("<svg><circle/></svg>", ["<svg>"]),
        ('<img src="http://a/x.png">', ["<img>"]),
        (
            '<a href="http://a/">x</a><a href="/faq/x">y</a><a href="mailto:a@b.c">z</a><a href="#top">t</a>',
            [],
        ),
    ],
)
def test_oracle_itself_catches_unsafe_html(html, expected):
    """The oracle must be able to fail, or the sanitiser tests below prove nothing."""
    assert unsafe_parts(html) == expected


HOSTILE = [
    pytest.param("<script>alert(1)</script>", "", id="script"),
    pytest.param("<SCRIPT SRC=//evil/x.js></SCRIPT>", "", id="script-src"),
    pytest.param("<img src=x onerror=alert(1)>", "", id="img-onerror"),
    pytest.param("[x](javascript:alert(1))", "x", id="js-link"),
    pytest.param("[x](JaVaScRiPt:alert(1))", "x", id="js-mixed-case"),
    pytest.param("[x](&#106;avascript:alert(1))", "x", id="js-decimal-entity"),
    pytest.param("[x](&#x6A;avascript:alert(1))", "x", id="js-hex-entity"),
    pytest.param("[x](java&#x09;script:alert(1))", "x", id="js-tab-entity"),
    pytest.param("[x](java&#x0A;script:alert(1))", "x", id="js-newline-entity"),
    pytest.param("[x](  javascript:alert(1))", "x", id="js-leading-space"),
    pytest.param("[x](<javascript:alert(1)>)", "x", id="js-angle"),
    pytest.param("<javascript:alert(1)>", "", id="js-autolink"),
    pytest.param("[x](vbscript:msgbox(1))", "x", id="vbscript"),
    pytest.param(
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "x", id="data-url"
    ),
    pytest.param("![x](javascript:alert(1))", "", id="js-image"),
    pytest.param("![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)", "", id="data-image"),
    pytest.param("[x][1]\n\n[1]: javascript:alert(1)", "x", id="js-reference"),
    pytest.param("[x][1]\n\n[1]: JAVASCRIPT:alert(1) 'title'", "x", id="js-reference-title"),
    pytest.param('Text\n{: onclick="alert(1)"}', "Text", id="attr-list-block"),
    pytest.param('[x](http://a){: onclick="alert(1)" style="x"}', "x", id="attr-list-inline"),
    pytest.param("<svg onload=alert(1)>", "", id="svg-onload"),
    pytest.param("<svg><script>alert(1)</script></svg>", "", id="svg-script"),
    pytest.param('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', "", id="math-xlink"),
    pytest.param('<base href="http://evil.example/">', "", id="base"),
    pytest.param(
        '<meta http-equiv="refresh" content="0;url=http://evil.example/">', "", id="meta-refresh"
    ),
    pytest.param('<iframe srcdoc="<script>alert(1)</script>"></iframe>', "", id="iframe-srcdoc"),
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', "", id="iframe-js"),
    pytest.param('<a style="position:fixed;top:0" href="http://a/">x</a>', "x", id="a-style"),
    pytest.param('<p style="background:url(javascript:alert(1))">x</p>', "x", id="p-style"),
    pytest.param(
        '<form action="http://evil/"><input name="pw"><button>Go</button></form>', "", id="form"
    ),
    pytest.param("<style>body{display:none}</style>", "", id="style"),
    pytest.param('<object data="x.swf"></object><embed src="x.swf">', "", id="object-embed"),
    pytest.param('<a href="http://a/" onmouseover="alert(1)">x</a>', "x", id="a-onmouseover"),
    pytest.param('<a href="\x01javascript:alert(1)">x</a>', "x", id="control-char"),
    pytest.param("<!-- <script>alert(1)</script> -->", "", id="comment"),
    pytest.param('<div><p title="x" onclick="y">z</p></div>', "z", id="nested-handler"),
    pytest.param("<scr<script>ipt>alert(1)</script>", "", id="split-script"),
    pytest.param('<a href="kb:x" onclick="alert(1)">x</a>', "x", id="kb-with-handler"),
]


@pytest.mark.parametrize(("source", "visible"), HOSTILE)
def test_markdown_to_html_neutralises_hostile_input(source, visible):
    html = markdown_to_html(source, resolve=lambda i: f"/faq/en/{i}")
    assert_safe(html)
    if visible:
        assert visible in html_to_text(html)


@pytest.mark.parametrize(("source", "visible"), HOSTILE)
def test_sanitise_raw_html(source, visible):
    assert_safe(sanitise(source))


@pytest.mark.parametrize(("source", "visible"), HOSTILE)
def test_render_article_with_hostile_summary_and_detail(source, visible):
    article = Article(id="x", lang="en", title="T", body=f"Intro {source}\n\nDetail:\n\n{source}\n")
    rendered = render(article, resolve=lambda i: f"/faq/en/{i}")
    for html in (rendered.html, rendered.summary_html, rendered.detail_html):
        assert_safe(html)
    assert rendered.summary_text.startswith("Intro")


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[x](http://example.com/a?b=1&c=2)", "http://example.com/a?b=1&c=2"),
        ("[x](https://example.com/)", "https://example.com/"),
        ("[x](mailto:help@example.com)", "mailto:help@example.com"),
        ("[x](/faq/en/refund)", "/faq/en/refund"),
        ("[x](#details)", "#details"),
        ("<https://example.com/auto>", "https://example.com/auto"),
    ],
)
def test_safe_links_are_kept(source, href):
    html = markdown_to_html(source)
    links = [attrs for tag, attrs in elements(html) if tag == "a"]
    assert links == [{"href": href, "rel": "noopener noreferrer"}]


# --- kb: links ---------------------------------------------------------------------


def test_kb_links_resolved_through_the_resolver():
    asked = []

    def resolve(article_id):
        asked.append(article_id)
        return {"refund-timeline": "/faq/ru/refund-timeline"}.get(article_id)

    html = markdown_to_html(
        "See [times](kb:refund-timeline), [gone](kb:nope) and [ref][r].\n\n[r]: kb:refund-timeline 'Refunds'",
        resolve=resolve,
    )
    assert elements(html) == [
        ("p", {}),
        ("a", {"href": "/faq/ru/refund-timeline", "rel": "noopener noreferrer"}),
        ("a", {"rel": "noopener noreferrer"}),
        (
            "a",
            {"href": "/faq/ru/refund-timeline", "title": "Refunds", "rel": "noopener noreferrer"},
        ),
    ]
    assert asked == ["refund-timeline", "nope", "refund-timeline"]
    assert html_to_text(html) == "See times, gone and ref."


@pytest.mark.parametrize("resolve", [None, lambda _: None, lambda _: ""])
def test_kb_link_without_target_has_no_href(resolve):
    html = markdown_to_html("[gone](kb:nope)", resolve=resolve)
    assert elements(html) == [("p", {}), ("a", {"rel": "noopener noreferrer"})]
    assert "kb:" not in html
    assert html_to_text(html) == "gone"


@pytest.mark.parametrize(
    "href",
    ["java\x01script:alert(1)", "java&#1;&#11;script:alert(1)", "https://a.example/\x7f", "/x\x1f"],
)
def test_links_with_control_characters_lose_their_href(href):
    # relative URLs to ammonia and to today's browsers, but older engines skipped
    # the control characters and ran javascript: (found by tests/test_xss.py)
    html = sanitise(f'<a href="{href}">x</a>')
    assert elements(html) == [("a", {"rel": "noopener noreferrer"})]


def test_kb_link_to_a_hostile_url_is_still_sanitised():
    html = markdown_to_html("[x](kb:a)", resolve=lambda _: "javascript:alert(1)")
    assert_safe(html)


def test_render_resolves_kb_links_in_summary_and_detail():
    article = Article(
        id="a", lang="en", title="T", body="Short [one](kb:one).\n\nMore [two](kb:two).\n"
    )
    rendered = render(article, resolve=lambda i: f"/faq/en/{i}")
    assert 'href="/faq/en/one"' in rendered.summary_html
    assert 'href="/faq/en/two"' in rendered.detail_html
    assert "kb:" not in rendered.html


# --- structure ----------------------------------------------------------------------


def test_tables_render_with_allowed_tags():
    html = markdown_to_html("| Size | Price |\n|:-----|------:|\n| S | 10 &euro; |\n| M | 12 |")
    tags = [tag for tag, _ in elements(html)]
    assert set(tags) <= ALLOWED_TAGS
    assert {"table", "thead", "tbody", "tr", "th", "td"} <= set(tags)
    assert tags.count("td") == 4
    aligns = [attrs.get("align") for tag, attrs in elements(html) if tag in ("th", "td")]
    assert aligns == ["left", "right"] * 3
    assert "10 €" in html_to_text(html)


@pytest.mark.parametrize(
    ("source", "tags"),
    [
        ("```\n<b>code</b>\n```", ["pre", "code"]),
        ("1. one\n2. two", ["ol", "li", "li"]),
        ("3. three\n4. four", ["ol", "li", "li"]),
        ("> quoted", ["blockquote", "p"]),
        ("## Heading", ["h2"]),
        ("**b** *i* `c`", ["p", "strong", "em", "code"]),
        ("a\n\n---\n\nb", ["p", "hr", "p"]),
    ],
)
def test_markdown_structure_survives_the_sanitiser(source, tags):
    html = markdown_to_html(source)
    assert [tag for tag, _ in elements(html)] == tags
    assert_safe(html)


def test_ordered_list_start_is_kept():
    assert ("ol", {"start": "3"}) in elements(markdown_to_html("3. three\n4. four"))


def test_code_block_shows_html_as_text():
    html = markdown_to_html("```\n<script>alert(1)</script>\n```")
    assert_safe(html)
    assert html_to_text(html) == "<script>alert(1)</script>"


# --- converters without the inline patterns a text cannot use ---------------------------


def _converted(text: str, unused: frozenset[str]) -> str:
    """Markdown's own HTML for ``text`` (not sanitised: the sanitiser could hide a difference)."""
    md = converter(unused)
    try:
        return md.convert(text)
    finally:
        md.reset()


def _both(text: str) -> tuple[str, str]:
    return _converted(text, unused_patterns(text)), _converted(text, frozenset())


def test_a_plain_answer_is_converted_without_the_patterns_it_cannot_use():
    text = "Refunds take *five* days. See [the policy](kb:refunds).\n\n- one\n- two\n"
    unused = unused_patterns(text)
    assert {"backtick", "escape", "image_link", "html", "entity", "linebreak"} <= unused
    assert not {"link", "reference", "em_strong"} & unused
    kept = {
        name for name in ("backtick", "html", "link") if name in converter(unused).inlinePatterns
    }
    assert kept == {"link"}
    assert _both(text)[0] == _both(text)[1]


def test_with_raw_html_every_pattern_is_kept():
    assert unused_patterns("Plain text, then <b>bold</b>.") == frozenset()


def test_sample_content_converts_the_same_without_unused_patterns():
    texts = []
    for path in sorted(SAMPLE_CONTENT.rglob("*.md")):
        article = parse_article(path.read_text(encoding="utf-8"), path=str(path))
        texts += [article.short_answer, article.detail]
    assert len(texts) > 50
    for text in texts:
        pruned, full = _both(text)
        assert pruned == full, text


# what Markdown reads as markup, and what its normalising turns into markup
# (tabs, carriage returns, the STX and ETX it deletes)
_MARKDOWN_PIECES = [
    "a", "bc", " ", "  ", "\n", "\n\n", "\t", "\r", "\r\n", "\x02", "\x03", "*", "**",
    "_", "__", "`", "``", "\\", "[", "]", "(", ")", "!", "![", "&", "&amp;", "&#65;", ";",
    "<", ">", "<b>", "</b>", "<http://x.y>", "<a@b.c>", "http://x.y", "#", "- ", "1. ",
    "> ", "|", "---", "```", "~", ":", '"', "'", "=", "é", "ş", "ع", "    ",
    "[r]: http://x.y\n", "[r]", "[x](kb:y)", "![i](u)", "| a | b |\n|---|---|\n",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_MARKDOWN_PIECES), max_size=40).map("".join))
@example("a\t\nb")  # the tab becomes two spaces or more: a hard line break
@example("a \x02 \nb")  # Markdown deletes the STX: a hard line break
@example("!\x03[i](u)")  # ... and this ETX: an image
@example("a  \r\nb")
@example("trailing  ")
def test_any_text_converts_the_same_without_unused_patterns(text):
    pruned, full = _both(text)
    assert pruned == full


def test_few_converters_are_kept_per_thread():
    plain = ["x", "*x*", "[x](y)", "`x`", "&amp;", "a\\b", "![i](u)", "a  \nb", "_x_"]
    texts = ["<b>x</b>"] + [a + " " + b for a in plain for b in plain]  # the full one used first

    def convert_all() -> list[frozenset[str]]:
        for text in texts:
            markdown_to_html(text)
        return list(render_module._converters.kept)

    with ThreadPoolExecutor(1) as pool:  # a fresh thread: its own converters
        kept = pool.submit(convert_all).result()
    assert len({unused_patterns(text) for text in texts}) > CONVERTERS_KEPT
    assert len(kept) == CONVERTERS_KEPT
    assert frozenset() in kept  # the full one, for any text with HTML


# --- summary, text, hash ---------------------------------------------------------------


ARTICLE = parse_article(
    "---\nid: a\ntitle: T\nlang: en\n---\n"
    "Yes, **fish &amp; chips** &mdash; see [x](kb:b) and 1 &lt; 2.\nSame paragraph.\n\n"
    "## Details\n\n- first\n- second\n\nLast &copy; paragraph.\n"
)


def test_summary_html_is_the_first_paragraph_only():
    rendered = render(ARTICLE)
    assert [tag for tag, _ in elements(rendered.summary_html)] == ["p", "strong", "a"]
    assert "Details" not in rendered.summary_html
    assert rendered.summary_html == markdown_to_html(ARTICLE.short_answer)
    assert rendered.detail_html == markdown_to_html(ARTICLE.detail)
    assert rendered.html == rendered.summary_html + "\n" + rendered.detail_html


def test_summary_text_and_text_are_plain():
    rendered = render(ARTICLE)
    text = plain_text(rendered.summary_html, rendered.detail_html)
    # source line breaks inside a paragraph are kept; blocks are separated by a blank line
    assert rendered.summary_text == "Yes, fish & chips — see x and 1 < 2.\nSame paragraph."
    assert text == (
        "Yes, fish & chips — see x and 1 < 2.\nSame paragraph.\n\nDetails\n\n"
        "- first\n\n- second\n\nLast © paragraph."
    )
    assert text == html_to_text(rendered.html)
    for plain in (rendered.summary_text, text):
        assert not re.search(r"<[a-z/!]", plain)
        assert not re.search(r"&[a-z#0-9]+;", plain)


def test_render_without_detail():
    rendered = render(Article(id="a", lang="en", title="T", body="Only one paragraph.\n"))
    assert rendered.detail_html == ""
    assert rendered.html == rendered.summary_html == "<p>Only one paragraph.</p>"
    assert plain_text(rendered.summary_html, rendered.detail_html) == "Only one paragraph."
    assert rendered.summary_text == "Only one paragraph."


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a&nbsp;b &amp; c &#1575;</p>", "a b & c ا"),
        ("<ul><li>one</li><li>two</li></ul>", "- one\n\n- two"),
        ("<p>x</p><p>y</p>", "x\n\ny"),
        ("<table><tr><th>a</th><td>b</td></tr></table>", "a b"),
        ("<p>  many    spaces\n  here </p>", "many spaces\nhere"),
        ("<p>a</p>\n\n\n\n<p>b</p>", "a\n\nb"),
        ("<pre><code>x &lt;b&gt;</code></pre>", "x <b>"),
        # the sanitiser leaves ">" unescaped inside quoted attribute values
        ('<p><a href="http://x/a>b" title="c>d">link</a> after</p>', "link after"),
        ("<p>a<br>b</p>", "a\nb"),
        ("<P>upper</P>tail", "upper\ntail"),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text


def test_content_hash_is_stable_and_tracks_changes():
    same = parse_article(serialise(ARTICLE), path="en/general/a.md")
    assert ARTICLE.content_hash == same.content_hash
    assert ARTICLE.content_hash == hashlib.sha256(serialise(ARTICLE).encode("utf-8")).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", ARTICLE.content_hash)

    changed_body = ARTICLE.with_changes(body=ARTICLE.body.replace("Last", "Final"))
    changed_title = ARTICLE.with_changes(title="Other")
    hashes = {a.content_hash for a in (ARTICLE, changed_body, changed_title)}
    assert len(hashes) == 3


# --- snippets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("a <mark>b</mark> c", "a <mark>b</mark> c"),
        ('<mark class="x" onclick="y" style="z">b</mark>', "<mark>b</mark>"),
        ("<b>bold</b> <em>em</em> <a href='http://a/'>link</a>", "bold em link"),
        ("<script>alert(1)</script><mark>x</mark>", "<mark>x</mark>"),
        ("<style>p{}</style>text", "text"),
        ("<img src=x onerror=alert(1)>text", "text"),
        ("1 &lt; 2 &amp; <mark>3</mark>", "1 &lt; 2 &amp; <mark>3</mark>"),
        ("<!-- c --><mark>m</mark>", "<mark>m</mark>"),
    ],
)
def test_sanitise_snippet_keeps_only_mark(html, expected):
    out = sanitise_snippet(html)
    assert out == expected
    assert {tag for tag, _ in elements(out)} <= {"mark"}
    assert all(attrs == {} for _, attrs in elements(out))
