"""HTTP caching: ETags and Cache-Control that a browser, nginx or a CDN can honour.

What a public page shows is a function of the index generation (every
publish changes it), the code and templates (``fingerprint``), the URL and,
for a few routes, ``Accept-Language``. The ETag is a hash of exactly those,
so it is computed without rendering anything, agrees between workers and
nodes, and changes the moment a publish lands. A conditional request whose
ETag still matches gets ``304 Not Modified`` without running the view.

``Cache-Control: public, max-age=0, s-maxage=N`` lets a shared cache keep a
page for ``N`` seconds (``SHARED_CACHE_SECONDS``, default 1, so a publish is
still everywhere within the promised second) and makes browsers revalidate
every time. Responses that record the question and mint a receipt (search,
answer) are never stored while questions are recorded: each is an event with
its own ``ref``. Pages for signed-in people get ``private, no-store`` (see
``kb.web.security``) and never an ETag from here.

Each worker also keeps the rendered bytes of the last ``PAGES_PER_WORKER``
public responses under their ETag: the same key, so a publish retires them
at once, and a page is rendered once per worker and generation.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Response, current_app, make_response, request

from kb.answers import LRU
from kb.web import current_kb

PAGES_PER_WORKER = 1024


def fingerprint(*folders: Path, extra: str = "") -> str:
    """Return a hash of the files under ``folders`` (code, templates) and ``extra``.

    Computed once at start-up; it is the same on every worker and node that
    runs the same code, whatever the files' modification times.
    """
    digest = hashlib.sha256(extra.encode())
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".py", ".html", ".js", ".css", ".yml", ".json"}:
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _pages() -> LRU:
    """Return this worker's rendered public pages, keyed by ETag (so a publish retires them)."""
    pages = current_app.extensions.get("kb_pages")
    if pages is None:
        pages = current_app.extensions["kb_pages"] = LRU(PAGES_PER_WORKER)
    return pages


def signed_in() -> bool:
    """True when the request carries a session cookie (its pages are private)."""
    return current_app.config.get("SESSION_COOKIE_NAME", "session") in request.cookies


def page_etag(*, vary_language: bool) -> str:
    """Return the ETag (without quotes) of the public page the request asks for."""
    kb = current_kb()
    parts = [
        current_app.config["KB_FINGERPRINT"],
        kb.index.generation(),
        dt.date.today().isoformat(),  # articles past review are withheld from a date on
        request.full_path,
        request.headers.get("Accept-Language", "") if vary_language else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def shared(
    *, recorded: bool = False, vary_language: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make a public GET view cacheable by browsers and shared caches, with revalidation.

    :param recorded: the view records the question and returns a fresh ``ref``;
        while questions are recorded its responses are ``no-store``
    :param vary_language: the response depends on ``Accept-Language``
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            if signed_in():
                return make_response(view(*args, **kwargs))
            if recorded and current_kb().recorder is not None:
                response = make_response(view(*args, **kwargs))
                response.headers["Cache-Control"] = "no-store"
                return response
            etag = page_etag(vary_language=vary_language)
            pages = _pages()
            stored = pages.get(etag)
            if request.if_none_match.contains_weak(etag):
                response = Response(status=304)
            elif stored is not None:  # rendered before, in this worker, for this generation
                response = Response(stored[0], status=200, content_type=stored[1])
            else:
                response = make_response(view(*args, **kwargs))
                if response.status_code != 200 or "Set-Cookie" in response.headers:
                    return response  # never store an error or anything carrying a cookie
                pages.put(etag, (response.get_data(), response.content_type))
            response.set_etag(etag, weak=True)
            seconds = int(current_app.config["SHARED_CACHE_SECONDS"])
            response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
            if vary_language:
                response.vary.add("Accept-Language")
            return response

        return wrapper

    return decorate
