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
import heapq
import logging
import os
import re
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
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from whoosh.matching import FilterMatcher
from whoosh.scoring import BM25F

from kb import lang as langs
from kb.errors import IndexUnavailable
from kb.render import sanitise_snippet

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 30.0
SCHEMA_VERSION = "3"
FIELD_BOOSTS = {"title": 3.0, "questions": 2.5, "tags": 1.5, "body": 1.0}
# BM25F's free parameters (Whoosh's defaults) and the coordination bonus's scale
K1, B = 1.2, 0.75
COORDINATION = 0.9
_FOLDER_NAME = re.compile(r"ix-[0-9]{14}-[0-9a-f]{8}")
# files in an index folder that are not Whoosh's data (its lock, our schema stamp)
_NOT_DATA = {"MAIN_WRITELOCK", "SCHEMA"}


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
    # (segment id, number in the segment): names one stored article version for as
    # long as the index keeps it, across publishes; a cheap cache key
    key: tuple[str, int] | None = None


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


@contextmanager
def _writer(ix, **options: Any) -> Iterator[Any]:
    """Yield a Whoosh writer, committed when the block ends, cancelled on any error.

    Whoosh's own lock is not used: ``SearchIndex.write_lock`` already serialises
    every writer, and Whoosh's lock stays held (its file descriptor leaks) when
    a writer fails to start, e.g. on a full disk, blocking every later write
    until the process ends.
    """
    try:
        writer = ix.writer(_lk=False, **options)
    except BaseException:  # it may have made its temp folder already
        shutil.rmtree(Path(ix.storage.folder) / f"{ix.indexname}.tmp", ignore_errors=True)
        raise
    try:
        yield writer
        writer.commit()
    except BaseException:
        if not writer.is_closed:
            with suppress(Exception):
                writer.cancel()
        raise


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
        # per index segment (segments never change but for deletions): field
        # lengths and internal articles, read once by each process
        self._segment_cache: dict[tuple[str, str], Any] = {}

    # --- locations -------------------------------------------------------------

    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def _current_name(self) -> str | None:
        """Return the live folder's name; None when ``CURRENT`` is missing or damaged."""
        try:
            name = self._pointer.read_bytes().decode("ascii").strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        return name if _FOLDER_NAME.fullmatch(name) else None

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
                count = 0
                with _writer(ix, limitmb=256) as writer:
                    for entry in entries:
                        writer.add_document(**_document(entry))
                        count += 1
                (folder / "SCHEMA").write_text(SCHEMA_VERSION)
                tmp = self.root / f"CURRENT.{name}.tmp"
                tmp.write_text(name)
                os.replace(tmp, self._pointer)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            self._remove_old(keep=name)
            return count

    def remove_leftovers(self) -> None:
        """Delete what writers killed half-way left behind; call it under the write lock.

        That is: pointer temp files, index folders that are not the live one
        (a build that died), and Whoosh's temp files in the live folder
        (then an empty commit lets Whoosh delete segments no commit adopted).
        """
        name = self._current_name()
        if not self.root.is_dir():
            return
        self._remove_old(keep=name or "")
        folder = self.root / name if name else None
        if folder is None or not folder.is_dir():
            return
        stale = [p for p in folder.iterdir() if p.name.endswith(".tmp") or ".toc." in p.name]
        if not stale:
            return
        log.warning("removing leftovers of an interrupted index write: %s", stale)
        for path in stale:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        with suppress(IndexUnavailable), _writer(self._open_index()):
            pass  # an empty commit: Whoosh deletes the segment files no commit adopted

    def _remove_old(self, keep: str) -> None:
        for child in self.root.iterdir():
            if child.name != keep and child.is_dir() and child.name.startswith("ix-"):
                shutil.rmtree(child, ignore_errors=True)
            elif child.name.startswith("CURRENT.") and child.name.endswith(".tmp"):
                child.unlink(missing_ok=True)

    def update(self, entries: Iterable[Entry] = (), delete_keys: Iterable[str] = ()) -> None:
        """Replace or add ``entries`` and delete ``delete_keys`` in one commit."""
        with self.write_lock():
            try:
                ix = self._open_index()
            except IndexUnavailable:  # deleted or damaged: rebuild it, then apply the change
                self.ensure()
                ix = self._open_index()
            with _writer(ix) as writer:
                for key in delete_keys:
                    writer.delete_by_term("key", key)
                for entry in entries:
                    writer.update_document(**_document(entry))

    # --- reading ---------------------------------------------------------------

    def built_before(self) -> bool:
        """Return True when an index was ever built here (even if it is gone or damaged now)."""
        return self._pointer.exists() or any(self.root.glob("ix-*"))

    def exists(self) -> bool:
        """Return True when a readable current index is present."""
        try:
            self._open_index().reader().close()  # opening the segments finds most damage
        except IndexUnavailable:
            return False
        except Exception:  # a segment that cannot be read is damage too
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

    def _rebuild_damaged(self, name: str | None, why: str) -> None:
        """Rebuild the index into a new folder, unless another process already replaced ``name``."""
        if self.rebuild is None:
            raise IndexUnavailable(f"the search index is damaged ({why})")
        with self.write_lock(timeout=300):
            if self._current_name() == name:
                log.warning("search index %s is damaged (%s): rebuilding", name, why)
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

    def searcher(self, *, verify: bool = True):
        """Return this thread's searcher, reopened if the index changed since it was opened.

        Whoosh never rewrites a file of a committed generation, so when the open
        generation is still the latest but one of its files changed on disk, the
        index was damaged under us (reading a truncated, memory-mapped segment
        would even kill the process): it is rebuilt into a new folder.

        :param verify: check the files too (about 10 us each); off for the many
            look-ups an answer makes right after its first call checked them
        """
        local = self._local
        current = getattr(local, "searcher", None)
        if current is not None and getattr(local, "pins", 0):
            return current  # inside ``pinned``: the block keeps one searcher
        stamp = self._pointer_stamp()
        if current is not None and local.stamp == stamp:
            state = _state(current, local.files if verify else None)
            if state == "fresh":
                return current
            if state == "damaged":
                log.warning("files of the open search index %s changed on disk", local.name)
                self._drop_searcher()
                current = None
                self._rebuild_damaged(local.name, "its files changed on disk")
        try:
            searcher, name = self._open_searcher()
        except IndexUnavailable:
            self.ensure()
            searcher, name = self._open_searcher()
        if current is not None:
            with suppress(Exception):
                current.close()
        local.searcher, local.stamp, local.name = searcher, self._pointer_stamp(), name
        local.recent = {}
        local.files = _fingerprint(self.root / name)
        return searcher

    def _open_searcher(self):
        name = self._current_name()
        try:
            return self._open_index().searcher(weighting=BM25F(B=B, K1=K1)), name
        except IndexUnavailable:
            raise
        except Exception as exc:  # a segment that cannot be read
            raise IndexUnavailable(f"the search index is unreadable: {exc!r}") from exc

    def _drop_searcher(self) -> None:
        current = getattr(self._local, "searcher", None)
        self._local.searcher = None
        if current is not None:
            with suppress(Exception):
                current.close()

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

    def segments(self) -> set[str]:
        """Return the ids of the segments the open index is made of (see ``Hit.key``)."""
        return {sub.reader().segment().segid for sub, _ in self.searcher().leaf_searchers()}

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def search(
        self,
        code: str,
        words: list[str],
        *,
        prefix_word: str | None = None,
        public_only: bool,
        limit: int = 10,
        time_limit: float = 0.5,
    ) -> Hits:
        """Return up to ``limit`` articles matching any of ``words``, best BM25F score first.

        Every word is looked for in the weighted fields of ``code`` (``FIELD_BOOSTS``),
        and ``prefix_word`` (the last word as typed, unstemmed) in the prefix field.
        Scores are Whoosh's BM25F with its coordination bonus, exactly what
        ``Or([Or([Term(field, word, boost) ...]) ...], scale=COORDINATION)`` ranks,
        but summed in one loop over each term's posting blocks instead of a tree of
        Python matchers: at 10k articles a common word matches thousands of them,
        and that tree spends about 40 µs on each (see ``docs/scaling.md``).

        :param code: language code
        :param words: analysed terms (already stemmed)
        :param public_only: leave out internal articles
        :param time_limit: seconds after which the remaining terms are skipped (partial results)

        One pass ranks for both audiences, and this thread remembers the last few
        rankings of the open searcher: the agent sidebar asks for the customers'
        answer and then for the agents' ranking of the same words.
        """
        searcher = self.searcher()
        local = self._local
        key = (code, tuple(words), prefix_word, limit)
        both = local.recent.get(key)
        if both is None:
            leaves = [
                (f"{name}_{code}", word, boost)
                for word in dict.fromkeys(words)
                for name, boost in FIELD_BOOSTS.items()
            ]
            if prefix_word:
                leaves.append((f"prefix_{code}", prefix_word, 1.0))
            groups = len(dict.fromkeys(words)) + (1 if prefix_word else 0)
            both = _rank(
                searcher,
                self._segment_cache,
                leaves,
                coordinate=groups > 1,
                limit=limit,
                deadline=time.monotonic() + time_limit,
            )
            if len(local.recent) >= 16:
                local.recent.clear()
            if both[0].complete:  # a ranking the time limit cut short is not kept
                local.recent[key] = both
        return both[0] if public_only else both[1]

    def field_idf(self, field_name: str, term: str) -> float:
        """Return the inverse document frequency of ``term`` in ``field_name``."""
        return self.searcher(verify=False).idf(field_name, term)


