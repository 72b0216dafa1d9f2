"""SQLite via sqlite-utils: the one place that knows the schema.

Tables are created by ``migrate`` (idempotent, run at startup). Every
connection uses WAL and a busy timeout so several gunicorn workers can read
while one writes; read-then-write sequences use ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from kb import content

BUSY_TIMEOUT_MS = 15_000
MAX_INTEGER = 2**63 - 1  # SQLite's INTEGER: a larger Python int raises OverflowError
SCHEMA_VERSION = 4


def utcnow() -> str:
    """Return the current UTC time as ISO 8601 with seconds."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def connect(path: Path) -> sqlite_utils.Database:
    """Open the database file with WAL and a busy timeout.

    :param path: the SQLite file (created if missing)
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _enable_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL (persistent), retrying while another process holds the lock.

    Switching needs an exclusive lock and SQLite does not wait on the busy
    timeout for it, so workers opening a new file at the same moment retry.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a read-then-write block in ``BEGIN IMMEDIATE`` (takes the write lock up front).

    Either the block and its ``COMMIT`` succeed, or it is rolled back and the error raised.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        # a COMMIT that fails (disk full, I/O error) may leave the transaction open,
        # holding the write lock until the connection closes: every other writer
        # would then wait for the busy timeout and fail with "database is locked"
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise


def migrate(db: sqlite_utils.Database) -> None:
    """Create or upgrade every table. Safe to run from several processes at once."""
    with immediate(db):
        db.execute(
            """CREATE TABLE IF NOT EXISTS revisions (
                seq INTEGER PRIMARY KEY,
                article_id TEXT NOT NULL,
                lang TEXT NOT NULL,
                revision INTEGER NOT NULL,
                action TEXT NOT NULL,
                content_hash TEXT,
                text TEXT,
                path TEXT,
                author TEXT NOT NULL,
                note TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                UNIQUE (article_id, lang, revision)
            )"""
        )
        db.execute(
            "CREATE INDEX IF NOT EXISTS revisions_key ON revisions (article_id, lang, revision)"
        )
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        # derived: what the last reconcile found in each file of content/ (see content.scan)
        db.execute(
            """CREATE TABLE IF NOT EXISTS content_files (
                path TEXT PRIMARY KEY,
                digest TEXT NOT NULL,
                article_key TEXT NOT NULL,
                content_hash TEXT NOT NULL
            )"""
        )
        db.execute(
            """CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                session_version INTEGER NOT NULL DEFAULT 1,
                created_at TEXT NOT NULL
            )"""
        )
        db.execute(
            """CREATE TABLE IF NOT EXISTS tokens (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id),
                token_hash TEXT NOT NULL UNIQUE,
                label TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                last_used_at TEXT,
                revoked INTEGER NOT NULL DEFAULT 0
            )"""
        )
        db.execute(
            """CREATE TABLE IF NOT EXISTS login_failures (
                id INTEGER PRIMARY KEY,
                account TEXT NOT NULL,
                address TEXT NOT NULL,
                at REAL NOT NULL
            )"""
        )
        db.execute(
            "CREATE INDEX IF NOT EXISTS login_failures_account ON login_failures (account, at)"
        )
        db.execute(
            "CREATE INDEX IF NOT EXISTS login_failures_address ON login_failures (address, at)"
        )
        db.execute(
            """CREATE TABLE IF NOT EXISTS drafts (
                id INTEGER PRIMARY KEY,
                article_id TEXT NOT NULL,
                lang TEXT NOT NULL,
                base_revision INTEGER NOT NULL,
                text TEXT NOT NULL,
                author TEXT NOT NULL,
                note TEXT NOT NULL DEFAULT '',
                status TEXT NOT NULL DEFAULT 'proposed',
                created_at TEXT NOT NULL,
                decided_by TEXT,
                decided_at TEXT,
                decision_note TEXT NOT NULL DEFAULT ''
            )"""
        )
        columns = {row[1] for row in db.execute("PRAGMA table_info(drafts)").fetchall()}
        if "decision_note" not in columns:  # databases made before schema 3
            db.execute("ALTER TABLE drafts ADD COLUMN decision_note TEXT NOT NULL DEFAULT ''")
        db.execute(
            """CREATE TABLE IF NOT EXISTS audit (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL DEFAULT '',
                detail TEXT NOT NULL DEFAULT ''
            )"""
        )
        db.execute(
            """CREATE TABLE IF NOT EXISTS translation_checks (
                id INTEGER PRIMARY KEY,
                article_id TEXT NOT NULL,
                lang TEXT NOT NULL,
                source_revision INTEGER NOT NULL,
                checked_by TEXT NOT NULL,
                checked_at TEXT NOT NULL
            )"""
        )
        db.execute(
            "CREATE INDEX IF NOT EXISTS translation_checks_key ON translation_checks (article_id, lang)"
        )
        db.execute("CREATE INDEX IF NOT EXISTS drafts_status ON drafts (status, article_id, lang)")
        db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
            [str(SCHEMA_VERSION)],
        )


@dataclass(frozen=True)
class Revision:
    """One recorded state of an article in one language."""

    article_id: str
    lang: str
    revision: int
    action: str
    content_hash: str | None
    text: str | None
    path: str | None
    author: str
    note: str
    created_at: str

    @property
    def key(self) -> str:
        return f"{self.lang}:{self.article_id}"

    @property
    def retired(self) -> bool:
        return self.action == "retire"

    @property
    def live(self) -> bool:
        """Whether this revision, if it is its article's newest, is served: not retired, has text."""
        return not self.retired and self.text is not None


