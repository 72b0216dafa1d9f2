"""Tests for kb.store: connection settings, migrations and article revisions."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from kb.store import (
    BUSY_TIMEOUT_MS,
    SCHEMA_VERSION,
    Revision,
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
