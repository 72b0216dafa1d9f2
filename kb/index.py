"""The Whoosh index: schema, full build, incremental update, fresh searchers per worker.

The only Whoosh code in the project. The index is derived data: it is built
from ``content/`` (through ``kb.publish``) and can be thrown away at any time.

Layout under ``DATA_DIR/index``::

    CURRENT           name of the live index folder (replaced atomically)
    ix-<stamp>/       a Whoosh index
    write.lock        flock held by whoever writes (build, update, a merge's swap)
    merge.lock        flock held by the one process merging segments
    merge-<id>.tmp/   a merged segment being written

A full build writes a new folder and then swaps ``CURRENT``, so searches keep
being answered from the old folder while it runs. Readers keep one searcher
per thread and reopen it when ``CURRENT`` changed or the index has a newer
generation (``Searcher.refresh()`` in whoosh-reloaded 2.7.5 keeps serving the
replaced version of an updated document, so we never call it).

A publish commits its articles as a small segment of their own, without
merging. Every search visits every segment, so the small segments are then
merged, the way Whoosh's ``MERGE_SMALL`` would choose them, by ``merge``:
it writes the merged segment outside the write lock (publishes go on) and
swaps it in under the lock, keeping deletions made meanwhile. By default a
separate, low-priority process does this after each publish.
"""

from __future__ import annotations

import fcntl
import logging
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import traceback
import uuid
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field, fields
from itertools import compress, groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import columns as whoosh_columns
from whoosh import index as whoosh_index
from whoosh.analysis import Composable
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.filedb import compound as _whoosh_compound
from whoosh.formats import Frequency
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from whoosh.index import TOC, clean_files
from whoosh.matching import FilterMatcher
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.scoring import BM25F
from whoosh.system import pack_uint
from whoosh.writing import MERGE_SMALL, NO_MERGE, SegmentWriter

from kb import lang as langs
from kb.errors import IndexUnavailable
from kb.render import plain_text, sanitise_snippet, whole_html

log = logging.getLogger(__name__)


class _View:
    """A read-only file over a memory view, without copying it (``BytesIO`` copies)."""

    def __init__(self, view: memoryview) -> None:
        self._view, self._pos = view, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else self._pos + size
        data = self._view[self._pos : end].tobytes()
        self._pos += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        limit = (
            len(self._view) if size is None or size < 0 else min(len(self._view), self._pos + size)
        )
        end = self._pos
        while end < limit:  # look for the newline 256 bytes at a time, never copying the rest
            cut = self._view[end : min(end + 256, limit)].tobytes().find(b"\n")
            if cut >= 0:
                end += cut + 1
                break
            end = min(end + 256, limit)
        return self.read(end - self._pos)

    def seek(self, pos: int, whence: int = 0) -> int:
        self._pos = (
            pos if whence == 0 else (self._pos + pos if whence == 1 else len(self._view) + pos)
        )
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass


class _MappedFile(_whoosh_compound.BufferFile):
    """Whoosh's ``BufferFile`` reading the memory-mapped segment in place.

    Whoosh 2.7 wraps each part of a memory-mapped compound segment in a
    ``BytesIO``, which copies it: every reader of a 10k-article index held
    about 19 MB of its own copies. whoosh-reloaded is pinned, so this
    replacement for the one place that does it is safe to keep.
    """

    def __init__(self, buf, name=None, onclose=None):
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = _View(memoryview(buf))


_whoosh_compound.BufferFile = _MappedFile

WRITE_TIMEOUT = 30.0
# the process merging segments after a publish runs at this lower priority, and
# waits this long for more publishes before it ends (starting one costs 0.4 s of CPU)
MERGE_NICENESS = 10
MERGE_LINGER = 30.0
# with more segments than this (merges lagging or failing), a publish merges some itself
SEGMENTS_CROWDED = 24
# where ``kb`` is imported from, for the merging process
_CODE_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_VERSION = "4"  # 4: the analysed phrases column
FIELD_BOOSTS = {"title": 3.0, "questions": 2.5, "tags": 1.5, "body": 1.0}
# BM25F's free parameters (Whoosh's defaults) and the coordination bonus's scale
K1, B = 1.2, 0.75
COORDINATION = 0.9
_FOLDER_NAME = re.compile(r"ix-[0-9]{14}-[0-9a-f]{8}")
# the name Whoosh gives an index in its folder (the default: one index per folder)
_INDEX_NAME = "MAIN"
# a full build of at least BUILD_SPLIT_FROM entries is written by this many
# processes at once, each its own part of the entries; each one sorts up to
# BUILD_LIMIT_MB of postings in memory before it spills them to disk
BUILD_PROCESSES = min(2, os.cpu_count() or 1)
BUILD_SPLIT_FROM = 1000
BUILD_LIMIT_MB = 256
# decoded postings kept per process, counted in postings (12 bytes each): the
# common words every question shares are read from disk once, not per question
POSTINGS_KEPT = 1_000_000
ABSENT_KEPT = 8192  # (segment, field, term) known to be missing, about 200 bytes each
# a folder's modification time is trusted to mean "no commit since" only once it
# is this old: file systems keep coarse times, and a commit in the same tick as
# the one before it could leave the time unchanged (git's "racy" rule)
SETTLED_NS = 1_000_000_000


@dataclass(frozen=True, slots=True, weakref_slot=True)  # thousands cached per worker
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
    path: str = ""
    outdated: bool = False  # a translation whose source article changed since
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.lang}:{self.id}"

    @property
    def is_public(self) -> bool:
        return self.audience == "public"

    @property
    def html(self) -> str:
        """The whole answer as HTML: the short answer, then the detail.

        Derived, not kept: every worker holds thousands of entries in its caches,
        and a second copy of the body was a quarter of each.
        """
        return whole_html(self.summary_html, self.detail_html)

    @property
    def text(self) -> str:
        """The whole answer as plain text (what is indexed, and where snippets come from).

        Derived from the HTML when asked, for the same reason as ``html``: only
        the index build and search snippets read it.
        """
        return plain_text(self.summary_html, self.detail_html)

    def to_stored(self) -> dict[str, Any]:
        # shallow: every value is a string, number or tuple of strings but ``extra``, a
        # flat dict that is pickled at once; asdict() deep-copies each value
        return {name: getattr(self, name) for name in _STORED}

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> Entry:
        data = dict(data)
        for derived in ("html", "text"):  # stored by indexes built before they were derived
            data.pop(derived, None)
        data["questions"] = tuple(data.get("questions") or ())
        # the same few values in thousands of entries: one string each, not one per entry
        data["tags"] = tuple(sys.intern(tag) for tag in data.get("tags") or ())
        for name in ("lang", "category", "audience", "review_by"):
            if isinstance(data.get(name), str):
                data[name] = sys.intern(data[name])
        return cls(**data)


