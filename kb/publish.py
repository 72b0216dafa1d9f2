"""Keep the derived state (revision history and index) in step with ``content/``.

``reconcile`` notices files that changed outside the app (a git pull, a text
editor), records them as revisions by ``external`` and updates the index
incrementally. ``rebuild`` builds a whole new index from the recorded
revisions. Both run under the index write lock, so several worker processes
starting at once do the work once; ``reconcile`` also removes the temp files
of writes that a killed process left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from kb import content, render, store, translations
from kb.content import Article, Problem
from kb.errors import ArticleNotFound, BadRequest, KBError, WriteFailed
from kb.files import FileChanges, failed_message, remove_leftovers, write_temp
from kb.index import Entry, SearchIndex

log = logging.getLogger(__name__)

EXTERNAL = "external"
MAX_NOTE = 500


class Conflict(KBError):
    """The article changed since the revision this edit started from."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, *, current: store.Revision | None, base_revision: int):
        super().__init__(message)
        self.current = current
        self.base_revision = base_revision


def faq_url(lang: str, article_id: str) -> str:
    """Return the FAQ path of an article (the one URL scheme every channel links to)."""
    return f"/{lang}/articles/{article_id}"


def resolver(keys: Container[str], lang: str, source_lang: str):
    """Return a ``kb:`` link resolver: same language if translated, else the source language."""

    def resolve(article_id: str) -> str | None:
        for code in (lang, source_lang):
            if f"{code}:{article_id}" in keys:
                return faq_url(code, article_id)
        return None

    return resolve


def make_entry(
    article: Article,
    revision: store.Revision,
    *,
    keys: Container[str],
    source_lang: str,
    outdated: bool = False,
) -> Entry:
    """Render an article once and attach its revision receipt.

    The receipt's content hash is the one the history recorded for ``revision``
    (what a receipt check compares against), which also saves writing the
    article out as YAML again for each entry of a rebuild; an unrecorded
    revision (``kb check``) has none, and the article's own is used.

    :param outdated: the article is a translation whose source changed since
    """
    rendered = render.render(article, resolve=resolver(keys, article.lang, source_lang))
    return Entry(
        id=article.id,
        lang=article.lang,
        title=article.title,
        questions=article.questions,
        category=article.category,
        tags=article.tags,
        audience=article.audience,
        review_by=article.review_by.isoformat() if article.review_by else None,
        revision=revision.revision,
        content_hash=revision.content_hash or article.content_hash,
        updated_at=revision.created_at,
        summary_html=rendered.summary_html,
        summary_text=rendered.summary_text,
        detail_html=rendered.detail_html,
        path=revision.path or content.article_path(article),
        outdated=outdated,
        extra={k: v for k, v in article.extra.items() if isinstance(v, str | int | float | bool)},
    )


@dataclass
class ReconcileReport:
    """What a reconcile found and did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rebuilt: bool = False

    @property
    def touched(self) -> list[str]:
        return self.added + self.changed + self.retired


def _live_revisions(db: sqlite_utils.Database) -> dict[str, store.Revision]:
    """Return the latest non-retired revision of every article (no parsing: cheap)."""
    return {key: rev for key, rev in store.latest_revisions(db).items() if rev.live}


def _parse_revision(key: str, rev: store.Revision) -> Article | None:
    """Parse a recorded revision's text; None (logged) when it no longer parses."""
    try:
        return content.parse_article(rev.text, path=rev.path)
    except content.ArticleInvalid:  # recorded texts were valid when recorded; be safe anyway
        log.error("recorded revision %s r%s no longer parses; skipped", key, rev.revision)
        return None


def _parse_revisions(
    revisions: dict[str, store.Revision],
) -> dict[str, tuple[Article, store.Revision]]:
    """Parse recorded revision texts into articles, keyed like ``revisions``."""
    live = {}
    for key, rev in revisions.items():
        article = _parse_revision(key, rev)
        if article is not None:
            live[key] = (article, rev)
    return live


