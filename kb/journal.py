"""The journal: every question every channel was asked, what it served, and the feedback on it.

A separate SQLite file (``DATA_DIR/journal.sqlite``) so the high-volume log
never contends with publishing. Questions are written by a background thread
in batches (``Recorder``), so the answer path only appends to a queue.
Nothing personal is kept: the normalised question, never an address (feedback
rate limits use a keyed hash of it), and rows older than the retention period
go with ``kb prune``.

Each recorded answer has a random ``ref``, stamped with when it was made and
signed (``new_ref``). Channels return it with the answer; feedback must name
it, and ``receipt(ref)`` says exactly which article revision was served, when
and where.
"""

from __future__ import annotations

import atexit
import base64
import datetime as dt
import hmac
import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

import sqlite_utils

from kb import store

log = logging.getLogger(__name__)

CHANNELS = ("faq", "sidebar", "api", "chat")
KINDS = ("question", "view")  # a question asked, or an article opened on the FAQ
BATCH = 500
MAX_PENDING = 20_000  # beyond this the writer is not keeping up: drop and count


_NONCE, _STAMP, _SIGNATURE = 12, 5, 7  # bytes of a ref: 24, written as 32 characters
# URL-safe base64's characters, assigned in ASCII order, so refs sort as their bytes do
_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SORTED = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_TO_SORTED, _FROM_SORTED = str.maketrans(_BASE64, _SORTED), str.maketrans(_SORTED, _BASE64)


def new_ref(key: bytes, *, now: float | None = None) -> str:
    """Return a fresh, unguessable answer reference, stamped with when it was made.

    The stamp is signed with ``key`` (the app's secret key), so ``fresh``
    can tell a reference this node handed out moments ago (its answer may
    still be queued for the journal) from an old or made-up one.

    The stamp comes first and the characters sort as the bytes do, so refs
    sort by the second they were made in: the journal's index of refs takes
    each batch at its end, on a few pages, instead of one page per answer
    anywhere in it (random refs made a recorded answer cost twice the CPU).
    """
    stamp = int(time.time() if now is None else now).to_bytes(_STAMP, "big")
    body = stamp + secrets.token_bytes(_NONCE)
    encoded = base64.urlsafe_b64encode(body + _signature(key, body)).decode("ascii")
    return encoded.translate(_TO_SORTED)


def _signature(key: bytes, body: bytes) -> bytes:
    return hmac.digest(key, body, "sha256")[:_SIGNATURE]  # one call: no HMAC object