_STORED = tuple(f.name for f in fields(Entry))


class Hits(list):
    """Search results, best first; ``complete`` is False when the time limit cut the search short."""

    complete: bool = True


@dataclass(slots=True)  # not frozen: a search makes some fifty, and frozen ones cost twice
class Hit:
    """One search result: its score and which query terms it matched; the entry loads on demand."""

    score: float
    matched: frozenset[tuple[str, str]]
    searcher: Any = field(repr=False, compare=False)  # the searcher that found it
    docnum: int = field(repr=False, compare=False)  # its number in that searcher
    # (segment id, number in the segment): names one stored article version for as
    # long as the index keeps it, across publishes; a cheap cache key
    key: tuple[str, int] | None = None
    # its segment's column of analysed phrases (``phrase_terms``), when it has one
    column: Any = field(default=None, repr=False, compare=False)
    entry: Entry | None = field(default=None, repr=False, compare=False)

    def load(self) -> Entry:
        """Return the stored entry, read and parsed once however many signals ask for it."""
        entry = self.entry
        if entry is None:
            data = self.searcher.stored_fields(self.docnum)["data"]
            entry = self.entry = Entry.from_stored(data)
        return entry

    def phrases(self) -> Phrases:
        """Return ``phrase_terms`` of the entry, read from the index without loading it."""
        if self.column is not None and self.key is not None:
            raw = self.column[self.key[1]]
            if raw:
                return _decode_phrases(raw)
        return phrase_terms(self.load())


# an entry's analysed title and questions: those with words besides stop words,
# and those made of stop words only (kept with them); each phrase's terms once, in order
Phrases = tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]


def phrase_terms(entry: Entry) -> Phrases:
    """Return the analysed title and questions of ``entry`` (see ``Phrases``).

    Written into the index with the entry (the ``phrases`` column), so the
    answer engine compares a question with them without reading the article.
    """
    phrases, stopped = [], []
    for text in (entry.title, *entry.questions):
        terms = langs.terms(text, entry.lang)
        if terms:
            phrases.append(tuple(dict.fromkeys(terms)))
        else:  # stop words only: keep them after all
            terms = langs.terms(text, entry.lang, keep_stopwords=True)
            if terms:
                stopped.append(tuple(dict.fromkeys(terms)))
    return tuple(phrases), tuple(stopped)


def _encode_phrases(phrases: Phrases) -> bytes:
    # terms are words (``langs.tokenize``): never a space, a newline or a separator
    return "\x1e".join("\n".join(" ".join(terms) for terms in group) for group in phrases).encode()


def _decode_phrases(raw: bytes) -> Phrases:
    kept, _, stopped = raw.decode("utf-8").partition("\x1e")
    # interned: the cached phrases of thousands of articles share each word's string
    return (
        tuple(tuple(map(sys.intern, line.split(" "))) for line in kept.split("\n") if line),
        tuple(tuple(map(sys.intern, line.split(" "))) for line in stopped.split("\n") if line),
    )


class _Counted(Frequency):
    """Whoosh's term frequency format, counting our analysers' terms without Tokens.

    A build spends a fifth of its indexing time in Whoosh's word counting,
    which walks a Token per word through two generators. The postings are
    the same: each term's frequency, and as weight the frequency times the
    field boost (our tokens all have boost 1).
    """

    def word_values(self, value, analyzer, **kwargs):
        terms = None
        if isinstance(value, str) and kwargs.get("mode", "index") == "index":
            terms = langs.index_terms(analyzer, value)
        if terms is None:
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        return [(w, n, n * boost, pack_uint(n)) for w, n in Counter(terms).items()]


def _text_field(analyzer: Composable) -> TEXT:
    field = TEXT(analyzer=analyzer, phrase=False)
    field.format = _Counted(field_boost=field.format.field_boost)
    return field


def make_schema() -> Schema:
    """Return the schema: shared keys plus analysed fields per language."""
    fields: dict[str, Any] = {
        "key": ID(unique=True, stored=True),
        "id": ID(stored=True),
        "lang": ID(stored=True),
        "audience": ID(stored=True),
        "category": ID(stored=True),
        "data": STORED(),
        "phrases": COLUMN(whoosh_columns.VarBytesColumn()),
    }
    for code in langs.LANGUAGES:
        analyser = langs.analyzer(code)
        for name in FIELD_BOOSTS:
            fields[f"{name}_{code}"] = _text_field(analyser)
        fields[f"prefix_{code}"] = _text_field(langs.prefix_analyzer(code))
    return Schema(**fields)


def _terms_in_order(pool) -> Iterator[tuple[str, bytes, Sequence[tuple]]]:
    """Yield each term of a build's posting pool with its postings, as Whoosh's sort would.

    Terms come in (field, term) order, each term's postings in document order:
    documents are added in order, and a document has one posting per term and
    field. Held in memory, the pool is grouped by term and only the terms
    sorted, instead of sorting a million postings (half of a 10k-article
    build) and grouping them again; spilled to disk, Whoosh merges its runs.
    """
    if pool.runs:
        for (name, text), group in groupby(pool.iter_postings(), key=itemgetter(0, 1)):
            yield name, text, list(group)
        return
    fields: dict[str, dict[bytes, list[tuple]]] = {}
    terms: dict[bytes, list[tuple]] = {}
    last = None
    for posting in pool.current:
        name, text = posting[0], posting[1]
        if name is not last:  # the pool holds each document's field as one run
            terms = fields.setdefault(name, {})
            last = name
        found = terms.get(text)
        if found is None:
            terms[text] = [posting]
        else:
            found.append(posting)
    for name in sorted(fields):
        terms = fields[name]
        for text in sorted(terms):
            yield name, text, terms[text]


