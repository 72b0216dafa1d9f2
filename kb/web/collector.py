"""Full garbage collections between requests, not during them (Unicorn's "OobGC").

A worker's caches (answers, phrases, articles) hold tens of thousands of
objects; CPython's full collection walks them all, and when it falls inside a
request it adds tens of milliseconds to that one answer. ``CollectBetweenRequests``
raises the full collection's threshold so it never runs on its own, and runs
it after a response has been sent instead, every ``every`` young collections
(CPython runs it after 10, when enough objects survived). Young collections
still run inside requests; they are short. Cyclic garbage is still collected,
only later and out of band.

A full pass still holds up the requests queued behind it, and it walks every
object the caches hold: 15 to 45 ms at 10k articles. Running one every ten
young collections took 5 to 12 % of a busy worker's time. So a pass is also
held back until the worker has run for ``spacing`` times as long as the last
pass took (by default 100: at most 1 % of the time in full passes, and one
pause every few seconds instead of several a second). CPython's own rule
(a full pass when a quarter more objects survived) aims at the same bound,
but cannot be read from Python.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from typing import Any

NEVER = 1 << 30  # a full-collection threshold CPython never reaches on its own


class CollectBetweenRequests:
    """Wrap a WSGI app so the garbage collector's full passes run after responses.

    :param app: the WSGI application
    :param every: run a full collection once this many young collections
        happened since the last one
    :param spacing: and once this many times the last one's duration passed
        since it ended
    """

    def __init__(
        self, app: Callable[..., Iterable[bytes]], *, every: int = 10, spacing: float = 100
    ) -> None:
        self.app = app
        self.every = every
        self.spacing = spacing
        self.collections = 0
        self._next = 0.0  # monotonic time before which no full collection runs
        young, middle, _old = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        return _Closing(self.app(environ, start_response), self._collect_if_due)

    def _collect_if_due(self) -> None:
        if gc.get_count()[2] >= self.every and time.monotonic() >= self._next:
            started = time.monotonic()
            gc.collect()
            ended = time.monotonic()
            self._next = ended + self.spacing * (ended - started)
            self.collections += 1


class _Closing:
    """The response's iterable, calling ``then`` once the server closed it (werkzeug's
    ``ClosingIterator`` for one callback, without its per-request typing cast)."""

    def __init__(self, iterable: Iterable[bytes], then: Callable[[], None]) -> None:
        self._iterable = iterable
        self._then = then

    def __iter__(self):
        return iter(self._iterable)

    def close(self) -> None:
        try:
            close = getattr(self._iterable, "close", None)
            if close is not None:
                close()
        finally:
            self._then()