class _Entries(Sequence["Entry | None"]):
    """The entries of recorded revisions, each parsed and rendered when it is read.

    ``SearchIndex.build`` reads each part of a large build in the process that
    writes it, so the parsing and rendering are shared out between them too.
    A revision that no longer parses reads as None (and is logged): the build
    skips it.

    The entries are in order of language, then article id, not in the order
    the history happened to record them: documents are numbered in this
    order and the number breaks ties between equal scores, so two nodes that
    rebuild from the same content rank ties alike whatever their histories.
    A language's documents stay together: its terms' postings are shorter
    and a segment without the language is skipped. Interleaving the
    languages made the 10k index 9 % larger and a never-seen answer about
    15 % slower (docs/scaling.md).
    """

    def __init__(
        self, revisions: dict[str, store.Revision], source_lang: str, outdated: set[str]
    ) -> None:
        self._revisions = sorted(revisions.items())  # by ``lang:id`` key: language, then id
        self._keys = set(revisions)
        self._source_lang = source_lang
        self._outdated = outdated

    def __len__(self) -> int:
        return len(self._revisions)

    def __getitem__(self, at: int) -> Entry | None:
        key, rev = self._revisions[at]
        article = _parse_revision(key, rev)
        if article is None:
            return None
        return make_entry(
            article,
            rev,
            keys=self._keys,
            source_lang=self._source_lang,
            outdated=key in self._outdated,
        )


def record_external_changes(
    content_dir: Path, db: sqlite_utils.Database, *, source_lang: str = "en"
) -> ReconcileReport:
    """Compare ``content/`` with the latest revisions; record what changed as ``external``.

    A file that no longer parses keeps its last good revision (it is reported,
    not retired), so one bad edit never takes an answer off the channels.
    """
    known = store.known_files(db)
    # files whose text is the one last scanned are not parsed again (most, at each start)
    result = content.scan(content_dir, known=known)
    report = ReconcileReport(problems=result.problems)
    broken_paths = {p.path for p in result.problems}
    # sources first, so translations changed in the same pull count as in step with them
    ordered = sorted(result.articles, key=lambda a: a.lang != source_lang)
    with store.immediate(db):
        latest = store.latest_revisions(db)
        for found in ordered:
            rev = latest.get(found.key)
            digest = found.content_hash
            if rev is not None and not rev.retired and rev.content_hash == digest:
                continue
            try:  # the history lost what the file holds (restored, retired): record it again
                article = (
                    content.read_article(content_dir, content_dir / found.path)
                    if isinstance(found, content.Unchanged)
                    else found
                )
            except content.ArticleInvalid as exc:  # changed since the scan a moment ago
                report.problems.extend(exc.problems)
                continue
            digest = article.content_hash
            store.record_revision(
                db,
                article_id=article.id,
                lang=article.lang,
                action=EXTERNAL,
                author=EXTERNAL,
                content_hash=digest,
                text=content.serialise(article),
                path=article.path,
                note="changed outside the app" if rev and not rev.retired else "new file",
            )
            (report.changed if rev and not rev.retired else report.added).append(article.key)
        present = {a.key for a in result.articles}
        for key, rev in latest.items():
            if rev.retired or key in present or rev.path in broken_paths:
                continue
            store.record_revision(
                db,
                article_id=rev.article_id,
                lang=rev.lang,
                action="retire",
                author=EXTERNAL,
                path=rev.path,
                note="file deleted outside the app",
            )
            report.retired.append(key)
        store.remember_files(db, known, result.known)
    return report


def _repair_index(index: SearchIndex, db: sqlite_utils.Database, source_lang: str) -> list[str]:
    """Re-index articles whose index entry lags their latest revision (e.g. after a crash).

    Only the lagging revisions are parsed and rendered, so an unchanged
    knowledge base starts without re-rendering anything.
    """
    live = _live_revisions(db)
    outdated = translations.outdated_keys(db, source_lang)
    indexed = index.stamps()
    stale = {
        key: rev
        for key, rev in live.items()
        if indexed.get(key) != (rev.revision, rev.content_hash, key in outdated)
    }
    gone = [key for key in indexed if key not in live]
    if stale or gone:
        keys = set(live)
        entries = [
            make_entry(article, rev, keys=keys, source_lang=source_lang, outdated=key in outdated)
            for key, (article, rev) in _parse_revisions(stale).items()
        ]
        index.update(entries, delete_keys=gone)
    return list(stale) + gone


def rebuild(index: SearchIndex, db: sqlite_utils.Database, *, source_lang: str = "en") -> int:
    """Build a fresh index from the latest recorded revisions; return the document count."""
    outdated = translations.outdated_keys(db, source_lang)
    return index.build(_Entries(_live_revisions(db), source_lang, outdated))


