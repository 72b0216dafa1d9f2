"""Tests for kb.store: connection settings, migrations, article revisions and the audit log."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from kb import store
from kb.store import (
    BUSY_TIMEOUT_MS,
    SCHEMA_VERSION,
    AuditEntry,
    Revision,
    audit,
    audit_entries,
    connect,
    history,
    immediate,
    latest_revisions,
    migrate,
    record_revision,
    utcnow,
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "kb.sqlite"


@pytest.fixture
def db(db_path):
    database = connect(db_path)
    migrate(database)
    yield database
    database.conn.close()


def record(db, article_id="a", lang="en", action="publish", **kw) -> Revision:
    return record_revision(
        db, article_id=article_id, lang=lang, action=action, author=kw.pop("author", "ed"), **kw
    )


def count(db) -> int:
    return db.execute("SELECT COUNT(*) FROM revisions").fetchone()[0]


# --- connect and migrate ---------------------------------------------------------------


def test_connect_creates_parent_folder_and_sets_pragmas(db_path):
    assert not db_path.parent.exists()
    db = connect(db_path)
    try:
        assert db_path.exists()
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    finally:
        db.conn.close()


def test_wal_mode_is_persistent_for_other_connections(db, db_path):
    other = sqlite3.connect(db_path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_migrate_twice_is_fine(db, db_path):
    record(db)
    migrate(db)
    other = connect(db_path)
    try:
        migrate(other)
    finally:
        other.conn.close()

    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"revisions", "meta"} <= tables
    assert db.execute("SELECT key, value FROM meta").fetchall() == [
        ("schema_version", str(SCHEMA_VERSION))
    ]
    assert count(db) == 1  # migrating again keeps the data


def test_migrate_leaves_no_transaction_open(db):
    assert db.conn.in_transaction is False


# --- revisions ------------------------------------------------------------------------


def test_record_revision_numbers_per_article_and_language(db):
    numbers = [
        (r.key, r.revision)
        for r in (
            record(db, "a", "en"),
            record(db, "a", "en"),
            record(db, "a", "ru"),
            record(db, "b", "en"),
            record(db, "a", "en"),
            record(db, "a", "ru"),
        )
    ]
    assert numbers == [("en:a", 1), ("en:a", 2), ("ru:a", 1), ("en:b", 1), ("en:a", 3), ("ru:a", 2)]
    stored = db.execute("SELECT lang, article_id, revision FROM revisions ORDER BY seq").fetchall()
    assert stored == [
        ("en", "a", 1),
        ("en", "a", 2),
        ("ru", "a", 1),
        ("en", "b", 1),
        ("en", "a", 3),
        ("ru", "a", 2),
    ]


def test_record_revision_returns_what_it_stores(db):
    revision = record(
        db, "a", "fa", action="external", author="ed@example.com", content_hash="h1", text="متن", path="fa/x/a.md",
        note="from disk",
    )  # fmt: skip
    assert revision == Revision(
        article_id="a",
        lang="fa",
        revision=1,
        action="external",
        content_hash="h1",
        text="متن",
        path="fa/x/a.md",
        author="ed@example.com",
        note="from disk",
        created_at=revision.created_at,
    )
    assert history(db, "a", "fa") == [revision]
    created = dt.datetime.fromisoformat(revision.created_at)
    assert created.tzinfo is not None
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(minutes=1)


def test_revision_numbers_are_unique(db):
    record(db)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO revisions (article_id, lang, revision, action, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            ["a", "en", 1, "publish", "x", utcnow()],
        )
    assert count(db) == 1


def test_latest_revisions_include_retired(db):
    record(db, "a", "en", content_hash="a1")
    record(db, "a", "en", content_hash="a2")
    record(db, "a", "ru", content_hash="ra1")
    record(db, "b", "en", content_hash="b1")
    record(db, "b", "en", action="retire", note="merged into a")

    latest = latest_revisions(db)
    assert {key: (r.revision, r.action, r.content_hash) for key, r in latest.items()} == {
        "en:a": (2, "publish", "a2"),
        "ru:a": (1, "publish", "ra1"),
        "en:b": (2, "retire", None),
    }
    assert [key for key, r in latest.items() if r.retired] == ["en:b"]
    assert all(key == r.key for key, r in latest.items())


def test_latest_revision_of_one_article_matches_latest_revisions(db):
    record(db, "a", "en")
    record(db, "a", "en", action="retire")
    record(db, "a", "ru")
    record(db, "b", "en")
    every = latest_revisions(db)
    for key in ("en:a", "ru:a", "en:b"):
        lang, article_id = key.split(":")
        assert store.latest_revision(db, article_id, lang) == every[key]
    assert store.latest_revision(db, "a", "en").retired
    assert store.latest_revision(db, "nope", "en") is None


def test_live_keys_are_the_newest_revisions_neither_retired_nor_without_text(db):
    record(db, "a", "en", text="x")
    record(db, "a", "ru", text="x")
    record(db, "b", "en", text="x")
    record(db, "b", "en", action="retire")
    record(db, "c", "en", text="x")
    record(db, "c", "en", action="retire")
    record(db, "c", "en", text="back again")
    record(db, "d", "en")  # no text recorded
    live = {k for k, r in latest_revisions(db).items() if not r.retired and r.text is not None}
    assert live == {"en:a", "ru:a", "en:c"}
    asked = store.LiveKeys(db)
    for key in [*latest_revisions(db), "tr:a", "en:nope", "nope", "", ":a", "en:"]:
        assert (key in asked) == (key in live), key
    assert 7 not in asked


def test_live_keys_answer_once_per_key(db):
    record(db, "a", "en", text="x")
    asked = store.LiveKeys(db)
    assert "en:a" in asked
    record(db, "a", "en", action="retire")  # one LiveKeys serves one change
    assert "en:a" in asked
    assert "en:a" not in store.LiveKeys(db)


def test_latest_revisions_of_empty_database(db):
    assert latest_revisions(db) == {}
    assert history(db, "a", "en") == []


def test_history_newest_first_and_only_that_article(db):
    for note in ("one", "two", "three"):
        record(db, "a", "en", note=note)
    record(db, "a", "tr", note="other language")
    record(db, "b", "en", note="other article")

    assert [(r.revision, r.note) for r in history(db, "a", "en")] == [
        (3, "three"),
        (2, "two"),
        (1, "one"),
    ]
    assert [r.note for r in history(db, "a", "tr")] == ["other language"]


# --- immediate -------------------------------------------------------------------------


def test_immediate_commits(db, db_path):
    with immediate(db) as same:
        assert same is db
        assert db.conn.in_transaction
        record(db)
    assert not db.conn.in_transaction
    other = connect(db_path)
    try:
        assert count(other) == 1
    finally:
        other.conn.close()


@pytest.mark.parametrize("error", [ValueError("boom"), KeyboardInterrupt()])
def test_immediate_rolls_back_on_exception(db, error):
    record(db, note="kept")
    with pytest.raises(type(error)), immediate(db):
        record(db, note="rolled back")
        assert count(db) == 2
        raise error
    assert not db.conn.in_transaction
    assert [r.note for r in history(db, "a", "en")] == ["kept"]
    # the revision number that was rolled back is free again
    assert record(db).revision == 2


def test_immediate_takes_the_write_lock_up_front(db, db_path):
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with immediate(db):
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            # readers are not blocked under WAL
            assert other.execute("SELECT COUNT(*) FROM revisions").fetchone()[0] == 0
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_record_revision_inside_immediate_on_two_connections(db, db_path):
    other = connect(db_path)
    try:
        with immediate(db):
            first = record(db)
        with immediate(other):
            second = record(other)
        assert (first.revision, second.revision) == (1, 2)
        assert [r.revision for r in history(db, "a", "en")] == [2, 1]
    finally:
        other.conn.close()


# --- audit log -------------------------------------------------------------------------


def add_audit(db, at: str, actor: str, action: str, target: str = "", detail: str = "") -> None:
    db.execute(
        "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        [at, actor, action, target, detail],
    )


@pytest.fixture
def audit_db(db):
    add_audit(db, "2024-01-31T23:59:59+00:00", "ann", "signin", "ann")
    add_audit(db, "2024-02-01T00:00:00+00:00", "ann", "signin.failed", "ann")
    add_audit(db, "2024-02-15T12:00:00+00:00", "Bob", "article.publish", "en:refunds", "r2")
    add_audit(db, "2024-02-29T23:59:59+00:00", "bob", "user.role", "ann", "agent -> editor")
    add_audit(db, "2024-03-01T00:00:00+00:00", "cli", "sign%in", "x")
    return db


def ids(entries: list[AuditEntry]) -> list[int]:
    return [e.id for e in entries]


def test_audit_entries_newest_first_as_dataclasses(audit_db):
    entries = audit_entries(audit_db)
    assert ids(entries) == [5, 4, 3, 2, 1]
    assert entries[2] == AuditEntry(
        id=3,
        at="2024-02-15T12:00:00+00:00",
        actor="Bob",
        action="article.publish",
        target="en:refunds",
        detail="r2",
    )


UTC = dt.UTC


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"actor": "bob"}, [4, 3]),  # case-insensitive
        ({"actor": "bo"}, []),  # exact, not a prefix
        ({"action_prefix": "signin"}, [2, 1]),
        ({"action_prefix": "sign%"}, [5]),  # no LIKE wildcards
        ({"action_prefix": "sign_n"}, []),
        ({"action_prefix": "article."}, [3]),
        ({"since": dt.datetime(2024, 2, 1, tzinfo=UTC)}, [5, 4, 3, 2]),
        ({"until": dt.datetime(2024, 2, 1, tzinfo=UTC)}, [1]),  # until is exclusive
        (
            {"since": dt.datetime(2024, 2, 1), "until": dt.datetime(2024, 3, 1)},  # naive = UTC
            [4, 3, 2],
        ),
        # another zone is converted: 01:00 in UTC+1 is midnight UTC
        ({"since": dt.datetime(2024, 3, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))}, [5]),
        ({"before_id": 4}, [3, 2, 1]),
        ({"limit": 2}, [5, 4]),
        ({"before_id": 4, "limit": 2}, [3, 2]),
        ({"actor": "ann", "action_prefix": "signin.", "until": dt.datetime(2024, 3, 1)}, [2]),
        ({"actor": "", "action_prefix": ""}, [5, 4, 3, 2, 1]),  # empty means no filter
    ],
)
def test_audit_entries_filters(audit_db, filters, expected):
    assert ids(audit_entries(audit_db, **filters)) == expected


def test_audit_writes_entries_audit_entries_reads(db):
    audit(db, actor="ann", action="token.create", target="bot", detail="x" * 3000)
    (entry,) = audit_entries(db)
    assert (entry.actor, entry.action, entry.target, len(entry.detail)) == (
        "ann",
        "token.create",
        "bot",
        2000,
    )
    assert audit_entries(db, since=dt.datetime.fromisoformat(entry.at)) == [entry]
    assert audit_entries(db, until=dt.datetime.fromisoformat(entry.at)) == []


def test_migrate_adds_decision_note_to_a_schema_2_database(db_path):
    old = connect(db_path)
    old.execute(
        """CREATE TABLE drafts (id INTEGER PRIMARY KEY, article_id TEXT NOT NULL,
           lang TEXT NOT NULL, base_revision INTEGER NOT NULL, text TEXT NOT NULL,
           author TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
           status TEXT NOT NULL DEFAULT 'proposed', created_at TEXT NOT NULL,
           decided_by TEXT, decided_at TEXT)"""
    )
    old.execute(
        "INSERT INTO drafts (article_id, lang, base_revision, text, author, created_at)"
        " VALUES ('a', 'en', 1, 'x', 'ed', '2026-01-01')"
    )
    migrate(old)
    store.decide_draft(old, 1, status="rejected", by="pat", note="no")
    draft = store.get_draft(old, 1)
    assert (draft.status, draft.decision_note, draft.text) == ("rejected", "no", "x")


def test_drafts_listed_by_status_author_and_key(db):
    first = store.add_draft(
        db, article_id="a", lang="en", base_revision=1, text="x", author="ed", note="n"
    )
    store.add_draft(
        db,
        article_id="b",
        lang="ru",
        base_revision=0,
        text="y",
        author="jo",
        note="n",
        status="draft",
    )
    assert [d.id for d in store.list_drafts(db, status="proposed")] == [first]
    assert [d.article_id for d in store.list_drafts(db, author="jo")] == ["b"]
    assert [d.article_id for d in store.list_drafts(db, key="ru:b")] == ["b"]
    assert len(store.list_drafts(db, status=("draft", "proposed"))) == 2


def _open_and_migrate(path: str, start, results) -> None:
    start.wait()
    try:
        db = connect(Path(path))
        migrate(db)
        results.put(db.execute("PRAGMA journal_mode").fetchone()[0])
    except Exception as exc:  # reported to the test, not lost in the child
        results.put(repr(exc))


def test_processes_opening_a_new_database_at_once_all_get_wal(tmp_path):
    """Workers starting together race to switch a new file to WAL (was: "database is locked")."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    for attempt in range(15):  # the race is narrow: one round in about thirty hit it before
        start, results = ctx.Barrier(8), ctx.Queue()
        path = str(tmp_path / f"new-{attempt}.sqlite")
        procs = [
            ctx.Process(target=_open_and_migrate, args=(path, start, results)) for _ in range(8)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert sorted(results.get(timeout=5) for _ in procs) == ["wal"] * 8
