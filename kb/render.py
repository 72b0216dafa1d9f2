"""Markdown to sanitised HTML, short answer and plain text.

The only place that configures Markdown and the sanitiser. Every channel
shows HTML produced here (or escaped by Jinja): nothing else turns user or
editor text into markup.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

import markdown
import nh3

from kb.content import Article

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em",
    "b", "i", "code", "pre", "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td",
    "del", "sup", "sub", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
_KB_HREF = re.compile(r'href="kb:([^"]*)"')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MD_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
_MD_CONFIG = {"tables": {"use_align_attribute": True}}

LinkResolver = Callable[[str], str | None]


@dataclass(frozen=True)
class Rendered:
    """What every channel shows of an article, derived once from its Markdown."""

    html: str
    summary_html: str
    summary_text: str
    detail_html: str


def _drop_urls_with_controls(element: str, attribute: str, value: str) -> str | None:
    # ammonia passes "java\x01script:x" as a relative URL (it is one for today's browsers),
    # but older engines skipped control characters and ran it; no real link has one
    if attribute == "href" and _CONTROL.search(value):
        return None
    return value


def sanitise(html: str) -> str:
    """Return ``html`` reduced to the allowlist: no script, handlers, style or unsafe URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_drop_urls_with_controls,
    )


def sanitise_snippet(html: str) -> str:
    """Return a search snippet keeping only ``<mark>`` highlights."""
    return nh3.clean(html, tags={"mark"}, attributes={}, strip_comments=True)


# Python-Markdown tries every inline pattern on every piece of text, and most
# articles have no code, images, HTML, entities or hard line breaks. Each of these
# built-in patterns can only match where the source (its whitespace normalised as
# Markdown does first) holds one of the strings given, so a converter without the
# patterns whose strings are absent renders the same HTML, a quarter faster (a
# third of a full rebuild is Markdown). Names not listed here, such as a newer
# Markdown's, are always kept. tests/test_render.py compares the two converters.
_PATTERN_NEEDS = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_reference": ("[",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "html": ("<",),
    "entity": ("&",),
    "em_strong": ("*", "_"),  # Markdown 3.6 to 3.10: "*" here, "_" in "em_strong2"
    "em_strong2": ("_",),
    "not_strong": ("*", "_"),
}
_TAB_LENGTH = 4  # Markdown's default: it expands tabs before looking for patterns
CONVERTERS_KEPT = 8  # per thread, each about 190 KB; the full one is always kept

_converters = threading.local()  # a Markdown converter keeps state: one per thread


def unused_patterns(text: str) -> frozenset[str]:
    """Return the inline patterns that cannot match anywhere in Markdown ``text``.

    Raw HTML is parsed and put back together before the inline patterns run:
    with a ``<`` in the text, every pattern is kept.
    """
    if "<" in text:
        return frozenset()
    source = text.replace("\x02", "").replace("\x03", "")  # Markdown drops these first
    source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
    source = source.expandtabs(_TAB_LENGTH)
    return frozenset(
        name
        for name, needs in _PATTERN_NEEDS.items()
        if not any(needed in source for needed in needs)
    )


def converter(unused: frozenset[str] = frozenset()) -> markdown.Markdown:
    """Return this thread's Markdown converter without the inline patterns ``unused``.

    Building one costs more than converting a short article: the last few
    are kept, and the one with every pattern always.
    """
    kept = getattr(_converters, "kept", None)
    if kept is None:
        kept = _converters.kept = OrderedDict()
    md = kept.get(unused)
    if md is not None:
        kept.move_to_end(unused)
        return md
    md = markdown.Markdown(extensions=_MD_EXTENSIONS, extension_configs=_MD_CONFIG)
    for name in unused:
        md.inlinePatterns.deregister(name, strict=False)
    kept[unused] = md
    if len(kept) > CONVERTERS_KEPT:
        oldest = next(key for key in kept if key)  # not the full one
        del kept[oldest]
    return md


def markdown_to_html(text: str, *, resolve: LinkResolver | None = None) -> str:
    """Render Markdown and sanitise it; ``kb:ID`` links become FAQ URLs via ``resolve``.

    :param text: Markdown source (raw HTML in it is sanitised away)
    :param resolve: maps an article id to a URL, or None when it does not exist
    """
    md = converter(unused_patterns(text))
    try:
        html = md.convert(text)
    finally:
        md.reset()

    def link(match: re.Match[str]) -> str:
        url = resolve(unescape(match.group(1))) if resolve else None
        return f'href="{url}"' if url else ""

    return sanitise(_KB_HREF.sub(link, html))


# a tag of sanitised HTML: the sanitiser quotes every attribute value with '"'
_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:[^>"]|"[^"]*")*?(/?)>')
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre", "blockquote", "table"}
)


def html_to_text(html: str) -> str:
    """Return readable plain text of sanitised HTML (for the chatbot and copy buttons).

    Block elements end lines, list items start with "- " and table cells are
    spaced. A regular expression, not an HTML parser: the sanitiser's output
    has no comments, scripts or unquoted attributes, and every article is
    converted at each rebuild.
    """
    parts: list[str] = []
    at = 0
    for match in _TAG.finditer(html):
        if match.start() > at:
            parts.append(unescape(html[at : match.start()]))
        at = match.end()
        closing, tag, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        block = tag in _BLOCKS
        if not closing:
            if block:
                parts.append("\n")
            if tag == "li":
                parts.append("- ")
            elif tag in ("td", "th"):
                parts.append(" ")
        if (closing or self_closing) and block:
            parts.append("\n")
    parts.append(unescape(html[at:]))
    lines = [" ".join(line.split()) for line in "".join(parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def whole_html(summary_html: str, detail_html: str) -> str:
    """Return the whole answer as HTML: the short answer, then the detail (if any)."""
    return summary_html + ("\n" + detail_html if detail_html else "")


@functools.lru_cache(maxsize=256)
def plain_text(summary_html: str, detail_html: str) -> str:
    """Return the whole answer as plain text.

    The last few are remembered: the snippets of popular searches ask for the
    same articles again and again.
    """
    return html_to_text(whole_html(summary_html, detail_html))


def render(article: Article, *, resolve: LinkResolver | None = None) -> Rendered:
    """Render an article once for every channel.

    :param article: the parsed article
    :param resolve: maps ``kb:`` link targets to URLs
    """
    summary_html = markdown_to_html(article.short_answer, resolve=resolve)
    detail_html = markdown_to_html(article.detail, resolve=resolve) if article.detail else ""
    html = whole_html(summary_html, detail_html)
    return Rendered(
        html=html,
        summary_html=summary_html,
        summary_text=html_to_text(summary_html),
        detail_html=detail_html,
    )