def reconcile(
    content_dir: Path,
    db: sqlite_utils.Database,
    index: SearchIndex,
    *,
    source_lang: str = "en",
    full: bool = False,
) -> ReconcileReport:
    """Bring history and index in step with ``content/``.

    :param full: rebuild the whole index even when an incremental update would do
    """
    with index.write_lock():
        leftovers = remove_leftovers(content_dir)
        if leftovers:
            log.warning(
                "removed %d temp files of interrupted writes: %s", len(leftovers), leftovers
            )
        built_before = index.built_before()
        index.remove_leftovers()
        report = record_external_changes(content_dir, db, source_lang=source_lang)
        readable = index.exists()
        if full or not readable:
            if built_before and not readable:
                log.warning("search index in %s missing or unreadable: rebuilding", index.root)
            rebuild(index, db, source_lang=source_lang)
            report.rebuilt = True
        else:
            repaired = _repair_index(index, db, source_lang)
            if set(repaired) - set(report.touched):
                log.warning("index lagged the history for %s: repaired", sorted(repaired))
    for problem in report.problems:
        log.warning("content problem: %s", problem)
    return report


@dataclass(frozen=True)
class Published:
    """What a publish did: the new revision and its entry as the channels now serve it."""

    revision: store.Revision
    entry: Entry | None


def check_base(db: sqlite_utils.Database, key: str, base_revision: int) -> store.Revision | None:
    lang, _, article_id = key.partition(":")
    latest = store.latest_revision(db, article_id, lang)
    current = latest.revision if latest else 0
    if (
        isinstance(base_revision, bool)
        or not isinstance(base_revision, int)
        or abs(base_revision) > store.MAX_INTEGER
    ):
        raise BadRequest("'base_revision' must be a whole number (0 for a new article)")
    if base_revision != current:
        raise Conflict(
            f"{key} is at revision {current}, not {base_revision}: someone changed it since you started",
            current=latest,
            base_revision=base_revision,
        )
    return latest


def _note(note: object) -> str:
    if not isinstance(note, str) or not note.strip():
        raise BadRequest("a change note is required: say what changed and why")
    if len(note) > MAX_NOTE:
        raise BadRequest(f"the change note is longer than {MAX_NOTE} characters")
    return note.strip()


def validate_submission(
    text: object, note: object, expect: tuple[str, str] | None
) -> tuple[Article, str]:
    """Validate a submitted article file and change note (before any lock or write)."""
    note = _note(note)
    if not isinstance(text, str):
        raise BadRequest("'markdown' must be the whole article file as a string")
    article = content.parse_article(text, path=None)
    if expect and (article.id, article.lang) != expect:
        raise BadRequest(f"the file is {article.lang}:{article.id}, not {expect[1]}:{expect[0]}")
    return article, note


def publish(
    content_dir: Path,
    db: sqlite_utils.Database,
    index: SearchIndex,
    *,
    text: str,
    base_revision: int,
    author: str,
    note: str,
    action: str = "publish",
    source_lang: str = "en",
    expect: tuple[str, str] | None = None,
) -> Published:
    """Publish a whole article file: write it atomically, update the index, record the revision.

    Writers are serialised by the index write lock, so of two publishes from
    the same base revision exactly one wins and the other gets ``Conflict``.
    The revision's SQLite transaction commits last; any failure before that
    puts the file and the index entries back, so nothing is half-published.
    A process killed after the rename leaves the new file, which the next
    start records as a change made outside the app (``content/`` is the truth).

    :param text: the whole file (front matter and body)
    :param base_revision: the revision the edit started from (0 for a new article)
    :param expect: ``(id, lang)`` the text must have (from the URL)
    :raises ArticleInvalid: when the text does not parse (nothing is written)
    :raises Conflict: when the article changed since ``base_revision``
    :raises WriteFailed: when the file, the index or the database cannot be written
        (a full disk); nothing is changed
    """
    article, note = validate_submission(text, note, expect)
    with index.write_lock():
        latest = check_base(db, article.key, base_revision)
        rel = content.article_path(article)
        article = article.with_changes(path=rel)
        canonical = content.serialise(article)
        tmp = write_temp(content_dir / rel, canonical)
        with _undoable(db, index, source_lang, what=article.key, path=rel, temp=tmp) as change:
            revision = store.record_revision(
                db,
                article_id=article.id,
                lang=article.lang,
                action=action,
                author=author,
                content_hash=article.content_hash,
                text=canonical,
                path=rel,
                note=note,
            )
            store.audit(
                db,
                actor=author,
                action=f"article.{action}",
                target=article.key,
                detail=f"r{revision.revision}: {note}",
            )
            change.files.replace(tmp, content_dir / rel)
            old_path = latest.path if latest and not latest.retired else None
            if old_path and old_path != rel:  # the category (folder) changed
                change.files.remove(content_dir / old_path)
            entries = _publish_entries(index, db, article, revision, source_lang)
            change.update_index(entries)
    return Published(revision, entries[0])