def _add_postings(
    fieldwriter, schema: Schema, perdoc, terms: Iterable[tuple[str, bytes, Sequence]]
) -> None:
    """Write terms' postings as Whoosh's ``FieldWriter.add_postings`` does, a term at a time.

    Whoosh passes each posting through three calls and updates a block's
    statistics one posting at a time. Here each term's postings are cut into
    Whoosh's blocks, and a block's buffers and statistics are set at once
    from the same values in the same order, so the files written are the
    same, byte for byte (``tests/test_index.py``). The pool of a build holds
    no spelling words (``docnum == -1``): this schema never makes them.

    Terms come field by field, so each field's document lengths (for each
    block's length range) are read from ``perdoc`` once, when the field
    starts, instead of a seek and a read per posting as Whoosh does.
    """
    lastfn = None
    field_lengths: list[int] = []
    for fieldname, btext, postings in terms:
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            read = perdoc.doc_field_length
            field_lengths = [read(d, fieldname, 0) for d in range(perdoc.doc_count_all())]
            lastfn = fieldname
        fieldwriter.start_term(btext)
        postwriter = fieldwriter._postwriter
        limit = postwriter._blocklimit
        _, _, docnums, weights, values = zip(*postings, strict=True)
        for start in range(0, len(docnums), limit):
            if start:  # Whoosh writes a full block when the next posting arrives
                postwriter._write_block()
            ids = docnums[start : start + limit]
            block_weights = weights[start : start + limit]
            postwriter._ids = array("I", ids)
            postwriter._weights = array("f", block_weights)
            postwriter._values = [v for v in values[start : start + limit] if v]
            postwriter._maxweight = max(0, *block_weights)
            present = [n for n in (field_lengths[d] for d in ids) if n]
            postwriter._minlength = min(present) if present else None
            postwriter._maxlength = max(present, default=0)
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()


def _pool_extend(pool, name: str, posts: list[tuple]) -> None:
    """Add one field's postings to Whoosh's posting pool at once, as its ``add`` would one by one.

    The pool spills its postings to a sorted run on disk when their estimated
    size passes its limit; the size is estimated as Whoosh's ``add`` does.
    Where a run ends changes nothing in the segment: the runs are merged in
    sorted order.
    """
    if not posts:
        return
    size = (150 + len(name)) * len(posts)
    size += sum(2 * len(t) + len(v or b"") for _, t, _, _, v in posts)
    if pool.currentsize + size > pool.limit:
        pool.save()
    pool.fieldnames.add(name)
    pool.current.extend(posts)
    pool.currentsize += size


class _BuildWriter(SegmentWriter):
    """Whoosh's segment writer for full builds, with less work per posting.

    It adds each analysed field's postings to the pool as one list, reads
    each field's document lengths once, and writes each term's postings a
    block at a time (``_add_postings``). The index it writes is
    the same, byte for byte.
    """

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``add_document`` for this schema (no boosts, spelling or vectors).

        Whoosh passes each posting through two generators and the pool's
        checks one at a time (850,000 of them for half of a 10k-article
        build); adding them a field at a time takes about 15 % less time.
        """
        self._check_state()
        schema, perdocwriter, pool, docnum = self.schema, self.perdocwriter, self.pool, self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdocwriter.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    if type(field.format) is _Counted and isinstance(value, str):
                        counted = field.format.word_values(value, field.analyzer, mode="index")
                        posts = [
                            (name, w.encode("utf-8"), docnum, wt, v) for w, _, wt, v in counted
                        ]
                        if field.scorable:
                            length = sum(n for _, n, _, _ in counted)
                    else:
                        posts = []
                        for tbytes, freq, weight, vbytes in field.index(value):
                            length += freq if field.scorable else 0
                            posts.append((name, tbytes, docnum, weight, vbytes))
                    _pool_extend(pool, name, posts)
                perdocwriter.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdocwriter.add_column_value(
                        name, field.column_type, field.to_column_value(value)
                    )
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def commit_after(self, receive: Callable[[], list[Any]]) -> None:
        """Write this writer's segment, then commit it behind the segments ``receive`` returns.

        The segment is written (its postings sorted and saved: a quarter of
        the work) before ``receive`` is called, so this process writes its
        own while the processes it waits for write theirs.
        """
        self._check_state()
        if self._added:
            own = [self._finalize_segment()]
        else:
            self._close_segment()
            own = []
        self._commit_toc(receive() + own)
        self._finish()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        perdoc = self.per_document_reader()
        try:
            _add_postings(self.fieldwriter, self.schema, perdoc, _terms_in_order(self.pool))
            self.fieldwriter.close()
        finally:
            perdoc.close()


class _Choosing:
    """A writer as Whoosh's merge policy sees it, noting the segments the policy would merge."""

    def __init__(self, storage, schema: Schema) -> None:
        self.storage, self.schema = storage, schema
        self.chosen: list[Any] = []

    def add_reader(self, reader) -> None:
        self.chosen.append(reader.segment())


def _to_merge(storage, toc) -> list:
    """Return the segments of ``toc`` Whoosh's ``MERGE_SMALL`` would merge: none, or two or more.

    From one table of contents read once (``ix.schema`` would read the
    latest again, which a commit meanwhile may have replaced and deleted).
    """
    choosing = _Choosing(storage, toc.schema)
    MERGE_SMALL(choosing, toc.segments)
    return choosing.chosen


@dataclass
class _MergePlan:
    """One merge: its segments as they were chosen, and where the merged one is written."""

    name: str  # the index folder the segments belong to
    storage: Any
    schema: Schema
    chosen: list[Any]
    folder: Path  # a temp folder beside the index folders
    merged: Any = None  # the merged segment, once written (None when all was deleted)
    # (segment id, document number) -> document number in the merged segment
    moved: dict[tuple[str, int], int] = field(default_factory=dict)


