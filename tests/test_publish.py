"""Reconciling content/ with history and index: external edits, deletions, bad files, races."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3

from kb import publish, store
from tests.conftest import write_article


def kb_of(app):
    return app.extensions["kb"]


def revisions(app, key="en:refund-time"):
    db = kb_of(app).connect()
    try:
        lang, article_id = key.split(":")
        return [(r.revision, r.action, r.author) for r in store.history(db, article_id, lang)]
    finally:
        db.conn.close()


def test_first_start_records_every_file_as_revision_one(make_app, content_dir):
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    app = make_app()
    assert revisions(app) == [(1, "external", "external")]
    entry = kb_of(app).engine.article("refund-time", "en")
    assert entry.revision == 1
    assert entry.path == "en/general/refund-time.md"


def test_restart_without_changes_records_nothing(make_app, content_dir):
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    make_app()
    app = make_app()
    assert revisions(app) == [(1, "external", "external")]


def test_external_edit_becomes_a_revision_and_is_served(make_app, content_dir):
    path = write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    app = make_app()
    path.write_text(path.read_text().replace("Five days.", "Three days."))
    report = kb_of(app).startup()
    assert report.changed == ["en:refund-time"]
    assert revisions(app)[0] == (2, "external", "external")
    entry = kb_of(app).engine.article("refund-time", "en")
    assert (entry.revision, entry.summary_text) == (2, "Three days.")


def test_formatting_only_change_is_not_a_new_revision(make_app, content_dir):
    path = write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    app = make_app()
    path.write_text(path.read_text().replace("\n", "\r\n"))
    assert kb_of(app).startup().touched == []


def test_deleted_file_is_retired_and_leaves_every_channel(make_app, content_dir):
    path = write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    write_article(content_dir, "other", "Other question?", "Other answer.")
    app = make_app()
    path.unlink()
    report = kb_of(app).startup()
    assert report.retired == ["en:refund-time"]
    assert revisions(app)[0][1] == "retire"
    client = app.test_client()
    assert client.get("/en/articles/refund-time").status_code == 404
    body = client.get("/api/v1/answer?q=how+long+does+a+refund+take&lang=en").get_json()
    assert body["answer"] is None or body["answer"]["id"] != "refund-time"
    # and it comes back as a new revision when the file returns
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    assert kb_of(app).startup().added == ["en:refund-time"]
    assert revisions(app)[0][:2] == (3, "external")


def test_a_restart_parses_only_the_files_whose_text_changed(make_app, content_dir, monkeypatch):
    import kb.content

    for n in range(5):
        write_article(content_dir, f"a{n}", f"Question {n}?", f"Answer {n}.")
    app = make_app()
    edited = content_dir / "en" / "general" / "a3.md"
    edited.write_text(edited.read_text().replace("Answer 3.", "New answer 3."))
    parsed = []
    parse = kb.content.parse_article

    def counting(text, *, path=None):
        parsed.append(path)
        return parse(text, path=path)

    monkeypatch.setattr(kb.content, "parse_article", counting)
    report = kb_of(app).startup()
    assert report.changed == ["en:a3"]
    assert set(parsed) == {"en/general/a3.md"}  # read from the file, then from its revision
    assert kb_of(app).engine.article("a3", "en").summary_text == "New answer 3."


def test_an_unchanged_file_is_recorded_again_when_the_history_lost_it(make_app, content_dir):
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    app = make_app()
    db = kb_of(app).connect()
    try:  # a history rewound past the file (say, restored from an older backup)
        store.record_revision(
            db, article_id="refund-time", lang="en", action="retire", author="x", path=None
        )
        db.conn.commit()
    finally:
        db.conn.close()
    assert kb_of(app).startup().added == ["en:refund-time"]
    assert revisions(app)[0][:2] == (3, "external")
    assert kb_of(app).engine.article("refund-time", "en").summary_text == "Five days."


def test_broken_edit_keeps_serving_the_last_good_revision(make_app, content_dir):
    path = write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    app = make_app()
    path.write_text("---\nid: refund-time\ntitle: [unclosed\n---\nBroken.\n")
    report = kb_of(app).startup()
    assert report.problems and report.problems[0].path == "en/general/refund-time.md"
    assert report.touched == []
    assert kb_of(app).engine.article("refund-time", "en").summary_text == "Five days."


def test_bad_file_never_takes_the_site_down(make_app, content_dir):
    write_article(content_dir, "good", "A good question?", "A good answer.")
    (content_dir / "en" / "general" / "bad.md").write_text("no front matter at all")
    (content_dir / "en" / "general" / "binary.md").write_bytes(b"\xff\xfe\x00garbage")
    app = make_app()
    assert app.test_client().get("/en/articles/good").status_code == 200


def test_index_rebuilt_from_history_when_deleted(make_app, content_dir):
    import shutil

    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    app = make_app()
    shutil.rmtree(kb_of(app).index.root)
    assert kb_of(app).engine.article("refund-time", "en").summary_text == "Five days."


def test_the_receipt_hash_is_the_one_the_history_recorded(make_app, content_dir):
    from kb.content import parse_article

    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    app = make_app()
    kb = kb_of(app)
    db = kb.connect()
    try:
        (rev,) = store.history(db, "refund-time", "en")
        publish.rebuild(kb.index, db)
    finally:
        db.conn.close()
    assert kb.engine.article("refund-time", "en").content_hash == rev.content_hash
    # an entry shows the hash of the revision it was made from, not one worked out again
    article = parse_article(rev.text, path=rev.path)
    other = dataclasses.replace(rev, content_hash="f" * 64)
    entry = publish.make_entry(article, other, keys=set(), source_lang="en")
    assert entry.content_hash == "f" * 64
    # an unrecorded revision (``kb check``) has none: the article's own is used
    unrecorded = dataclasses.replace(rev, content_hash=None)
    entry = publish.make_entry(article, unrecorded, keys=set(), source_lang="en")
    assert entry.content_hash == article.content_hash == rev.content_hash


def _start(content_dir: str, data_dir: str) -> None:
    from kb import create_app

    create_app({"CONTENT_DIR": content_dir, "DATA_DIR": data_dir, "SECRET_KEY": "x"})


def test_workers_starting_together_record_each_change_once(tmp_path, content_dir):
    for n in range(20):
        write_article(content_dir, f"article-{n}", f"Question number {n}?", f"Answer {n}.")
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_start, args=(str(content_dir), str(tmp_path / "data")))
        for _ in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    conn = sqlite3.connect(tmp_path / "data" / "kb.sqlite")
    assert conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT article_id) FROM revisions"
    ).fetchone() == (20, 20)
    conn.close()


def test_a_rebuild_skips_a_recorded_revision_that_no_longer_parses(make_app, content_dir, caplog):
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    write_article(content_dir, "lost-card", "I lost my card", "Block it in the app.")
    kb = kb_of(make_app())
    db = kb.connect()
    try:
        db.execute("UPDATE revisions SET text = 'no front matter' WHERE article_id = 'lost-card'")
        db.conn.commit()
        assert publish.rebuild(kb.index, db) == 1
    finally:
        db.conn.close()
    assert "recorded revision en:lost-card r1 no longer parses" in caplog.text
    assert kb.index.get("en:lost-card") is None
    assert kb.index.get("en:refund-time").summary_text == "Five days."


def test_a_rebuild_numbers_documents_by_language_then_article(make_app, content_dir):
    path = write_article(content_dir, "a-refund", "How long does a refund take?", "Five days.")
    write_article(content_dir, "b-card", "I lost my card", "Block it in the app.")
    write_article(content_dir, "a-refund", "Возврат", "Пять дней.", lang="ru")
    kb = kb_of(make_app())
    # an edit records a newer revision of the article that sorts first: the
    # history now lists it last, a rebuild must not
    path.write_text(path.read_text().replace("Five days.", "Three days."))
    assert kb.startup().changed == ["en:a-refund"]
    db = kb.connect()
    try:
        assert publish.rebuild(kb.index, db) == 3
    finally:
        db.conn.close()
    keys = [stored["key"] for stored in kb.index.searcher().all_stored_fields()]
    assert keys == ["en:a-refund", "en:b-card", "ru:a-refund"]