def _publish_entries(
    index: SearchIndex,
    db: sqlite_utils.Database,
    article: Article,
    revision: store.Revision,
    source_lang: str,
) -> list[Entry]:
    """Return the index entries a publish changes: the article, and translations newly (not) outdated."""
    live = store.LiveKeys(db)  # for kb: links
    outdated = translations.outdated_keys(db, source_lang, article_id=article.id)
    entry = make_entry(
        article,
        revision,
        keys=live,
        source_lang=source_lang,
        outdated=article.key in outdated,
    )
    flagged = _flag_changes(
        index,
        db,
        live,
        outdated,
        article_id=article.id,
        skip_key=article.key,
        source_lang=source_lang,
    )
    return [entry, *flagged]


@dataclass
class _Change:
    """The files and index entries a publish or retirement has changed so far."""

    index: SearchIndex
    files: FileChanges = field(default_factory=FileChanges)
    indexed: bool = False

    def update_index(self, entries: Iterable[Entry] = (), delete_keys: Iterable[str] = ()) -> None:
        self.indexed = True  # from here on a failure may have reached the index
        self.index.update(entries, delete_keys=delete_keys)


@contextmanager
def _undoable(
    db: sqlite_utils.Database,
    index: SearchIndex,
    source_lang: str,
    *,
    what: str,
    path: str,
    temp: Path | None = None,
) -> Iterator[_Change]:
    """Run a change inside its revision's transaction, which commits last.

    Until then every step can be undone, so a failure anywhere puts back the
    files and index entries and leaves the history as it was; an OS or SQLite
    error (a full disk) becomes ``WriteFailed``.

    :param temp: a temp file the change moves into place, removed on failure
    """
    change = _Change(index)
    try:
        with store.immediate(db):
            yield change
    except BaseException as exc:
        if temp is not None:
            with suppress(OSError):
                temp.unlink(missing_ok=True)
        _undo(change.files, index if change.indexed else None, db, source_lang, what=what)
        if isinstance(exc, OSError | sqlite3.Error):
            raise WriteFailed(failed_message(path, exc)) from exc
        raise
    change.files.commit()


def _undo(
    files: FileChanges,
    index: SearchIndex | None,
    db: sqlite_utils.Database,
    source_lang: str,
    what: str,
) -> None:
    """Put back the files of a change that was not recorded, and the index entries it changed.

    :param index: the index, when the change may have reached it
    """
    try:
        files.undo()
    except OSError as exc:  # the next start records whatever the files then say
        log.error("could not put back the files of %s: %s", what, exc)
    if index is None:
        return
    try:
        _repair_index(index, db, source_lang)  # cheap: only entries that differ are written
    except Exception as exc:  # the next start repairs it
        log.error("could not put back the index entries of %s: %r", what, exc)


def _flag_changes(
    index: SearchIndex,
    db: sqlite_utils.Database,
    live: Container[str],
    outdated: set[str],
    *,
    article_id: str,
    skip_key: str,
    source_lang: str,
) -> list[Entry]:
    """Re-render the language versions of an article whose outdated flag changed.

    :param live: which articles are live (for ``kb:`` links)
    :param skip_key: the version being indexed anyway (just published), or the source
    """
    changed = {}
    for entry in index.entries(id=article_id):
        if (
            entry.key != skip_key
            and entry.key in live
            and entry.outdated != (entry.key in outdated)
        ):
            revision = store.latest_revision(db, entry.id, entry.lang)
            if revision is not None:
                changed[entry.key] = revision
    return [
        make_entry(a, rev, keys=live, source_lang=source_lang, outdated=key in outdated)
        for key, (a, rev) in _parse_revisions(changed).items()
    ]