def merge_main(root: str, linger: str = "0") -> None:
    """What the process a publish starts runs: merge the index under ``root`` at low priority."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s kb index merge: %(message)s")
    with suppress(OSError):
        os.nice(MERGE_NICENESS)
    try:
        SearchIndex(Path(root)).merge(linger=float(linger))
    except Exception:
        log.exception("merging the segments of the search index in %s failed", root)
        sys.exit(1)


def _parts(count: int, processes: int) -> list[range]:
    """Split ``range(count)`` into ``processes`` contiguous parts of (nearly) equal size."""
    processes = max(1, min(processes, count))
    return [range(count * i // processes, count * (i + 1) // processes) for i in range(processes)]


def _add_all(writer, entries: Sequence[Entry | None], part: range) -> None:
    for at in part:
        entry = entries[at]
        if entry is not None:
            writer.add_document(**_document(entry))


def _write_part(ix, entries: Sequence[Entry | None], part: range, conn) -> None:
    """Write ``entries[part]`` as a new segment of ``ix`` and send the segment to ``conn``.

    Runs in a forked process. The segment is not committed: the process that
    writes the last part commits every part's segment in one new generation.
    On any error, the error's text is sent instead.
    """
    try:
        writer = _BuildWriter(ix, _lk=False, limitmb=BUILD_LIMIT_MB)
        _add_all(writer, entries, part)
        conn.send(writer._finalize_segment())
    except BaseException:
        conn.send(
            RuntimeError(
                f"writing entries {part.start}-{part.stop - 1} of the index failed:\n"
                + traceback.format_exc()
            )
        )
    finally:
        conn.close()


def _received(process, conn) -> Any:
    """Return the segment a ``_write_part`` process sent; raise its error if it failed."""
    try:
        found = conn.recv()
    except EOFError:  # it died before it could send anything (killed, out of memory)
        process.join()
        raise RuntimeError(
            f"a process writing part of the index died (exit code {process.exitcode})"
        ) from None
    if isinstance(found, BaseException):
        raise found
    return found


def _document(entry: Entry) -> dict[str, Any]:
    code = entry.lang
    return {
        "key": entry.key,
        "id": entry.id,
        "lang": code,
        "audience": entry.audience,
        "category": entry.category,
        "data": entry.to_stored(),
        "phrases": _encode_phrases(phrase_terms(entry)),
        f"title_{code}": entry.title,
        f"questions_{code}": "\n".join(entry.questions),
        f"tags_{code}": " ".join(entry.tags),
        f"body_{code}": entry.text,
        f"prefix_{code}": "\n".join((entry.title, *entry.questions)),
    }


@contextmanager
def _writer(ix, kind: type[SegmentWriter] = SegmentWriter, **options: Any) -> Iterator[Any]:
    """Yield a Whoosh writer, committed when the block ends, cancelled on any error.

    Whoosh's own lock is not used: ``SearchIndex.write_lock`` already serialises
    every writer, and Whoosh's lock stays held (its file descriptor leaks) when
    a writer fails to start, e.g. on a full disk, blocking every later write
    until the process ends.
    """
    try:
        writer = kind(ix, _lk=False, **options)
    except BaseException:  # it may have made its temp folder already
        shutil.rmtree(Path(ix.storage.folder) / f"{ix.indexname}.tmp", ignore_errors=True)
        raise
    try:
        yield writer
        if not writer.is_closed:  # the block may have committed it (``commit_after``)
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
    :param merge_in_background: after a publish, merge small segments in a
        separate process (``merge_main``); off, the publishing thread merges
        them itself once it has released the write lock
    """

    def __init__(
        self,
        root: Path,
        *,
        rebuild: Callable[[SearchIndex], None] | None = None,
        merge_in_background: bool = False,
    ):
        self.root = root
        # asked about on every request (``searcher``): paths joined once, as strings
        self._pointer = root / "CURRENT"
        self._pointer_str = str(self._pointer)
        self.rebuild = rebuild
        self.merge_in_background = merge_in_background
        self._local = threading.local()
        self._write_depth = threading.local()
        # per index segment (segments never change but for deletions): field
        # lengths and internal articles, read once by each process
        self._segment_cache: dict[tuple[str, str], Any] = {}
        self._postings = PostingCache(POSTINGS_KEPT)

    # --- locations -------------------------------------------------------------

    def _current_name(self) -> str | None:
        """Return the live folder's name; None when ``CURRENT`` is missing or damaged."""
        try:
            name = self._pointer.read_bytes().decode("ascii").strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        return name if _FOLDER_NAME.fullmatch(name) else None

    def _pointer_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self._pointer_str)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns

    # --- writing ---------------------------------------------------------------

    @contextmanager
    def write_lock(self, timeout: float = WRITE_TIMEOUT, poll: float = 0.02) -> Iterator[None]:
        """Hold the index write lock (an flock, released by the OS if the process dies).

        Nested blocks in one thread share the outermost's lock. Once the
        outermost block ends without an error, the merge an update inside it
        found due is started (``_merge_when_due``).

        :param poll: seconds between tries (an flock is not handed over in
            turn: whoever tries first after it is let go gets it)
        """
        depth = getattr(self._write_depth, "n", 0)
        if depth:
            self._write_depth.n = depth + 1
            try:
                yield
            finally:
                self._write_depth.n -= 1
            return
        with _flocked(self.root / "write.lock", timeout, poll) as held:
            if not held:
                raise IndexUnavailable("the index is busy; try again")
            self._write_depth.n = 1
            try:
                yield
            finally:
                self._write_depth.n = 0
        self._merge_when_due()

    def build(self, entries: Iterable[Entry | None], *, processes: int | None = None) -> int:
        """Build a whole new index from ``entries`` and swap it in; return the document count.

        :param processes: how many processes write the index; by default
            ``BUILD_PROCESSES`` for ``BUILD_SPLIT_FROM`` entries or more, else one

        Several processes split the entries into contiguous parts. Forked
        processes write all but the last part, each as a segment of its own,
        while this one writes the last; its commit then adopts their segments
        ahead of its own, so every document keeps the number a one-process
        build gives it (the number breaks ties between equal scores). Each
        entry is read only in the process that writes it: a sequence that
        renders entries as they are read (``kb.publish``) shares out the
        rendering too. None stands for an entry that could not be made: it
        is skipped.
        """
        if not isinstance(entries, Sequence):
            entries = list(entries)
        if processes is None:
            processes = BUILD_PROCESSES if len(entries) >= BUILD_SPLIT_FROM else 1
        *others, last = _parts(len(entries), processes)
        with self.write_lock():
            name = f"ix-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
            folder = self.root / name
            folder.mkdir(parents=True)
            children = []
            try:
                ix = whoosh_index.create_in(str(folder), make_schema())
                fork = multiprocessing.get_context("fork")
                for part in others:
                    receive, send = fork.Pipe(duplex=False)
                    child = fork.Process(target=_write_part, args=(ix, entries, part, send))
                    child.start()
                    send.close()
                    children.append((child, receive))
                segments = []

                def receive_all() -> list[Any]:
                    segments.extend(_received(child, receive) for child, receive in children)
                    return segments

                with _writer(ix, _BuildWriter, limitmb=BUILD_LIMIT_MB) as writer:
                    _add_all(writer, entries, last)
                    writer.commit_after(receive_all)
                count = writer.docnum + sum(s.doc_count() for s in segments)
                (folder / "SCHEMA").write_text(SCHEMA_VERSION)
                tmp = self.root / f"CURRENT.{name}.tmp"
                tmp.write_text(name)
                os.replace(tmp, self._pointer)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            finally:
                for child, receive in children:
                    receive.close()
                    if child.is_alive():  # this process failed first: its parts are moot
                        child.kill()
                    child.join()
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
        with self._merge_lock() as free:
            if free:  # else a merge is writing one of them
                for path in self.root.glob("merge-*.tmp"):
                    log.warning("removing an interrupted merge's folder %s", path)
                    shutil.rmtree(path, ignore_errors=True)
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
        """Replace or add ``entries`` and delete ``delete_keys`` in one commit.

        The commit adds a segment and merges none; if a merge is due, it
        starts once the write lock is released (``_merge_when_due``).
        """
        with self.write_lock():
            try:
                ix = self._open_index()
            except IndexUnavailable:  # deleted or damaged: rebuild it, then apply the change
                self.ensure()
                ix = self._open_index()
            with _writer(ix) as writer:
                writer.mergetype = NO_MERGE
                for key in delete_keys:
                    writer.delete_by_term("key", key)
                for entry in entries:
                    writer.update_document(**_document(entry))
            toc = ix._read_toc()
            if not _to_merge(ix.storage, toc):
                return
            if len(toc.segments) <= SEGMENTS_CROWDED:
                self._write_depth.merge_due = True
                return
            # merges lag (a script publishing without a pause) or fail: merge some
            # here, so no more than about SEGMENTS_CROWDED are searched; a merge in
            # another process that chose the same segments then gives up its own
            try:
                self._merge_once()
            except Exception:  # the publish itself is committed: it must stand
                log.exception("merging the segments of the search index failed")

    # --- merging -------------------------------------------------------------

    def _merge_when_due(self) -> None:
        """Start the merge an update of this thread found due: in the background, or here and now.

        Here and now too when a process cannot be started. A failed merge is
        logged, not raised: the publish that made it due is already committed.
        """
        if not getattr(self._write_depth, "merge_due", False):
            return
        self._write_depth.merge_due = False
        if self.merge_in_background:
            with self._merge_lock() as free:
                pass
            if not free:  # the merging process looks for new commits until it is done
                return
            try:
                self._start_merging_process()
                return
            except OSError:
                log.exception("could not start a process to merge the index: merging here")
        try:
            self.merge()
        except Exception:
            log.exception("merging the segments of the search index failed")

    def _start_merging_process(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_CODE_ROOT), env.get("PYTHONPATH")) if p
        )
        code = "import sys; from kb.index import merge_main; merge_main(*sys.argv[1:])"
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(self.root), str(MERGE_LINGER)],
            stdin=subprocess.DEVNULL,
            env=env,
        )
        # reap it when it ends (no zombie, no warning about a process left running)
        threading.Thread(target=process.wait, name="kb-merge-wait", daemon=True).start()

    def _merge_lock(self) -> AbstractContextManager[bool]:
        """Try to hold the merge lock without waiting; the block gets whether it is held."""
        return _flocked(self.root / "merge.lock")

    def merge(self, *, linger: float = 0.0) -> bool:
        """Merge the small segments publishes left, as ``MERGE_SMALL`` chooses; True if any merged.

        Returns False at once when another merge holds the merge lock: that
        one looks again for segments to merge after it lets go of the lock,
        so a publish that found it held needs no merge of its own.

        :param linger: seconds to keep the lock after the last merge, merging
            what further publishes leave (the process a publish starts: a run
            of edits is then merged by one process)
        """
        merged = False
        for _ in range(1000):  # bounded: the index could keep changing under an endless loop
            with self._merge_lock() as held:
                if not held:
                    return merged
                idle_since = time.monotonic()
                while True:
                    seen = self._commit_stamp()
                    if self._merge_once():
                        merged, idle_since = True, time.monotonic()
                        continue
                    if time.monotonic() - idle_since >= linger or not self.root.is_dir():
                        break
                    while self._commit_stamp() == seen and time.monotonic() < idle_since + linger:
                        time.sleep(0.2)
            if not self.merge_pending():
                break
        return merged

    def _commit_stamp(self) -> tuple[Any, int | None]:
        """Return what changes with every commit: ``CURRENT``, and the time of its folder."""
        name = self._current_name()
        return self._pointer_stamp(), _mtime_ns(self.root / name) if name else None

    def merge_pending(self) -> bool:
        """Return True when ``MERGE_SMALL`` would merge some of the live index's segments now."""
        try:
            ix = self._open_index()
            return bool(_to_merge(ix.storage, ix._read_toc()))
        except IndexUnavailable:
            return False
        except OSError:  # a merge or a rebuild removed a segment as it was read: look again
            return True

    def _merge_once(self) -> bool:
        """Merge the segments due now into one; False when none are due or the index changed."""
        plan = self._merge_plan()
        if plan is None:
            return False
        started = time.perf_counter()
        try:
            try:
                self._merge_write(plan)
            except OSError:
                if not self._still_there(plan):  # rebuilt or merged meanwhile: files are gone
                    return False
                raise
            swapped = self._merge_swap(plan)
            log.info(
                "%s %d segments (%d articles) of %s in %.0f ms",
                "merged" if swapped else "dropped a merge of",
                len(plan.chosen),
                len(plan.moved),
                plan.name,
                (time.perf_counter() - started) * 1000,
            )
            return swapped
        finally:
            shutil.rmtree(plan.folder, ignore_errors=True)

    def _merge_plan(self) -> _MergePlan | None:
        """Choose the segments to merge from the latest table of contents.

        Without the write lock (a busy publisher would keep it from a
        low-priority process): a table of contents is written whole before it
        replaces the last, and only a merge or a rebuild removes segments.
        """
        try:
            ix = self._open_index()
            toc = ix._read_toc()
            chosen = _to_merge(ix.storage, toc)
        except (IndexUnavailable, OSError):  # being rebuilt or merged: look again later
            return None
        if not chosen:
            return None
        name = Path(ix.storage.folder).name
        folder = self.root / f"merge-{uuid.uuid4().hex}.tmp"
        return _MergePlan(name, ix.storage, toc.schema, chosen, folder)

    def _still_there(self, plan: _MergePlan) -> bool:
        """Return True when every segment ``plan`` chose is still in the live index."""
        try:
            return self._live_toc(plan) is not None
        except (IndexUnavailable, OSError):
            return False

    def _live_toc(self, plan: _MergePlan) -> tuple[Any, Any] | None:
        """Return the live index and its table of contents; None once it lacks a segment ``plan`` chose.

        :raises IndexUnavailable: when the live index cannot be opened
        """
        if self._current_name() != plan.name:  # rebuilt since
            return None
        ix = self._open_index()
        toc = ix._read_toc()
        now = {segment.segid for segment in toc.segments}
        return (ix, toc) if {segment.segid for segment in plan.chosen} <= now else None

    def _merge_write(self, plan: _MergePlan) -> None:
        """Write the chosen segments' live articles as one segment in the plan's temp folder.

        Each article is indexed again from its stored entry, as when it was
        published, in the order Whoosh's own merge gives them. Whoosh's
        ``add_reader`` copies a segment term by term instead, a matcher for
        each term: merging 64 articles took 400 to 500 ms, about twice what
        indexing them again takes.
        """
        plan.folder.mkdir()
        target = whoosh_index.create_in(str(plan.folder), make_schema())
        with _writer(target, _BuildWriter) as writer:
            writer.mergetype = NO_MERGE
            for segment in plan.chosen:
                reader = SegmentReader(plan.storage, plan.schema, segment)
                try:
                    for docnum in reader.all_doc_ids():  # the articles not replaced by then
                        plan.moved[segment.segid, docnum] = writer.docnum
                        stored = reader.stored_fields(docnum)["data"]
                        writer.add_document(**_document(Entry.from_stored(stored)))
                finally:
                    reader.close()
        written = target._read_toc().segments
        plan.merged = written[0] if written else None

    def _merge_swap(self, plan: _MergePlan) -> bool:
        """Commit the merged segment in place of the chosen ones (under the write lock).

        Articles replaced or deleted since the plan are deleted in the merged
        segment too. Nothing is committed (False) when the index was rebuilt
        or one of the chosen segments is gone.
        """
        # waiting on a busy publisher: try often (nothing is handed over in turn)
        with self.write_lock(timeout=300, poll=0.002):
            live = self._live_toc(plan)
            if live is None:
                return False
            ix, toc = live
            now = {segment.segid: segment for segment in toc.segments}
            chosen = {segment.segid for segment in plan.chosen}
            segments = [segment for segment in toc.segments if segment.segid not in chosen]
            if plan.merged is not None:
                for segid in chosen:
                    for docnum in now[segid].deleted_docs():
                        moved = plan.moved.get((segid, docnum))
                        if moved is not None:
                            plan.merged.delete_document(moved)
                prefix = f"{plan.merged.segment_id()}."
                for path in plan.folder.iterdir():
                    if path.name.startswith(prefix):
                        os.replace(path, self.root / plan.name / path.name)
                segments.append(plan.merged)
            generation = toc.generation + 1
            TOC(toc.schema, segments, generation).write(ix.storage, ix.indexname)
            clean_files(ix.storage, ix.indexname, generation, segments)
            return True

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
            # a commit adds files to the folder, so its modification time changes;
            # a time that has not changed for a while stands for "no commit since"
            folder = _mtime_ns(local.folder)
            if folder is not None and folder == local.settled:
                fresh = not verify or _unchanged(local.files)
                state = "fresh" if fresh else _state(current, local.files)
            else:
                state = _state(current, local.files if verify else None)
                if state == "fresh" and folder is not None and time.time_ns() - folder > SETTLED_NS:
                    local.settled = folder
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
        local.folder = str(self.root / name)
        local.settled = None
        local.recent = {}
        local.averages = {}  # each field's average length in this searcher's index
        local.columns = {}  # each segment's phrases column reader, by segment id
        local.files = _fingerprint(self.root / name, searcher)
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

    def generation(self, *, verify: bool = True) -> str:
        """Return an identifier that changes whenever what searches return changes.

        :param verify: check the open generation's files too (see ``searcher``);
            a caller that reads nothing from the index with it (an HTTP cache's
            epoch) leaves that to the reads that follow, which check them
        """
        searcher = self.searcher(verify=verify)
        return f"{self._local.name}:{searcher.ixreader.generation()}"

    def get(self, key: str) -> Entry | None:
        """Return the entry stored under ``lang:id``, or None.

        A look-up in the term table, not a query (``document(key=...)``):
        80 us against 160 at 10k articles, on every article page and API look-up.
        """
        searcher = self.searcher()
        docnum = searcher.document_number(key=key)  # deleted documents are skipped
        return None if docnum is None else Entry.from_stored(searcher.stored_fields(docnum)["data"])

    def entries(self, **terms: str) -> list[Entry]:
        """Return every entry whose stored keys equal ``terms`` (e.g. ``lang="en"``)."""
        searcher = self.searcher()
        if len(terms) != 1:
            return [Entry.from_stored(d["data"]) for d in searcher.documents(**terms)]
        # one term (a translation's ``id``, a language): its postings, not a query
        ((field, value),) = terms.items()
        try:
            numbers = searcher.reader().postings(field, value).all_ids()  # without deleted ones
        except TermNotFound:
            return []
        return [Entry.from_stored(searcher.stored_fields(n)["data"]) for n in numbers]

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
                local.columns,
                self._postings,
                leaves,
                averages=local.averages,
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


