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
at once. FAQ pages (home, categories, articles: a set bounded by the content)
are also kept in ``PageStore``, on disk in the data directory, so every worker
of a node serves a page rendered once by any of them, and the operating
system, not each worker, holds them in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Response, current_app, make_response, request

from kb.answers import LRU
from kb.web import current_kb

PAGES_PER_WORKER = 256
RETIRE_AFTER = 60.0  # seconds an epoch's folder is kept after its last page was written


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


class PageStore:
    """Rendered public pages shared by the workers of one node, in ``DATA_DIR/pages``.

    One folder per epoch (code, templates, index generation and day): a page
    is a file named by its ETag, written whole (temp file, then rename), so a
    reader sees a whole page or none. A publish starts a new epoch, so every
    page is retired at once; the worker that starts one removes the folders of
    epochs nobody wrote to for a minute, so old pages do not pile up. Any
    failure to read or write (a full disk, a folder removed under us) only
    means rendering again.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _retire(self, keep: str) -> None:
        """Remove the folders of other epochs, but those written to in the last minute.

        A worker that has not yet seen a publish still renders the epoch before
        it; the grace keeps such a worker from removing the new epoch's folder.
        """
        now = time.time()
        for other in os.scandir(self.root):
            with contextlib.suppress(OSError):
                if other.name != keep and now - other.stat().st_mtime > RETIRE_AFTER:
                    shutil.rmtree(other.path, ignore_errors=True)

    def get(self, epoch: str, etag: str) -> tuple[bytes, str] | None:
        """Return the stored body and content type of ``etag``, or None."""
        try:
            with open(self.root / epoch / etag, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        content_type, sep, body = data.partition(b"\n")
        return (body, content_type.decode("latin-1")) if sep else None

    def put(self, epoch: str, etag: str, body: bytes, content_type: str) -> None:
        """Store a rendered page (best effort: never raises for a disk problem)."""
        folder = self.root / epoch
        tmp = folder / f".{etag}.{os.getpid()}.tmp"
        try:
            try:
                folder.mkdir(parents=True)
            except FileExistsError:
                pass
            else:  # this worker started the epoch: retire the others, off the request
                # (an epoch can hold thousands of pages: removing them took seconds)
                threading.Thread(target=self._retire, args=(epoch,), daemon=True).start()
            with open(tmp, "wb") as fh:
                fh.write(content_type.encode("latin-1") + b"\n" + body)
            os.replace(tmp, folder / etag)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def worker_lru(name: str, size: int) -> LRU:
    """Return the app's LRU called ``name`` in this worker, made on first use."""
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, LRU(size))
    return cache


def _pages() -> LRU:
    """Return this worker's rendered public pages, keyed by ETag (so a publish retires them)."""
    return worker_lru("kb_pages", PAGES_PER_WORKER)


def _store() -> PageStore:
    store = current_app.extensions.get("kb_page_store")
    if store is None:
        store = PageStore(current_kb().data_dir / "pages")
        current_app.extensions["kb_page_store"] = store
    return store


def signed_in() -> bool:
    """True when the request carries a session cookie (its pages are private)."""
    return current_app.config.get("SESSION_COOKIE_NAME", "session") in request.cookies


def page_epoch() -> str:
    """Return what every public page of this moment depends on, besides its URL, as a hash."""
    parts = [
        current_app.config["KB_FINGERPRINT"],
        current_kb().index.generation(),
        dt.date.today().isoformat(),  # articles past review are withheld from a date on
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def page_etag(epoch: str, *, vary_language: bool) -> str:
    """Return the ETag (without quotes) of the public page the request asks for in ``epoch``."""
    parts = [
        epoch,
        request.full_path,
        request.headers.get("Accept-Language", "") if vary_language else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def shared(
    *, recorded: bool = False, vary_language: bool = False, stored: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make a public GET view cacheable by browsers and shared caches, with revalidation.

    :param recorded: the view records the question and returns a fresh ``ref``;
        while questions are recorded its responses are ``no-store``
    :param vary_language: the response depends on ``Accept-Language``
    :param stored: also keep the page in the node's ``PageStore``; only for views
        whose URLs are bounded by the content (no free text in them)
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
            epoch = page_epoch()
            etag = page_etag(epoch, vary_language=vary_language)
            if request.if_none_match.contains_weak(etag):
                response = Response(status=304)
            else:
                pages = _pages()
                found = pages.get(etag)
                if found is None and stored:  # another worker may have rendered it
                    found = _store().get(epoch, etag)
                    if found is not None:
                        pages.put(etag, found)
                if found is not None:  # rendered before, for this generation
                    response = Response(found[0], status=200, content_type=found[1])
                else:
                    response = make_response(view(*args, **kwargs))
                    if response.status_code != 200 or "Set-Cookie" in response.headers:
                        return response  # never store an error or anything carrying a cookie
                    found = (response.get_data(), response.content_type)
                    pages.put(etag, found)
                    if stored:
                        _store().put(epoch, etag, *found)
            response.set_etag(etag, weak=True)
            seconds = int(current_app.config["SHARED_CACHE_SECONDS"])
            response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
            if vary_language:
                response.vary.add("Accept-Language")
            return response

        return wrapper

    return decorate