def fresh(ref: object, key: bytes, seconds: float, *, now: float | None = None) -> bool:
    """True when ``ref`` is one ``new_ref(key)`` made within the last ``seconds``."""
    if not isinstance(ref, str) or len(ref) != 4 * (_NONCE + _STAMP + _SIGNATURE) // 3:
        return False
    try:
        raw = base64.urlsafe_b64decode(ref.translate(_FROM_SORTED).encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    body, signature = raw[: _NONCE + _STAMP], raw[_NONCE + _STAMP :]
    if not hmac.compare_digest(signature, _signature(key, body)):
        return False
    age = (time.time() if now is None else now) - int.from_bytes(body[:_STAMP], "big")
    return -1 <= age <= seconds  # a second's rounding (the stamp is whole seconds)


def utc_iso(when: dt.datetime | None = None) -> str:
    """Return ``when`` (default now) as UTC ISO 8601 with milliseconds."""
    if when is None:
        return _now_iso(time.time_ns())
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds")


_second: tuple[int, str] = (-1, "")  # the last second ``_now_iso`` wrote, and its text


def _now_iso(ns: int) -> str:
    """``utc_iso()`` of a time in nanoseconds: the second's text is made once a second.

    Every answer served, a repeated one too, is stamped with the time: this
    is a quarter of ``datetime``'s cost (``datetime.now``, ``astimezone`` and
    ``isoformat`` each time). The same text, milliseconds truncated.
    """
    global _second
    second, millis = divmod(ns // 1_000_000, 1000)
    known = _second
    if known[0] != second:
        known = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{known[1]}.{millis:03d}+00:00"


@dataclass(frozen=True)
class Ask:
    """One answer a channel gave: what was asked and what was served."""

    ref: str
    at: str  # UTC ISO
    channel: str
    kind: str
    lang: str
    query: str  # normalised; empty for article views
    status: str  # answered / ambiguous / no_answer, or "view"
    article_id: str | None
    article_lang: str | None
    revision: int | None
    content_hash: str | None
    confidence: float
    latency_ms: float
    audience: str = "public"


def again(ask: Ask, *, ref: str, at: str, latency_ms: float) -> Ask:
    """Return ``ask`` served again: the same answer under a new ref, time and latency.

    ``dataclasses.replace`` without its checks (a third of the cost of sending
    a cached answer again): a copy of the fields, three of them changed.
    """
    copy = object.__new__(Ask)
    copy.__dict__.update(ask.__dict__, ref=ref, at=at, latency_ms=latency_ms)
    return copy


ASK_COLUMNS = tuple(Ask.__dataclass_fields__)
_ASK_VALUES = attrgetter(*ASK_COLUMNS)  # a row tuple without dataclasses.asdict's deep copy


def as_dict(ask: Ask) -> dict[str, Any]:
    """Return the fields of ``ask`` by name: ``dataclasses.asdict`` without its deep copy
    (the fields are strings and numbers): 2.8 us against 21.5."""
    return dict(zip(ASK_COLUMNS, _ASK_VALUES(ask), strict=True))


def connect(path: Path) -> sqlite_utils.Database:
    """Open the journal file (WAL, busy timeout) and make sure its tables exist."""
    db = store.connect(path)
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> None:
    """Create the journal's tables and indexes (idempotent)."""
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS asks (
            ref TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            lang TEXT NOT NULL,
            query TEXT NOT NULL,
            status TEXT NOT NULL,
            article_id TEXT,
            article_lang TEXT,
            revision INTEGER,
            content_hash TEXT,
            confidence REAL NOT NULL,
            latency_ms REAL NOT NULL,
            audience TEXT NOT NULL DEFAULT 'public'
        );
        CREATE INDEX IF NOT EXISTS asks_at ON asks (at);
        CREATE INDEX IF NOT EXISTS asks_article ON asks (article_id, article_lang, at);
        CREATE TABLE IF NOT EXISTS feedback (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            ref TEXT,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            article_id TEXT NOT NULL,
            lang TEXT NOT NULL,
            revision INTEGER NOT NULL,
            helpful INTEGER,
            reason TEXT NOT NULL DEFAULT '',
            comment TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL DEFAULT '',
            client TEXT NOT NULL DEFAULT '',
            resolved_at TEXT,
            resolved_by TEXT
        );
        CREATE INDEX IF NOT EXISTS feedback_article ON feedback (article_id, lang, at);
        CREATE INDEX IF NOT EXISTS feedback_client ON feedback (client, at);
        CREATE UNIQUE INDEX IF NOT EXISTS feedback_one_vote_per_ref
            ON feedback (ref) WHERE kind = 'vote';
        """
    )


def write(db: sqlite_utils.Database, asks: Iterable[Ask]) -> int:
    """Insert recorded answers in one transaction; return how many."""
    rows = [_ASK_VALUES(a) for a in asks]
    if not rows:
        return 0
    with store.immediate(db):
        db.conn.executemany(
            f"INSERT OR IGNORE INTO asks ({', '.join(ASK_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in ASK_COLUMNS)})",
            rows,
        )
    return len(rows)


def get_ask(db: sqlite_utils.Database, ref: str) -> Ask | None:
    """Return the recorded answer ``ref``, or None."""
    row = db.execute(f"SELECT {', '.join(ASK_COLUMNS)} FROM asks WHERE ref = ?", [ref]).fetchone()
    return Ask(*row) if row else None


def find_asks(
    db: sqlite_utils.Database,
    *,
    channel: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 200,
) -> list[Ask]:
    """Return recorded answers in a time window (UTC ISO bounds), newest first."""
    where, params = ["1 = 1"], []
    if channel:
        where.append("channel = ?")
        params.append(channel)
    if since:
        where.append("at >= ?")
        params.append(since)
    if until:
        where.append("at <= ?")
        params.append(until)
    rows = db.execute(
        f"SELECT {', '.join(ASK_COLUMNS)} FROM asks WHERE {' AND '.join(where)} "
        "ORDER BY at DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [Ask(*row) for row in rows]


def prune(db: sqlite_utils.Database, days: int, *, now: dt.datetime | None = None) -> dict:
    """Delete recorded answers and feedback older than ``days``; return counts per table."""
    if days < 1:
        raise ValueError("keep at least one day")
    cutoff = utc_iso((now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days))
    with store.immediate(db):
        asks = db.execute("DELETE FROM asks WHERE at < ?", [cutoff]).rowcount
        feedback = db.execute("DELETE FROM feedback WHERE at < ?", [cutoff]).rowcount
    return {"asks": asks, "feedback": feedback, "cutoff": cutoff}


class Recorder:
    """Queues recorded answers and writes them in batches from a background thread.

    The answer path only calls ``record`` (a queue append). The thread starts
    on first use in each process (gunicorn forks workers after import) and
    sleeps until an answer is queued. It then lets the batch gather for
    ``interval`` seconds (less when ``flush`` asks), and writes all of it, so
    a busy worker commits one transaction per interval rather than one per
    answer. Writing as each answer came cost a cache hit a third of its
    throughput under gunicorn. It drains at exit.

    :param path: the journal file
    :param interval: seconds an answer may wait in the queue before it is written
    """

    def __init__(self, path: Path, *, interval: float = 0.5) -> None:
        self.path = path
        self.interval = interval
        self.dropped = 0
        self.written = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._hurry = threading.Event()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        connect(path).conn.close()  # create the tables before any worker writes

    def record(self, ask: Ask) -> None:
        """Queue one recorded answer (never blocks, never raises)."""
        self._ensure_thread()
        with self._lock:
            if self._pending >= MAX_PENDING:
                self.dropped += 1
                return
            self._pending += 1
        self._queue.put(ask)

    def flush(self, timeout: float = 10.0) -> None:
        """Write everything queued so far before returning (tests, shutdown)."""
        if self._thread is None or self._pid != os.getpid():
            return
        done = threading.Event()
        self._queue.put(done)
        self._hurry.set()  # after the put: the writer clears it before it drains
        done.wait(timeout)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._pending = 0
            self._queue = queue.SimpleQueue()  # a queue inherited through fork is not ours
            self._hurry = threading.Event()
            self._thread = threading.Thread(target=self._run, name="kb-journal", daemon=True)
            self._thread.start()
            atexit.register(self.flush)

    def _run(self) -> None:
        db = connect(self.path)
        while True:
            items = [self._queue.get()]  # asleep until something is queued
            self._hurry.wait(self.interval)  # let the batch gather, unless a flush waits
            self._hurry.clear()
            while True:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            batch = [item for item in items if isinstance(item, Ask)]
            for start in range(0, len(batch), BATCH):
                chunk = batch[start : start + BATCH]
                try:
                    self.written += write(db, chunk)
                except Exception:  # the journal must never take an answer down
                    log.exception("could not write %d recorded answers", len(chunk))
                    self.dropped += len(chunk)
                with self._lock:
                    self._pending -= len(chunk)
            for waiter in items:
                if isinstance(waiter, threading.Event):
                    waiter.set()


@dataclass(frozen=True)
class Receipt:
    """Exactly what a channel served for one answer: when, where, which revision and its text."""

    ask: Ask
    revision: store.Revision | None  # None when no article was served

    @property
    def hash_matches(self) -> bool | None:
        """True when the stored revision's hash is the one served (the text is the served text)."""
        if self.revision is None:
            return None
        return self.revision.content_hash == self.ask.content_hash

    def as_json(self) -> dict:
        served = None
        if self.revision is not None:
            served = {
                "id": self.revision.article_id,
                "lang": self.revision.lang,
                "revision": self.revision.revision,
                "content_hash": self.revision.content_hash,
                "hash_matches": self.hash_matches,
                "author": self.revision.author,
                "published_at": self.revision.created_at,
                "markdown": self.revision.text,
            }
        a = self.ask
        return {
            "ref": a.ref,
            "at": a.at,
            "channel": a.channel,
            "kind": a.kind,
            "lang": a.lang,
            "question": a.query,
            "status": a.status,
            "confidence": a.confidence,
            "latency_ms": a.latency_ms,
            "audience": a.audience,
            "served": served,
        }


def receipt(journal_db: sqlite_utils.Database, db: sqlite_utils.Database, ref: str) -> Receipt:
    """Return the receipt of answer ``ref``.

    :param db: the knowledge base's database (it holds every revision's text)
    :raises ArticleNotFound: when no answer has that reference (or it was pruned)
    """
    from kb.errors import ArticleNotFound

    ask = get_ask(journal_db, ref) if isinstance(ref, str) and len(ref) <= 64 else None
    if ask is None:
        raise ArticleNotFound(f"no recorded answer {ref!r} (unknown, or older than the retention)")
    revision = None
    if ask.article_id is not None and ask.revision is not None:
        revision = store.get_revision(
            db, ask.article_id, ask.article_lang or ask.lang, ask.revision
        )
    return Receipt(ask, revision)