@contextmanager
def _flocked(path: Path, timeout: float = 0.0, poll: float = 0.02) -> Iterator[bool]:
    """Hold an exclusive flock on ``path`` (made if missing) for the block.

    Released by the OS if the process dies. Tries every ``poll`` seconds;
    the block gets False (and no lock) once ``timeout`` has run out.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(poll)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _fingerprint(folder: Path, searcher) -> dict[str, tuple[int, int, int]]:
    """Return ``{file: (inode, size, mtime)}`` of the files of ``searcher``'s generation in ``folder``.

    Only its table of contents and its segments' files: a commit under way
    writes the files of its new segment in the same folder, and they change
    (and go) before its table of contents makes the open generation stale.
    """
    reader = searcher.ixreader
    toc = TOC._filename(_INDEX_NAME, reader.generation())
    segments = []
    for sub, _ in reader.leaf_readers():
        segment = sub.segment() if hasattr(sub, "segment") else None
        if segment is not None:  # an empty index's reader has none
            segments.append(f"{segment.segment_id()}.")
    out = {}
    with suppress(OSError):
        for item in os.scandir(folder):
            if (
                not (item.name == toc or item.name.startswith(tuple(segments)))
                or not item.is_file()
            ):
                continue
            st = item.stat()
            out[item.path] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return out


def _mtime_ns(path: str | Path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


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


def _segment_data(cache: dict, reader, field: str, segment: str | None = None) -> Any:
    """Return a segment's field lengths by document, or which documents are internal (``field=""``).

    Both as arrays over the segment's document numbers; kept per segment, which never changes.

    :param segment: the segment's id, when the caller has it at hand
    """
    key = (segment or reader.segment().segid, field)
    data = cache.get(key)
    if data is None:
        if len(cache) > 512:  # old segments pile up after many publishes: start afresh
            cache.clear()
        size = reader.doc_count_all()
        if field:
            data = np.fromiter(
                (reader.doc_field_length(d, field, 1) or 1 for d in range(size)),
                dtype=np.float64,
                count=size,
            )
        else:
            data = np.zeros(size, dtype=bool)
            if ("audience", b"internal") in reader:
                data[list(reader.postings("audience", b"internal").all_ids())] = True
        cache[key] = data
    return data


def _segment_fields(cache: dict, reader, segment: str) -> frozenset[str]:
    """Return the fields a segment holds any word of (kept per segment, which never changes).

    A build writes English and the other languages in separate segments, and a
    publish writes one article's languages: most of a question's fields are in
    one segment only, and a field a segment lacks is not looked up word by word.
    """
    key = (segment, None)
    fields = cache.get(key)
    if fields is None:
        if len(cache) > 512:
            cache.clear()
        names = reader.schema.names()
        fields = cache[key] = frozenset(name for name in names if reader.field_length(name))
    return fields


def _phrase_column(columns: dict, reader, segment: str) -> Any:
    """Return the reader of a segment's ``phrases`` column (None without one), kept per searcher."""
    column = columns.get(segment, columns)
    if column is columns:  # not asked yet
        column = columns[segment] = (
            reader.column_reader("phrases", translate=False)
            if reader.has_column("phrases")
            else None
        )
    return column


