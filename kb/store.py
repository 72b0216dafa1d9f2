"""SQLite via sqlite-utils: the one place that knows the schema.

Tables are created by ``migrate`` (idempotent, run at startup). Every
connection uses WAL and a busy timeout so several gunicorn workers can read
while one writes; read-then-write sequences use ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 15_000
SCHEMA_VERSION = 2


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
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a read-then-write block in ``BEGIN IMMEDIATE`` (takes the write lock up front)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


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
                decided_at TEXT
            )"""
        )
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
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
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


def add_draft(
    db: sqlite_utils.Database,
    *,
    article_id: str,
    lang: str,
    base_revision: int,
    text: str,
    author: str,
    note: str,
) -> int:
    """Store a proposed change (it never touches ``content/`` or any channel); return its id."""
    cursor = db.execute(
        """INSERT INTO drafts (article_id, lang, base_revision, text, author, note, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [article_id, lang, base_revision, text, author, note, utcnow()],
    )
    return cursor.lastrowid