_REVISION_COLUMNS = (
    "article_id, lang, revision, action, content_hash, text, path, author, note, created_at"
)


def latest_revisions(db: sqlite_utils.Database) -> dict[str, Revision]:
    """Return the newest revision of every article, keyed ``lang:id`` (retired ones included)."""
    rows = db.execute(
        f"""SELECT {_REVISION_COLUMNS} FROM revisions r
            WHERE revision = (SELECT MAX(revision) FROM revisions
                              WHERE article_id = r.article_id AND lang = r.lang)"""
    ).fetchall()
    return {f"{row[1]}:{row[0]}": Revision(*row) for row in rows}


def known_files(db: sqlite_utils.Database) -> dict[str, content.Known]:
    """Return what the last reconcile found in each file that parsed, by path."""
    rows = db.execute("SELECT path, digest, article_key, content_hash FROM content_files")
    return {path: content.Known(digest, key, hash_) for path, digest, key, hash_ in rows}


def remember_files(
    db: sqlite_utils.Database, before: dict[str, content.Known], now: dict[str, content.Known]
) -> None:
    """Store ``now`` as what the files hold, writing only the rows that changed since ``before``."""
    gone = [[path] for path in before if path not in now]
    db.conn.executemany("DELETE FROM content_files WHERE path = ?", gone)
    db.conn.executemany(
        "INSERT OR REPLACE INTO content_files VALUES (?, ?, ?, ?)",
        [
            [path, k.digest, k.key, k.content_hash]
            for path, k in now.items()
            if before.get(path) != k
        ],
    )


