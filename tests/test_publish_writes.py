"""Publishing: atomic writes, conflicts, exactly one winner, crash repair, rollback, verify."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
from pathlib import Path

import pytest

from kb import files, publish, store
from kb.content import ArticleInvalid
from kb.errors import ArticleNotFound, BadRequest
from tests.conftest import article_text

TEXT = article_text("refund-time", "How long does a refund take?", "Five days.", category="refunds")


def do_publish(kb, text, base, note="new policy"):
    return publish.publish(
        kb.content_dir, kb.db, kb.index, text=text, base_revision=base, author="pat", note=note
    )


def test_publish_writes_file_records_revision_and_serves_it(kb):
    done = do_publish(kb, TEXT.replace("Five days.", "Three days."), base=1)
    assert done.revision.revision == 2
    assert (kb.content_dir / "en/refunds/refund-time.md").read_text().endswith("Three days.\n")
    assert kb.engine.article("refund-time", "en").summary_text == "Three days."
    assert kb.engine.answer("how long does a refund take", "en").entry.revision == 2
    history = store.history(kb.db, "refund-time", "en")
    assert (history[0].revision, history[0].author, history[0].note) == (2, "pat", "new policy")
    assert not list(kb.content_dir.rglob("*.tmp"))


def test_stale_base_is_a_conflict_and_changes_nothing(kb):
    do_publish(kb, TEXT.replace("Five days.", "Three days."), base=1)
    with pytest.raises(publish.Conflict) as info:
        do_publish(kb, TEXT.replace("Five days.", "Ten days."), base=1)
    assert info.value.current.revision == 2
    assert "Three days." in (kb.content_dir / "en/refunds/refund-time.md").read_text()
    assert kb.engine.article("refund-time", "en").summary_text == "Three days."


@pytest.mark.parametrize(
    ("text", "note", "error"),
    [
        ("---\nid: x\n---\n", "n", ArticleInvalid),
        (TEXT, "", publish.BadRequest),
        (TEXT, "  ", publish.BadRequest),
        (None, "n", publish.BadRequest),
        (TEXT, "x" * 501, publish.BadRequest),
    ],
)
def test_bad_publishes_are_refused_before_anything_is_written(kb, text, note, error):
    before = (kb.content_dir / "en/refunds/refund-time.md").read_text()
    with pytest.raises(error):
        do_publish(kb, text, base=1, note=note)
    assert (kb.content_dir / "en/refunds/refund-time.md").read_text() == before
    assert len(store.history(kb.db, "refund-time", "en")) == 1


def test_failure_between_write_and_rename_leaves_the_old_file(kb, monkeypatch):
    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(publish.WriteFailed, match="No space left"):
        do_publish(kb, TEXT.replace("Five days.", "Three days."), base=1)
    monkeypatch.undo()
    assert (kb.content_dir / "en/refunds/refund-time.md").read_text().endswith("Five days.\n")
    assert not list(kb.content_dir.rglob("*.tmp"))
    assert len(store.history(kb.db, "refund-time", "en")) == 1
    assert do_publish(kb, TEXT.replace("Five days.", "Three days."), base=1).revision.revision == 2


def test_full_disk_on_write_is_a_clear_error(kb, monkeypatch):
    real_open = open

    def full(path, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise OSError(28, "No space left on device")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", full)
    with pytest.raises(publish.WriteFailed) as info:
        do_publish(kb, TEXT.replace("Five days.", "Three days."), base=1)
    assert info.value.status == 507
    monkeypatch.undo()
    assert kb.engine.article("refund-time", "en").summary_text == "Five days."


def test_failed_index_update_rolls_the_publish_back(kb, monkeypatch):
    monkeypatch.setattr(
        kb.index, "update", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("killed"))
    )
    with pytest.raises(RuntimeError):
        do_publish(kb, TEXT.replace("Five days.", "Three days."), base=1)
    monkeypatch.undo()
    # the revision commits last, so file, history and index are all still revision 1
    assert (kb.content_dir / "en/refunds/refund-time.md").read_text().endswith("Five days.\n")
    assert [r.revision for r in store.history(kb.db, "refund-time", "en")] == [1]
    assert kb.engine.article("refund-time", "en").revision == 1
    assert kb.startup().touched == []


def test_index_lagging_the_history_is_repaired_at_startup(kb):
    # e.g. an index folder restored from an old backup: the history is ahead of it
    text = TEXT.replace("Five days.", "Three days.")
    (kb.content_dir / "en/refunds/refund-time.md").write_text(text)
    publish.record_external_changes(kb.content_dir, kb.db)
    assert kb.engine.article("refund-time", "en").revision == 1  # the index lags
    kb.startup()  # a restart
    entry = kb.engine.article("refund-time", "en")
    assert (entry.revision, entry.summary_text) == (2, "Three days.")


def test_a_publish_links_only_to_live_articles(kb):
    do_publish(kb, article_text("gone", "Gone?", "Was here."), base=0)
    publish.retire(
        kb.content_dir, kb.db, kb.index, article_id="gone", lang="en", author="pat", note="old"
    )
    body = (
        "See [refunds](kb:refund-time), [gone](kb:gone), [nothing](kb:nowhere) "
        "and [itself](kb:linker)."
    )
    done = do_publish(kb, article_text("linker", "Links?", body, lang="ru"), base=0)
    html = done.entry.summary_html
    hrefs = {text: href for href, text in re.findall(r'href="([^"]*)"[^>]*>([^<]*)<', html)}
    assert "gone" in done.entry.summary_text and "nothing" in done.entry.summary_text
    # no Russian version of refund-time: its English page; the retired and the
    # unknown article get no link at all; the article itself is live by now
    assert hrefs == {"refunds": "/en/articles/refund-time", "itself": "/ru/articles/linker"}


def test_category_change_moves_the_file(kb):
    do_publish(kb, TEXT.replace("category: refunds", "category: orders"), base=1)
    assert not (kb.content_dir / "en/refunds/refund-time.md").exists()
    assert (kb.content_dir / "en/orders/refund-time.md").exists()
    assert kb.startup().touched == []  # the history agrees with the files


def test_retire_removes_everywhere(kb):
    done = publish.retire(
        kb.content_dir,
        kb.db,
        kb.index,
        article_id="refund-time",
        lang="en",
        author="pat",
        note="gone",
    )
    assert done.revision.action == "retire"
    assert not (kb.content_dir / "en/refunds/refund-time.md").exists()
    with pytest.raises(publish.ArticleNotFound):
        kb.engine.article("refund-time", "en")
    with pytest.raises(publish.ArticleNotFound):
        publish.retire(
            kb.content_dir,
            kb.db,
            kb.index,
            article_id="refund-time",
            lang="en",
            author="pat",
            note="x",
        )


def _racer(content_dir: str, data_dir: str, body: str, results) -> None:
    from kb import create_app

    app = create_app({"CONTENT_DIR": content_dir, "DATA_DIR": data_dir, "SECRET_KEY": "x"})
    kb = app.extensions["kb"]
    db = kb.connect()
    try:
        publish.publish(
            kb.content_dir,
            db,
            kb.index,
            text=TEXT.replace("Five days.", body),
            base_revision=1,
            author=body,
            note="race",
        )
        results.put(("won", body))
    except publish.Conflict:
        results.put(("conflict", body))


def test_two_processes_publishing_the_same_base_exactly_one_wins(kb, tmp_path):
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_racer, args=(str(kb.content_dir), str(tmp_path / "data"), body, results)
        )
        for body in ("Two days.", "Four days.")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    outcomes = sorted(results.get(timeout=5)[0] for _ in procs)
    assert outcomes == ["conflict", "won"]
    history = store.history(kb.db, "refund-time", "en")
    assert [r.revision for r in history] == [2, 1]
    on_disk = (kb.content_dir / "en/refunds/refund-time.md").read_text()
    assert history[0].author in on_disk  # the winner's text is the file
    assert kb.engine.article("refund-time", "en").summary_text == history[0].author


def test_atomic_write_fsyncs_and_replaces(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(files.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    files.atomic_write(tmp_path / "a" / "x.md", "hello\n")
    assert (tmp_path / "a" / "x.md").read_text() == "hello\n"
    assert len(synced) == 2  # the file, then the folder
    assert [p.name for p in Path(tmp_path / "a").iterdir()] == ["x.md"]


def test_rollback_publishes_an_old_revision_as_a_new_one(kb):
    do_publish(kb, TEXT.replace("Five days.", "Three days."), base=1)
    done = publish.rollback(
        kb.content_dir,
        kb.db,
        kb.index,
        article_id="refund-time",
        lang="en",
        to_revision=1,
        base_revision=2,
        author="pat",
        note="three days was wrong",
    )
    assert (done.revision.revision, done.revision.action) == (3, "rollback")
    assert done.revision.note == "rollback to r1: three days was wrong"
    assert (
        done.revision.content_hash == store.get_revision(kb.db, "refund-time", "en", 1).content_hash
    )
    assert kb.engine.article("refund-time", "en").summary_text == "Five days."
    assert [r.revision for r in store.history(kb.db, "refund-time", "en")] == [3, 2, 1]


def test_rollback_refuses_stale_base_and_missing_revisions(kb):
    do_publish(kb, TEXT.replace("Five days.", "Three days."), base=1)
    args = dict(article_id="refund-time", lang="en", author="pat", note="undo")
    with pytest.raises(publish.Conflict):
        publish.rollback(kb.content_dir, kb.db, kb.index, to_revision=1, base_revision=1, **args)
    with pytest.raises(ArticleNotFound):
        publish.rollback(kb.content_dir, kb.db, kb.index, to_revision=9, base_revision=2, **args)
    assert kb.engine.article("refund-time", "en").revision == 2


def test_rollback_restores_a_retired_article(kb):
    publish.retire(
        kb.content_dir, kb.db, kb.index, article_id="refund-time", lang="en", author="p", note="x"
    )
    publish.rollback(
        kb.content_dir,
        kb.db,
        kb.index,
        article_id="refund-time",
        lang="en",
        to_revision=1,
        base_revision=2,
        author="pat",
        note="retired by mistake",
    )
    assert (kb.content_dir / "en/refunds/refund-time.md").exists()
    assert kb.engine.article("refund-time", "en").revision == 3


def test_verify_sets_the_next_review_date_and_records_it(kb):
    today = dt.date(2026, 1, 10)
    done = publish.verify(
        kb.content_dir,
        kb.db,
        kb.index,
        article_id="refund-time",
        lang="en",
        review_by=dt.date(2026, 7, 1),
        base_revision=1,
        author="pat",
        today=today,
    )
    assert done.revision.action == "verify"
    assert done.revision.note == "verified: still correct; next review by 2026-07-01"
    assert "review_by: 2026-07-01" in (kb.content_dir / "en/refunds/refund-time.md").read_text()
    assert kb.engine.article("refund-time", "en").review_by == "2026-07-01"
    with pytest.raises(BadRequest):
        publish.verify(
            kb.content_dir,
            kb.db,
            kb.index,
            article_id="refund-time",
            lang="en",
            review_by=today,
            base_revision=2,
            author="pat",
            today=today,
        )
