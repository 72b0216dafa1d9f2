"""The Whoosh index: schema, full build, incremental update, fresh searchers per worker.

The only Whoosh code in the project. The index is derived data: it is built
from ``content/`` (through ``kb.publish``) and can be thrown away at any time.

Layout under ``DATA_DIR/index``::

    CURRENT           name of the live index folder (replaced atomically)
    ix-<stamp>/       a Whoosh index
    write.lock        flock held by whoever writes (build or update)

A full build writes a new folder and then swaps ``CURRENT``, so searches keep
being answered from the old folder while it runs. Readers keep one searcher
per thread and reopen it when ``CURRENT`` changed or the index has a newer
generation (``Searcher.refresh()`` in whoosh-reloaded 2.7.5 keeps serving the
replaced version of an updated document, so we never call it).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.collectors import FilterCollector, WrappingCollector
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from whoosh.query import Or, Query, Term
from whoosh.scoring import BM25F
from whoosh.searching import TimeLimit

from kb import lang as langs
from kb.errors import IndexUnavailable
from kb.render import sanitise_snippet

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 30.0
SCHEMA_VERSION = "3"
FIELD_BOOSTS = {"title": 3.0, "questions": 2.5, "tags": 1.5, "body": 1.0}


@dataclass(frozen=True)
class Entry:
    """An article as every channel sees it: parsed, rendered, with its revision receipt."""

    id: str
    lang: str
    title: str
    questions: tuple[str, ...]
    category: str
    tags: tuple[str, ...]
    audience: str
    review_by: str | None
    revision: int
    content_hash: str
    updated_at: str
    summary_html: str
    summary_text: str
    detail_html: str
    html: str
    text: str
    path: str = ""
    outdated: bool = False  # a translation whose source article changed since
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.lang}:{self.id}"

    @property
    def is_public(self) -> bool:
        return self.audience == "public"

    def to_stored(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> Entry:
        data = dict(data)
        data["questions"] = tuple(data.get("questions") or ())
        data["tags"] = tuple(data.get("tags") or ())
        return cls(**data)


class Hits(list):
    """Search results, best first; ``complete`` is False when the time limit cut the search short."""

    complete: bool = True


@dataclass(frozen=True)
class Hit:
    """One search result: its score and which query terms it matched; the entry loads on demand."""

    score: float
    matched: frozenset[tuple[str, str]]
    load: Callable[[], Entry] = field(repr=False, compare=False)
    docnum: int = -1  # stable within one index generation: a cheap cache key


def make_schema() -> Schema:
    """Return the schema: shared keys plus analysed fields per language."""
    fields: dict[str, Any] = {
        "key": ID(unique=True, stored=True),
        "id": ID(stored=True),
        "lang": ID(stored=True),
        "audience": ID(stored=True),
        "category": ID(stored=True),
        "data": STORED(),
    }
    for code in langs.LANGUAGES:
        analyser = langs.analyzer(code)
        for name in FIELD_BOOSTS:
            fields[f"{name}_{code}"] = TEXT(analyzer=analyser, phrase=False)
        fields[f"prefix_{code}"] = TEXT(analyzer=langs.prefix_analyzer(code), phrase=False)
    return Schema(**fields)


def _document(entry: Entry) -> dict[str, Any]:
    code = entry.lang
    return {
        "key": entry.key,
        "id": entry.id,
        "lang": code,
        "audience": entry.audience,
        "category": entry.category,
        "data": entry.to_stored(),
        f"title_{code}": entry.title,
        f"questions_{code}": "\n".join(entry.questions),
        f"tags_{code}": " ".join(entry.tags),
        f"body_{code}": entry.text,
        f"prefix_{code}": "\n".join((entry.title, *entry.questions)),
    }


class _DeadlineCollector(WrappingCollector):
    """Stop collecting once a deadline passes (no timer thread, no signal: safe in any thread).

    It sits below Whoosh's ``FilterCollector`` so masks still apply, and
    raises ``TimeLimit`` which ``SearchIndex.search`` turns into partial results.
    """

    def __init__(self, child, timelimit: float):
        super().__init__(child)
        self.timelimit = timelimit
        self.timedout = False
        self._deadline = 0.0
        self._n = 0

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self._deadline = time.monotonic() + self.timelimit
        self._n = 0

    def collect(self, sub_docnum):
        self._n += 1
        if self._n % 64 == 0 and time.monotonic() > self._deadline:
            self.timedout = True
            raise TimeLimit
        self.child.collect(sub_docnum)

    def collect_matches(self):
        for sub_docnum in self.child.matches():
            self.collect(sub_docnum)


class SearchIndex:
    """The index in one data directory, shared by every worker process.

    :param root: folder holding ``CURRENT`` and the index folders
    :param rebuild: called (under the write lock) to repopulate an index that
        is missing or unreadable; it receives this object and must call ``build``
    """

    def __init__(self, root: Path, *, rebuild: Callable[[SearchIndex], None] | None = None):
        self.root = root
        self.rebuild = rebuild
        self._local = threading.local()
        self._write_depth = threading.local()

    # --- locations -------------------------------------------------------------

    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def _current_name(self) -> str | None:
        try:
            name = self._pointer.read_text("utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def _pointer_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self._pointer)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns

    # --- writing ---------------------------------------------------------------

    @contextmanager
    def write_lock(self, timeout: float = WRITE_TIMEOUT) -> Iterator[None]:
        """Hold the index write lock (an flock, released by the OS if the process dies)."""
        depth = getattr(self._write_depth, "n", 0)
        if depth:
            self._write_depth.n = depth + 1
            try:
                yield
            finally:
                self._write_depth.n -= 1
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise IndexUnavailable("the index is busy; try again") from None
                    time.sleep(0.02)
            self._write_depth.n = 1
            try:
                yield
            finally:
                self._write_depth.n = 0
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def build(self, entries: Iterable[Entry]) -> int:
        """Build a whole new index from ``entries`` and swap it in; return the document count."""
        with self.write_lock():
            name = f"ix-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
            folder = self.root / name
            folder.mkdir(parents=True)
            try:
                ix = whoosh_index.create_in(str(folder), make_schema())
                writer = ix.writer(limitmb=256)
                count = 0
                for entry in entries:
                    writer.add_document(**_document(entry))
                    count += 1
                writer.commit()
                (folder / "SCHEMA").write_text(SCHEMA_VERSION)
                tmp = self.root / f"CURRENT.{name}.tmp"
                tmp.write_text(name)
                os.replace(tmp, self._pointer)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            self._remove_old(keep=name)
            return count

    def _remove_old(self, keep: str) -> None:
        for child in self.root.iterdir():
            if child.name != keep and child.is_dir() and child.name.startswith("ix-"):
                shutil.rmtree(child, ignore_errors=True)
            elif child.name.startswith("CURRENT.") and child.name.endswith(".tmp"):
                child.unlink(missing_ok=True)

    def update(self, entries: Iterable[Entry] = (), delete_keys: Iterable[str] = ()) -> None:
        """Replace or add ``entries`` and delete ``delete_keys`` in one commit."""
        with self.write_lock():
            ix = self._open_index()
            writer = ix.writer(timeout=WRITE_TIMEOUT)
            try:
                for key in delete_keys:
                    writer.delete_by_term("key", key)
                for entry in entries:
                    writer.update_document(**_document(entry))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    # --- reading ---------------------------------------------------------------

    def exists(self) -> bool:
        """Return True when a readable current index is present."""
        try:
            self._open_index()
        except IndexUnavailable:
            return False
        return True

    def _open_index(self):
        name = self._current_name()
        folder = self.root / name if name else None
        if folder is None or not folder.is_dir():
            raise IndexUnavailable("no search index has been built")
        if (folder / "SCHEMA").exists() and (
            folder / "SCHEMA"
        ).read_text().strip() != SCHEMA_VERSION:
            raise IndexUnavailable("the search index was built by another version")
        try:
            return whoosh_index.open_dir(str(folder))
        except Exception as exc:  # any failure to read the index means: rebuild it
            raise IndexUnavailable(f"the search index is unreadable: {exc!r}") from exc

    def ensure(self) -> None:
        """Make sure a readable index exists, rebuilding it (once, under the lock) if not."""
        if self.exists():
            return
        if self.rebuild is None:
            raise IndexUnavailable("no search index has been built")
        with self.write_lock(timeout=300):
            if not self.exists():  # another process may have rebuilt it meanwhile
                log.warning("search index missing or unreadable in %s: rebuilding", self.root)
                self.rebuild(self)

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Keep this thread's searcher for the whole block, even if the index changes.

        Hits read their stored article lazily, so a block that searches and then
        reads hits, IDFs and the generation must not have its searcher reopened
        (and the old one closed) by another worker's publish in between: whoosh
        raises ``ReaderClosed``, and document numbers of two generations mix.
        """
        local = self._local
        depth = getattr(local, "pins", 0)
        if not depth:
            self.searcher()  # fresh as of the start of the block
        local.pins = depth + 1
        try:
            yield
        finally:
            local.pins = depth

    def searcher(self):
        """Return this thread's searcher, reopened if the index changed since it was opened."""
        local = self._local
        current = getattr(local, "searcher", None)
        if current is not None and getattr(local, "pins", 0):
            return current  # inside ``pinned``: the block keeps one searcher
        stamp = self._pointer_stamp()
        if current is not None and local.stamp == stamp:
            try:
                if current.up_to_date():
                    return current
            except Exception:  # files of a swapped-out index may be gone
                pass
        try:
            searcher = self._open_index().searcher(weighting=BM25F())
        except IndexUnavailable:
            self.ensure()
            stamp = self._pointer_stamp()
            searcher = self._open_index().searcher(weighting=BM25F())
        if current is not None:
            with suppress(Exception):
                current.close()
        local.searcher, local.stamp = searcher, stamp
        return searcher

    def generation(self) -> str:
        """Return an identifier that changes whenever what searches return changes."""
        searcher = self.searcher()
        return f"{self._current_name()}:{searcher.ixreader.generation()}"

    def get(self, key: str) -> Entry | None:
        """Return the entry stored under ``lang:id``, or None."""
        stored = self.searcher().document(key=key)
        return Entry.from_stored(stored["data"]) if stored else None

    def entries(self, **terms: str) -> list[Entry]:
        """Return every entry whose stored keys equal ``terms`` (e.g. ``lang="en"``)."""
        return [Entry.from_stored(d["data"]) for d in self.searcher().documents(**terms)]

    def stamps(self) -> dict[str, tuple[int, str, bool]]:
        """Return ``{key: (revision, content_hash, outdated)}`` of every entry.

        One stored document at a time, never every entry at once: a worker that
        checks the index at start-up keeps its memory for answering.
        """
        out = {}
        for stored in self.searcher().all_stored_fields():
            data = stored["data"]
            out[stored["key"]] = (data["revision"], data["content_hash"], data["outdated"])
        return out

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def term_query(self, code: str, words: list[str], *, prefix_word: str | None) -> Query | None:
        """Return an OR query with a coordination bonus over the weighted fields of ``code``.

        :param code: language code
        :param words: analysed terms (already stemmed)
        :param prefix_word: the last word as typed (unstemmed), matched as a prefix too
        """
        groups: list[Query] = []
        for word in dict.fromkeys(words):
            groups.append(
                Or(
                    [
                        Term(f"{name}_{code}", word, boost=boost)
                        for name, boost in FIELD_BOOSTS.items()
                    ]
                )
            )
        if prefix_word:
            groups.append(Term(f"prefix_{code}", prefix_word, boost=1.0))
        if not groups:
            return None
        return Or(groups, scale=0.9)

    def search(
        self,
        query: Query,
        *,
        public_only: bool,
        limit: int = 10,
        time_limit: float = 0.5,
    ) -> Hits:
        """Run ``query``; return up to ``limit`` hits, best score first.

        :param public_only: leave out internal articles
        :param time_limit: seconds after which collecting stops (partial results)
        """
        searcher = self.searcher()
        # optimize=False: Whoosh's block-quality skipping changes the coordination
        # bonus with the limit, and every channel must rank alike whatever it asks for
        deadline = _DeadlineCollector(
            searcher.collector(limit=limit, terms=True, optimize=False), time_limit
        )
        mask = Term("audience", "internal") if public_only else None
        collector = FilterCollector(deadline, None, mask) if mask is not None else deadline
        try:
            searcher.search_with_collector(query, collector)
        except TimeLimit:
            log.info("search cut short after %.2fs: %s", time_limit, query)
        hits = Hits()
        hits.complete = not deadline.timedout
        for hit in collector.results():
            matched = frozenset(
                (f, t.decode("utf-8") if isinstance(t, bytes) else t)
                for f, t in (hit.matched_terms() or ())
            )
            hits.append(Hit(score=hit.score, matched=matched, load=_loader(hit), docnum=hit.docnum))
        return hits

    def field_idf(self, field_name: str, term: str) -> float:
        """Return the inverse document frequency of ``term`` in ``field_name``."""
        return self.searcher().idf(field_name, term)


_FORMATTER = HtmlFormatter(tagname="mark", between=" … ")
_FRAGMENTER = ContextFragmenter(maxchars=160, surround=60)


def _loader(hit) -> Callable[[], Entry]:
    loaded: list[Entry] = []

    def load() -> Entry:  # parsed once, however many signals ask for it
        if not loaded:
            loaded.append(Entry.from_stored(hit["data"]))
        return loaded[0]

    return load


def snippet(entry: Entry, question: str) -> str:
    """Return up to two highlighted fragments of the entry's text for ``question``."""
    code = entry.lang
    words = frozenset(langs.terms(question, code))
    if not words:
        return ""
    analyser = langs.analyzer(code)
    text = entry.summary_text + "\n" + entry.text[len(entry.summary_text) :]
    return sanitise_snippet(highlight(text, words, analyser, _FRAGMENTER, _FORMATTER, top=2))
