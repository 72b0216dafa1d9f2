"""An HTML-parser oracle for XSS tests: what in a page could run script or leave the origin.

``unsafe_markup(html)`` parses a page or fragment with the standard library's
``HTMLParser`` (which decodes entities in attribute values as a browser does)
and reports every construct that only an injection could have put there:

- a ``<script>`` other than the app's own: ``<script src="/static/NAME.js">``
  (the CSP allows ``'self'`` scripts, no inline ones, no nonces) or a
  ``<script type="application/ld+json">`` whose content is valid JSON (data,
  never run; a breakout of it leaves invalid JSON behind);
- any ``on*`` event-handler attribute, any ``style`` attribute or ``<style>``
  element, ``srcdoc``;
- ``<base>``, ``<meta http-equiv>``, ``<iframe>``, ``<frame>``, ``<object>``,
  ``<embed>``, ``<applet>``, and SVG animation elements (``<set>``,
  ``<animate>``) that can rewrite an ``href``;
- any URL attribute (``href``, ``src``, ``action``, ``formaction``,
  ``xlink:href``, ``poster``, ``data``, ...) whose scheme, after entity
  decoding, removing control characters and surrounding whitespace and
  case-folding, is
  not http, https or mailto (relative URLs have none).

``unsafe_response(response)`` adds the Content-Security-Policy header check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "poster",
        "data",
        "background",
        "cite",
        "longdesc",
        "lowsrc",
        "dynsrc",
        "icon",
        "manifest",
        "codebase",
        "classid",
        "archive",
        "profile",
        "usemap",
        "ping",
        "srcset",
        "imagesrcset",
    }
)
FORBIDDEN_ELEMENTS = frozenset(
    {
        "base",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "portal",
        "style",
        "set",
        "animate",
        "animatemotion",
        "animatetransform",
        "handler",
        "listener",
    }
)
# the app's own scripts: url_for("static", filename="x.js"), nothing else (no "..")
_OWN_SCRIPT = re.compile(r"/static/[A-Za-z0-9_-]+\.js")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
# control characters: browsers drop tabs and newlines anywhere in a URL, and older engines
# ignored other C0 controls too, so "java\x00script:" counts as javascript: here
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Finding:
    """One unsafe construct: what it is, on which element, and where (line of the page)."""

    what: str
    tag: str
    detail: str
    line: int

    def __str__(self) -> str:
        return f"line {self.line}: {self.what} on <{self.tag}>: {self.detail[:120]!r}"


def url_scheme(value: str) -> str | None:
    """Return the case-folded scheme a browser would see in a URL attribute, or None (relative).

    Control characters are removed anywhere and whitespace at both ends (Unicode spaces
    too, stricter than a browser); a space inside stays, as no engine ignores it there
    (``"java script:x"`` is a relative URL).
    """
    cleaned = _CONTROLS.sub("", value).strip().casefold()
    match = _SCHEME.match(cleaned)
    return match.group(1) if match else None


def _srcset_urls(value: str) -> list[str]:
    return [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]


class _Oracle(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[Finding] = []
        self.text: list[str] = []
        self._script: tuple[str, int] | None = None  # (kind, line) of an open <script>
        self._script_text: list[str] = []

    def _report(self, what: str, tag: str, detail: str) -> None:
        self.findings.append(Finding(what, tag, detail, self.getpos()[0]))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in FORBIDDEN_ELEMENTS:
            self._report("forbidden element", tag, self.get_starttag_text() or tag)
        if tag == "meta" and "http-equiv" in values:
            self._report("meta http-equiv", tag, values["http-equiv"])
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self._report("event handler", tag, f"{name}={value}")
            elif name == "style":
                self._report("style attribute", tag, value)
            elif name == "srcdoc":
                self._report("srcdoc", tag, value)
            elif name in URL_ATTRIBUTES:
                urls = _srcset_urls(value) if name.endswith("srcset") else [value]
                for url in urls:
                    scheme = url_scheme(url)
                    if scheme is not None and scheme not in SAFE_SCHEMES:
                        self._report(f"{scheme}: URL", tag, f"{name}={value}")
        if tag == "script":
            self._open_script(values)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def _open_script(self, values: dict[str, str]) -> None:
        src = values.get("src")
        kind = (values.get("type") or "").strip().lower()
        if src is not None:
            own = bool(_OWN_SCRIPT.fullmatch(src)) and kind in ("", "text/javascript")
            self._script = ("static" if own else "foreign", self.getpos()[0])
            if not own:
                self._report("script", "script", f"src={src} type={kind}")
        elif kind == "application/ld+json":
            self._script = ("json", self.getpos()[0])
        else:
            self._script = ("inline", self.getpos()[0])
            self._report("script", "script", f"inline script type={kind!r}")
        self._script_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self._script is None:
            return
        kind, _ = self._script
        body = "".join(self._script_text)
        if kind == "json":
            try:
                json.loads(body)
            except ValueError:
                self._report("script", "script", f"ld+json that is not JSON: {body[:80]}")
        elif kind == "static" and body.strip():
            self._report("script", "script", f"static script with inline code: {body[:80]}")
        self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
        else:
            self.text.append(data)


def parse(html: str) -> _Oracle:
    """Parse ``html`` and return the oracle with its ``findings`` and visible ``text``."""
    oracle = _Oracle()
    oracle.feed(html)
    oracle.close()
    if oracle._script is not None:  # a <script> left open swallows the rest of the page
        kind, line = oracle._script
        if kind != "static" or "".join(oracle._script_text).strip():
            oracle.findings.append(Finding("script", "script", "unclosed <script>", line))
    return oracle


def unsafe_markup(html: str) -> list[Finding]:
    """Return every construct in ``html`` that could run script or send the reader elsewhere."""
    return parse(html).findings


def visible_text(html: str) -> str:
    """Return the text a reader sees (entities decoded, whitespace collapsed)."""
    return " ".join("".join(parse(html).text).split())


def unsafe_response(response) -> list[Finding]:
    """Return the oracle's findings for a Flask test response, CSP header included."""
    findings = []
    csp = response.headers.get("Content-Security-Policy", "")
    if "script-src" not in csp and "default-src" not in csp:
        findings.append(Finding("no Content-Security-Policy", "-", csp, 0))
    elif re.search(r"script-src[^;]*'unsafe-(inline|eval)'", csp):
        findings.append(Finding("CSP allows inline script", "-", csp, 0))
    if response.mimetype == "text/html":
        findings += unsafe_markup(response.get_data(as_text=True))
    return findings