def retire(
    content_dir: Path,
    db: sqlite_utils.Database,
    index: SearchIndex,
    *,
    article_id: str,
    lang: str,
    author: str,
    note: str,
    base_revision: int | None = None,
    source_lang: str = "en",
) -> Published:
    """Retire an article: remove its file, record a ``retire`` revision, drop it from the index.

    :raises ArticleNotFound: when there is no live article
    :raises Conflict: when ``base_revision`` is given and is not the latest
    """
    note = _note(note)
    key = f"{lang}:{article_id}"
    with index.write_lock():
        latest = store.latest_revision(db, article_id, lang)
        if latest is None or latest.retired:
            raise ArticleNotFound(f"no article {article_id!r} in {lang!r}")
        if base_revision is not None:
            check_base(db, key, base_revision)
        with _undoable(db, index, source_lang, what=key, path=latest.path or key) as change:
            revision = store.record_revision(
                db,
                article_id=article_id,
                lang=lang,
                action="retire",
                author=author,
                path=latest.path,
                note=note,
            )
            store.audit(db, actor=author, action="article.retire", target=key, detail=note)
            if latest.path:
                change.files.remove(content_dir / latest.path)
            change.update_index(delete_keys=[key])
    return Published(revision, None)


def rollback(
    content_dir: Path,
    db: sqlite_utils.Database,
    index: SearchIndex,
    *,
    article_id: str,
    lang: str,
    to_revision: int,
    base_revision: int,
    author: str,
    note: str,
    source_lang: str = "en",
) -> Published:
    """Publish an old revision's text as a new revision (action ``rollback``).

    :raises ArticleNotFound: when there is no such revision, or it is a retirement
    :raises Conflict: when the article changed since ``base_revision``
    """
    old = store.get_revision(db, article_id, lang, to_revision)
    if old is None or old.text is None:
        raise ArticleNotFound(f"{lang}:{article_id} has no revision {to_revision} with content")
    note = _note(note)
    return publish(
        content_dir,
        db,
        index,
        text=old.text,
        base_revision=base_revision,
        author=author,
        note=f"rollback to r{to_revision}: {note}"[:MAX_NOTE],
        action="rollback",
        source_lang=source_lang,
        expect=(article_id, lang),
    )


def verify(
    content_dir: Path,
    db: sqlite_utils.Database,
    index: SearchIndex,
    *,
    article_id: str,
    lang: str,
    review_by: dt.date,
    base_revision: int,
    author: str,
    source_lang: str = "en",
    today: dt.date | None = None,
) -> Published:
    """Confirm an article is still right and set its next review date (action ``verify``).

    The text is unchanged but for ``review_by``, so translations stay in step.

    :raises BadRequest: when the new date is not in the future
    :raises Conflict: when the article changed since ``base_revision``
    """
    today = today or dt.date.today()
    if not isinstance(review_by, dt.date) or review_by <= today:
        raise BadRequest("the next review date must be after today")
    latest = store.latest_revision(db, article_id, lang)
    if latest is None or latest.retired or latest.text is None:
        raise ArticleNotFound(f"no article {article_id!r} in {lang!r}")
    article = content.parse_article(latest.text, path=latest.path)
    return publish(
        content_dir,
        db,
        index,
        text=content.serialise(article.with_changes(review_by=review_by)),
        base_revision=base_revision,
        author=author,
        note=f"verified: still correct; next review by {review_by.isoformat()}",
        action="verify",
        source_lang=source_lang,
        expect=(article_id, lang),
    )


def confirm_translation(
    db: sqlite_utils.Database,
    index: SearchIndex,
    *,
    article_id: str,
    lang: str,
    author: str,
    source_lang: str = "en",
) -> translations.TranslationState:
    """Record that a translation still says what its source says now; clear its outdated mark.

    :raises ArticleNotFound: when there is no such live translation
    """
    key = f"{lang}:{article_id}"
    with index.write_lock():
        state = translations.states(db, source_lang, article_id=article_id).get(key)
        if state is None:
            raise ArticleNotFound(f"no translation {key} with a live {source_lang} source")
        with store.immediate(db):
            store.add_translation_check(
                db,
                article_id=article_id,
                lang=lang,
                source_revision=state.source_revision,
                by=author,
            )
            store.audit(
                db,
                actor=author,
                action="translation.confirm",
                target=key,
                detail=f"in step with {source_lang} r{state.source_revision}",
            )
        live = store.LiveKeys(db)
        outdated = translations.outdated_keys(db, source_lang, article_id=article_id)
        index.update(
            _flag_changes(
                index,
                db,
                live,
                outdated,
                article_id=article_id,
                skip_key=f"{source_lang}:{article_id}",
                source_lang=source_lang,
            )
        )
    return translations.states(db, source_lang, article_id=article_id)[key]
