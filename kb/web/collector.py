"""Full garbage collections between requests, not during them (Unicorn's "OobGC").

A worker's caches (answers, phrases, articles) hold tens of thousands of
objects; CPython's full collection walks them all, and when it falls inside a
request it adds tens of milliseconds to that one answer. ``CollectBetweenRequests``
raises the full collection's threshold so it never runs on its own, and runs
it after a response has been sent instead, every ``every`` young collections
(CPython runs it after 10, when enough objects survived). Young collections
still run inside requests; they are short. Cyclic garbage is still collected,
only later and out of band.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wsgi import ClosingIterator

NEVER = 1 << 30  # a full-collection threshold CPython never reaches on its own


class CollectBetweenRequests:
    """Wrap a WSGI app so the garbage collector's full passes run after responses.

    :param app: the WSGI application
    :param every: run a full collection once this many young collections
        happened since the last one
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], *, every: int = 10) -> None:
        self.app = app
        self.every = every
        self.collections = 0
        young, middle, _old = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        return ClosingIterator(self.app(environ, start_response), [self._collect_if_due])

    def _collect_if_due(self) -> None:
        if gc.get_count()[2] >= self.every:
            gc.collect()
            self.collections += 1