class LiveKeys:
    """The ``lang:id`` keys of live articles (newest revision neither retired nor without
    text), each looked up when first asked about: ``key in LiveKeys(db)``.

    A publish needs them only for the ``kb:`` links of the articles it renders;
    reading every key of a 10k knowledge base for that cost 25 ms a publish.
    Each answer is remembered, so use one for one change, inside its transaction.
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db
        self._known: dict[str, bool] = {}

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        live = self._known.get(key)
        if live is None:
            lang, sep, article_id = key.partition(":")
            rev = latest_revision(self._db, article_id, lang) if sep else None
            live = self._known[key] = rev is not None and rev.live
        return live


def latest_revision(db: sqlite_utils.Database, article_id: str, lang: str) -> Revision | None:
    """Return the newest revision of one article (retired or not), or None."""
    row = db.execute(
        f"""SELECT {_REVISION_COLUMNS} FROM revisions WHERE article_id = ? AND lang = ?
            ORDER BY revision DESC LIMIT 1""",
        [article_id, lang],
    ).fetchone()
    return Revision(*row) if row else None


def history(db: sqlite_utils.Database, article_id: str, lang: str) -> list[Revision]:
    """Return every revision of an article, newest first."""
    rows = db.execute(
        f"SELECT {_REVISION_COLUMNS} FROM revisions WHERE article_id = ? AND lang = ? ORDER BY revision DESC",
        [article_id, lang],
    ).fetchall()
    return [Revision(*row) for row in rows]


def record_revision(
    db: sqlite_utils.Database,
    *,
    article_id: str,
    lang: str,
    action: str,
    author: str,
    content_hash: str | None = None,
    text: str | None = None,
    path: str | None = None,
    note: str = "",
) -> Revision:
    """Append the next revision of an article; call inside ``immediate`` when racing writers matter.

    :param action: ``external`` (file changed outside the app), ``publish``, ``rollback`` or ``retire``
    """
    current = db.execute(
        "SELECT COALESCE(MAX(revision), 0) FROM revisions WHERE article_id = ? AND lang = ?",
        [article_id, lang],
    ).fetchone()[0]
    revision = Revision(
        article_id=article_id,
        lang=lang,
        revision=current + 1,
        action=action,
        content_hash=content_hash,
        text=text,
        path=path,
        author=author,
        note=note,
        created_at=utcnow(),
    )
    db.execute(
        f"INSERT INTO revisions ({_REVISION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            revision.article_id,
            revision.lang,
            revision.revision,
            revision.action,
            revision.content_hash,
            revision.text,
            revision.path,
            revision.author,
            revision.note,
            revision.created_at,
        ],
    )
    return revision


def audit(
    db: sqlite_utils.Database, *, actor: str, action: str, target: str = "", detail: str = ""
) -> None:
    """Append one line to the audit log (sign-ins, publishes, user and token changes)."""
    db.execute(
        "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        [utcnow(), actor, action, target, detail[:2000]],
    )


DRAFT = "draft"
PROPOSED = "proposed"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
OPEN_DRAFT_STATES = (DRAFT, PROPOSED)


@dataclass(frozen=True)
class Draft:
    """An unpublished change kept in SQLite: a private draft or a proposal awaiting review."""

    id: int
    article_id: str
    lang: str
    base_revision: int
    text: str
    author: str
    note: str
    status: str
    created_at: str
    decided_by: str | None
    decided_at: str | None
    decision_note: str = ""

    @property
    def key(self) -> str:
        return f"{self.lang}:{self.article_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DRAFT_STATES


_DRAFT_COLUMNS = (
    "id, article_id, lang, base_revision, text, author, note, status, created_at, "
    "decided_by, decided_at, decision_note"
)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: str


def _iso_utc(when: dt.datetime) -> str:
    # stored times are utcnow() strings, so bounds must be UTC in the same form to compare
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def audit_entries(
    db: sqlite_utils.Database,
    *,
    actor: str | None = None,
    action_prefix: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before_id: int | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Return audit log lines, newest first, that match every filter given.

    :param actor: who acted (case-insensitive, exact)
    :param action_prefix: the action starts with this, e.g. ``signin`` or ``user.``
    :param since: at or after this time (naive times are UTC)
    :param until: strictly before this time (naive times are UTC)
    :param before_id: only lines with a smaller id (the cursor for the next, older page)
    :param limit: at most this many lines
    """
    where: list[str] = []
    params: list[object] = []
    if actor:
        where.append("actor = ? COLLATE NOCASE")
        params.append(actor)
    if action_prefix:
        # substr, not LIKE: a prefix may hold % or _ and needs no escaping this way
        where.append("substr(action, 1, ?) = ?")
        params += [len(action_prefix), action_prefix]
    if since is not None:
        where.append("at >= ?")
        params.append(_iso_utc(since))
    if until is not None:
        where.append("at < ?")
        params.append(_iso_utc(until))
    if before_id is not None:
        where.append("id < ?")
        params.append(before_id)
    sql = "SELECT id, at, actor, action, target, detail FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [AuditEntry(*row) for row in db.execute(sql, params).fetchall()]