class PostingCache:
    """Decoded postings by (segment, field, term), least recently used dropped first.

    Segments never change once written (deletions are kept apart), so an entry
    is valid for as long as its segment lives; entries of segments merged away
    are never asked for again and age out.

    :param limit: how many postings (document number and frequency) to keep in all

    Both are kept in 32 bits (8 bytes a posting): Whoosh stores frequencies as
    32-bit floats, so widening them where they are summed loses nothing.
    """

    def __init__(self, limit: int, absent: int = ABSENT_KEPT) -> None:
        self.limit = limit
        self.held = 0
        self._data: OrderedDict[tuple[str, str, bytes], tuple[np.ndarray, np.ndarray]] = (
            OrderedDict()
        )
        # terms a segment does not have: a question's words are looked for in four
        # fields, and a look-up in Whoosh's term table costs 15 to 25 us
        self._absent: OrderedDict[tuple[str, str, bytes], None] = OrderedDict()
        self._absent_limit = absent
        self._lock = threading.Lock()

    def has(self, reader, field: str, text: bytes, segment: str | None = None) -> bool:
        """True when the segment of ``reader`` has ``text`` in ``field`` (as ``in reader``).

        :param segment: the segment's id, when the caller has it at hand
        """
        key = (segment or reader.segment().segid, field, text)
        # without the lock: a look-up in a dict is atomic, and either answer is right
        if key in self._data:
            return True
        if key in self._absent:
            return False
        if (field, text) in reader:
            return True
        with self._lock:
            self._absent[key] = None
            while len(self._absent) > self._absent_limit:
                self._absent.popitem(last=False)
        return False

    def get(self, reader, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Return the document numbers and frequencies of ``text`` in ``field`` of ``reader``."""
        key = (reader.segment().segid, field, text)
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
                return found
        found = _postings(reader, field, text)
        if len(found[0]) <= self.limit:
            with self._lock:
                if key not in self._data:
                    self._data[key] = found
                    self.held += len(found[0])
                while self.held > self.limit:
                    _, (ids, _tf) = self._data.popitem(last=False)
                    self.held -= len(ids)
        return found


def _postings(reader, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Return the document numbers and term frequencies of a term in one segment.

    Read a whole posting block at a time straight from Whoosh's stored tuples
    (whoosh-reloaded is pinned), so no Python code runs per posting.
    """
    postings = reader.postings(field, text)
    if isinstance(postings, FilterMatcher):  # the segment has deletions: dropped by the caller
        postings = postings.child
    ids, weights = [], []
    while postings.is_active():
        if postings._data is None:
            postings._read_data()
        stored_ids, stored_weights = postings._data[0], postings._data[1]
        block = np.asarray(stored_ids, dtype=np.int64)
        ids.append(block if postings._byteids else np.cumsum(block))
        if stored_weights is None or isinstance(stored_weights, float):
            weights.append(np.full(len(block), stored_weights or 1.0, dtype=np.float32))
        else:
            weights.append(np.asarray(stored_weights, dtype=np.float32))
        postings._next_block()
    if not ids:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    return np.concatenate(ids).astype(np.int32), np.concatenate(weights)


def _best(scores: np.ndarray, docs: np.ndarray, limit: int) -> np.ndarray:
    """Return the positions of the ``limit`` best scores, ties broken by lower document number."""
    if len(scores) > limit:
        threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        keep = np.flatnonzero(scores >= threshold)
    else:
        keep = np.arange(len(scores))
    order = np.lexsort((docs[keep], -scores[keep]))
    return keep[order[:limit]]


def _rank(
    searcher,
    cache: dict,
    columns: dict,
    postings: PostingCache,
    leaves: list[tuple[str, str, float]],
    *,
    averages: dict[str, float],
    coordinate: bool,
    limit: int,
    deadline: float,
) -> tuple[Hits, Hits]:
    """Score every document matching a leaf (field, word, boost); return the best ``limit``.

    Returns the best public articles, and the best of all articles. ``columns``
    keeps the open searcher's phrase column readers by segment (``_phrase_column``).

    The same sums Whoosh's matchers compute, over each segment's postings with
    arrays instead of a Python step per posting (all of a segment's leaves end to
    end, a few array operations in all): BM25F per leaf, times its boost, summed
    per document in leaf order (so the floating-point sums are Whoosh's to the
    last bit), then Whoosh's coordination bonus
    (``CoordMatcher``) over the number of leaves a document matches.
    ``tests/test_index.py`` checks the result against Whoosh's own query on
    every question of the sample content.
    """
    for name, _word, _boost in leaves:  # Whoosh sums every segment's lengths at each call
        if name not in averages:
            averages[name] = searcher.avg_field_length(name) or 1
    terms = [
        (
            field,
            word,
            word.encode("utf-8"),
            searcher.idf(field, word) * boost * (K1 + 1),
            K1 * B / averages[field],
        )
        for field, word, boost in leaves
    ]
    base = K1 * (1 - B)
    # the coordination bonus counts the leaves present anywhere in the index, so
    # a ranking never depends on how the index happens to be split in segments
    segments = []  # each segment's reader, its first document's number and its id
    fields = []  # and the fields it holds
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        segid = reader.segment().segid
        segments.append((reader, offset, segid))
        fields.append(_segment_fields(cache, reader, segid))
    # which segments hold each leaf, asked once: the leaves held by none are left out
    held = [
        (
            t,
            [
                t[0] in has_fields and postings.has(r, t[0], t[2], segid)
                for (r, _, segid), has_fields in zip(segments, fields, strict=True)
            ],
        )
        for t in terms
    ]
    held = [(t, where) for t, where in held if any(where)]
    present = [t for t, _where in held]
    count = len(present)
    complete, read = True, 0
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    # per segment: its offset, the postings read (document numbers and which leaf
    # each came from, all leaves end to end), its id and its phrases column
    matches: list[tuple[int, np.ndarray, np.ndarray, str, Any]] = []
    for segment_at, (reader, offset, segment) in enumerate(segments):
        size = reader.doc_count_all()
        leaf_at, ids_read, tfs_read, weights, per_lengths, lengths_read = [], [], [], [], [], []
        for i, ((name, _word, text, weight, per_length), where) in enumerate(held):
            if not where[segment_at]:
                continue
            if read and time.monotonic() > deadline:  # at least one term, then partial results
                complete = False
                break
            read += 1
            ids, tf32 = postings.get(reader, name, text)
            leaf_at.append(i)
            ids_read.append(ids)
            tfs_read.append(tf32)
            weights.append(weight)
            per_lengths.append(per_length)
            lengths_read.append(_segment_data(cache, reader, name, segment)[ids])
        # every leaf's postings end to end, in leaf order: ``bincount`` adds each
        # document's contributions in that order, as Whoosh's sum does
        sizes = [len(ids) for ids in ids_read]
        if ids_read:
            ids = np.concatenate(ids_read)
            tf = np.concatenate(tfs_read).astype(np.float64)  # Whoosh's sums are in 64 bits
            lengths = np.concatenate(lengths_read)
        else:
            ids, tf = np.zeros(0, dtype=np.int32), np.zeros(0)
            lengths = tf
        contributions = (
            np.repeat(weights, sizes) * tf / (tf + base + np.repeat(per_lengths, sizes) * lengths)
        )
        scores = np.bincount(ids, weights=contributions, minlength=size)
        counts = np.bincount(ids, minlength=size)
        alive = counts > 0
        deleted = reader.deleted_docs_set  # cached by the reader
        if deleted:
            alive[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
        docs = np.flatnonzero(alive)
        score = scores[docs]
        if coordinate and len(
            docs
        ):  # Whoosh's "SQR" coordination bonus, as CoordMatcher computes it
            if count == COORDINATION:
                score = np.zeros(len(docs))
            else:
                score = (score + (counts[docs] - 1) / (count - COORDINATION) ** 2) * (
                    (count - 1) / count
                )
        internal = _segment_data(cache, reader, "", segment)[docs]
        parts.append((score, docs + offset, internal, np.full(len(docs), len(matches))))
        matches.append(
            (
                offset,
                ids,
                np.repeat(np.array(leaf_at, dtype=np.int32), sizes),
                segment,
                _phrase_column(columns, reader, segment),
            )
        )
    if parts:
        scores = np.concatenate([p[0] for p in parts])
        globals_ = np.concatenate([p[1] for p in parts])
        internal = np.concatenate([p[2] for p in parts])
        which = np.concatenate([p[3] for p in parts])
    else:
        scores = globals_ = which = np.zeros(0)
        internal = np.zeros(0, dtype=bool)
    public_at = np.flatnonzero(~internal)
    rankings = (
        public_at[_best(scores[public_at], globals_[public_at], limit)],
        _best(scores, globals_, limit),
    )
    # which leaves each ranked document matched: the postings read for its segment
    # looked up among the ranked documents (sorted), into a table (ranked document x leaf),
    # then one set per distinct row
    chosen = np.unique(np.concatenate(rankings))
    table = np.zeros((len(chosen), len(present)), dtype=bool)
    for segment_at, (offset, ids, leaves_of, _segment, _column) in enumerate(matches):
        mine = np.flatnonzero(which[chosen] == segment_at)
        if not len(mine) or not len(ids):
            continue
        docs = globals_[chosen[mine]] - offset
        pos = np.minimum(np.searchsorted(docs, ids), len(docs) - 1)
        hit = docs[pos] == ids
        table[mine[pos[hit]], leaves_of[hit]] = True
    # one Hit per ranked document, in both rankings (loaded once): the arrays read
    # into Python lists at once, not an element at a time
    rows: dict[bytes, frozenset[tuple[str, str]]] = {}
    names = [(name, word) for name, word, *_ in present]
    width, flat = len(names), table.tobytes()  # a row is ``width`` bytes, each 0 or 1
    made: dict[int, Hit] = {}
    for i, (at, score, globaldoc, segment_at) in enumerate(
        zip(
            chosen.tolist(),
            scores[chosen].tolist(),
            globals_[chosen].tolist(),
            which[chosen].tolist(),
            strict=True,
        )
    ):
        bits = flat[i * width : (i + 1) * width]
        leaves_matched = rows.get(bits)
        if leaves_matched is None:
            leaves_matched = rows[bits] = frozenset(compress(names, bits))
        offset, _ids, _leaves, segment, column = matches[int(segment_at)]
        made[at] = Hit(
            score, leaves_matched, searcher, globaldoc, (segment, globaldoc - offset), column
        )
    out = []
    for ranked in rankings:
        hits = Hits(map(made.__getitem__, ranked.tolist()))
        hits.complete = complete
        out.append(hits)
    return out[0], out[1]


_FORMATTER = HtmlFormatter(tagname="mark", between=" … ")
_FRAGMENTER = ContextFragmenter(maxchars=160, surround=60)


def snippet(entry: Entry, question: str) -> str:
    """Return up to two highlighted fragments of the entry's text for ``question``."""
    code = entry.lang
    words = frozenset(langs.terms(question, code))
    if not words:
        return ""
    analyser = langs.analyzer(code)
    text = entry.summary_text + "\n" + entry.text[len(entry.summary_text) :]
    return sanitise_snippet(highlight(text, words, analyser, _FRAGMENTER, _FORMATTER, top=2))