def _fingerprint(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Return ``{file: (inode, size, mtime)}`` of the index files in ``folder``."""
    out = {}
    with suppress(OSError):
        for item in os.scandir(folder):
            if item.name in _NOT_DATA or item.name.endswith(".tmp") or not item.is_file():
                continue
            st = item.stat()
            out[item.path] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return out


def _unchanged(files: dict[str, tuple[int, int, int]]) -> bool:
    for path, stamp in files.items():
        try:
            st = os.stat(path)
        except OSError:
            return False
        if (st.st_ino, st.st_size, st.st_mtime_ns) != stamp:
            return False
    return True


def _state(searcher, files: dict[str, tuple[int, int, int]] | None) -> str:
    """Return ``fresh``, ``stale`` (a newer generation was committed) or ``damaged``.

    :param files: the fingerprint of the searcher's files, or None not to check them
    """
    try:
        if not searcher.up_to_date():
            return "stale"
        if files is None or _unchanged(files):
            return "fresh"
        # a commit that finished meanwhile deletes the files it replaced: not damage
        return "damaged" if searcher.up_to_date() else "stale"
    except Exception:  # the folder is gone: open the index afresh
        return "stale"


def _segment_data(cache: dict, reader, field: str) -> Any:
    """Return a segment's field lengths by document, or its internal documents (``field=""``)."""
    key = (reader.segment().segid, field)
    data = cache.get(key)
    if data is None:
        if len(cache) > 512:  # old segments pile up after many publishes: start afresh
            cache.clear()
        if field:
            data = [
                reader.doc_field_length(d, field, 1) or 1 for d in range(reader.doc_count_all())
            ]
        elif ("audience", b"internal") in reader:
            data = frozenset(reader.postings("audience", b"internal").all_ids())
        else:
            data = frozenset()
        cache[key] = data
    return data


def _rank(
    searcher,
    cache: dict,
    leaves: list[tuple[str, str, float]],
    *,
    coordinate: bool,
    limit: int,
    deadline: float,
) -> tuple[Hits, Hits]:
    """Score every document matching a leaf (field, word, boost); return the best ``limit``.

    Returns the best public articles, and the best of all articles.

    The same sums Whoosh's matchers compute, leaf by leaf over each segment's
    posting blocks: BM25F per leaf, times its boost, summed per document, then
    Whoosh's coordination bonus (``CoordMatcher``) over the number of leaves a
    document matches. ``tests/test_index.py`` checks the result against Whoosh's
    own query on every question of the sample content.
    """
    terms = [
        (
            field,
            word,
            word.encode("utf-8"),
            searcher.idf(field, word) * boost * (K1 + 1),
            K1 * B / (searcher.avg_field_length(field) or 1),
        )
        for field, word, boost in leaves
    ]
    base = K1 * (1 - B)
    # the coordination bonus counts the leaves present anywhere in the index, so
    # a ranking never depends on how the index happens to be split in segments
    whole = searcher.reader()
    present = [(1 << i, t) for i, t in enumerate(terms) if (t[0], t[2]) in whole]
    count = len(present)
    found: list[tuple[float, int, int]] = []
    complete, read = True, 0
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        segment = reader.segment().segid
        size = reader.doc_count_all()
        scores = [0.0] * size
        masks = [0] * size
        for bit, (name, _word, text, weight, per_length) in present:
            if (name, text) not in reader:
                continue
            if read and time.monotonic() > deadline:  # at least one term, then partial results
                complete = False
                break
            read += 1
            lengths = _segment_data(cache, reader, name)
            postings = reader.postings(name, text)
            if isinstance(postings, FilterMatcher):  # the segment has deletions: skipped below
                postings = postings.child
            while postings.is_active():
                postings._read_ids()  # a whole block at a time (whoosh-reloaded is pinned)
                postings._read_weights()
                for d, tf in zip(postings._ids, postings._weights, strict=True):
                    scores[d] += weight * tf / (tf + base + per_length * lengths[d])
                    masks[d] |= bit
                postings._next_block()
        deleted = reader.deleted_docs_set  # cached by the reader
        internal = _segment_data(cache, reader, "")
        for d, mask in enumerate(masks):
            if not mask or d in deleted:
                continue
            score = scores[d]
            if coordinate:  # Whoosh's "SQR" coordination bonus, as CoordMatcher computes it
                score = (
                    0.0
                    if count == COORDINATION
                    else (score + (mask.bit_count() - 1) / (count - COORDINATION) ** 2)
                    * ((count - 1) / count)
                )
            found.append((score, -(d + offset), mask, d in internal, segment, d))
    best = heapq.nlargest(limit, found)
    public = [item for item in best if not item[3]]
    if len(public) < limit and len(public) < len(best):  # internal ones took places
        public = heapq.nlargest(limit, (item for item in found if not item[3]))
    out = []
    for ranked in (public, best):
        hits = Hits()
        hits.complete = complete
        for score, negative, mask, _internal, segment, d in ranked:
            matched = frozenset((t[0], t[1]) for i, t in enumerate(terms) if mask >> i & 1)
            load = _loader(searcher, -negative)
            hits.append(Hit(score=score, matched=matched, load=load, key=(segment, d)))
        out.append(hits)
    return out[0], out[1]


_FORMATTER = HtmlFormatter(tagname="mark", between=" … ")
_FRAGMENTER = ContextFragmenter(maxchars=160, surround=60)


def _loader(searcher, docnum: int) -> Callable[[], Entry]:
    loaded: list[Entry] = []

    def load() -> Entry:  # parsed once, however many signals ask for it
        if not loaded:
            loaded.append(Entry.from_stored(searcher.stored_fields(docnum)["data"]))
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