def add_draft(
    db: sqlite_utils.Database,
    *,
    article_id: str,
    lang: str,
    base_revision: int,
    text: str,
    author: str,
    note: str,
    status: str = PROPOSED,
) -> int:
    """Store an unpublished change (it never touches ``content/`` or any channel); return its id.

    :param status: ``draft`` (the author is still working) or ``proposed`` (awaits a publisher)
    """
    cursor = db.execute(
        """INSERT INTO drafts (article_id, lang, base_revision, text, author, note, status, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [article_id, lang, base_revision, text, author, note, status, utcnow()],
    )
    return cursor.lastrowid


def update_draft(
    db: sqlite_utils.Database,
    draft_id: int,
    *,
    text: str,
    note: str,
    base_revision: int,
    status: str,
    article_id: str,
    lang: str,
) -> None:
    """Replace the text of an open draft (its author saved again or proposed it)."""
    db.execute(
        """UPDATE drafts SET text = ?, note = ?, base_revision = ?, status = ?,
                  article_id = ?, lang = ?, created_at = ?
           WHERE id = ?""",
        [text, note, base_revision, status, article_id, lang, utcnow(), draft_id],
    )


def get_draft(db: sqlite_utils.Database, draft_id: int) -> Draft | None:
    """Return one draft or proposal, or None."""
    if not 0 < draft_id <= MAX_INTEGER:  # a URL can name any number; SQLite cannot
        return None
    row = db.execute(f"SELECT {_DRAFT_COLUMNS} FROM drafts WHERE id = ?", [draft_id]).fetchone()
    return Draft(*row) if row else None


def list_drafts(
    db: sqlite_utils.Database,
    *,
    status: str | tuple[str, ...] | None = None,
    author: str | None = None,
    key: str | None = None,
) -> list[Draft]:
    """Return drafts and proposals, newest first, filtered by status, author or ``lang:id``."""
    where, params = [], []
    if status is not None:
        states = (status,) if isinstance(status, str) else status
        where.append(f"status IN ({', '.join('?' for _ in states)})")
        params += list(states)
    if author is not None:
        where.append("author = ?")
        params.append(author)
    if key is not None:
        lang, _, article_id = key.partition(":")
        where.append("lang = ? AND article_id = ?")
        params += [lang, article_id]
    sql = f"SELECT {_DRAFT_COLUMNS} FROM drafts"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [Draft(*row) for row in db.execute(sql + " ORDER BY id DESC", params).fetchall()]


def decide_draft(
    db: sqlite_utils.Database, draft_id: int, *, status: str, by: str, note: str = ""
) -> None:
    """Close a draft: ``approved``, ``rejected`` (``note`` says why) or ``withdrawn``."""
    db.execute(
        """UPDATE drafts SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?
           WHERE id = ?""",
        [status, by, utcnow(), note, draft_id],
    )


def get_revision(
    db: sqlite_utils.Database, article_id: str, lang: str, revision: int
) -> Revision | None:
    """Return one revision of an article, or None."""
    if abs(revision) > MAX_INTEGER:  # a URL or form can name any number; SQLite cannot
        return None
    row = db.execute(
        f"SELECT {_REVISION_COLUMNS} FROM revisions WHERE article_id = ? AND lang = ? AND revision = ?",
        [article_id, lang, revision],
    ).fetchone()
    return Revision(*row) if row else None


@dataclass(frozen=True)
class RevisionStamp:
    """Where a revision sits in the global order of writes (no text: cheap to load)."""

    seq: int
    article_id: str
    lang: str
    revision: int
    action: str


def revision_stamps(
    db: sqlite_utils.Database, article_id: str | None = None
) -> list[RevisionStamp]:
    """Return every revision's position in write order (of one article id, if given)."""
    sql = "SELECT seq, article_id, lang, revision, action FROM revisions"
    params: list[str] = []
    if article_id is not None:
        sql += " WHERE article_id = ?"
        params.append(article_id)
    return [RevisionStamp(*row) for row in db.execute(sql + " ORDER BY seq", params).fetchall()]


def add_translation_check(
    db: sqlite_utils.Database, *, article_id: str, lang: str, source_revision: int, by: str
) -> None:
    """Record that a translation was checked against revision ``source_revision`` of its source."""
    db.execute(
        """INSERT INTO translation_checks (article_id, lang, source_revision, checked_by, checked_at)
           VALUES (?, ?, ?, ?, ?)""",
        [article_id, lang, source_revision, by, utcnow()],
    )


def translation_checks(db: sqlite_utils.Database, article_id: str | None = None) -> dict[str, int]:
    """Return, per translation ``lang:id``, the newest source revision it was confirmed against."""
    sql = "SELECT article_id, lang, MAX(source_revision) FROM translation_checks"
    params: list[str] = []
    if article_id is not None:
        sql += " WHERE article_id = ?"
        params.append(article_id)
    rows = db.execute(sql + " GROUP BY article_id, lang", params).fetchall()
    return {f"{lang}:{aid}": rev for aid, lang, rev in rows}
