"""Fault injection: publishes that die at every step, damaged indexes, racing writers, full disks.

Faults are injected by patching the real functions each step calls (``open``,
``os.replace``, Whoosh's commit, SQLite's ``COMMIT``), either raising there or
blocking there while the test kills the process with SIGKILL. Afterwards the
article must be wholly old or wholly new, with file, history and index in
agreement, no leftovers, no lock held, and the next publish must work.
"""

from __future__ import annotations

import builtins
import errno
import fcntl
import gc
import hashlib
import json
import multiprocessing
import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlite_utils
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from kb import auth, content, create_app, feedback, journal, publish, store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import serve  # bench/serve.py starts the real servers

from tests.conftest import REFUND_TEXT, REPO, add_user, login, write_article
from tests.test_web_editor import form

REL = "en/refunds/refund-time.md"
NEW_TEXT = REFUND_TEXT.replace("Five days.", "Three days.")
QUESTION = "how long does a refund take"

# where a publish can die, in the order it passes them
STEPS = (
    "before_write",
    "after_temp_write",
    "after_rename",
    "before_index_commit",
    "before_sqlite_commit",
    "after_sqlite_commit",
)
# what a publish killed there leaves, once the app has started again: the revision
# commits last, so a file already renamed into place is kept as a change made
# outside the app (content/ is the truth) and one not yet renamed never happened
AFTER_KILL = {
    "before_write": "old",
    "after_temp_write": "old",
    "after_rename": "new",
    "before_index_commit": "new",
    "before_sqlite_commit": "new",
    "after_sqlite_commit": "new",
}


class Injected(RuntimeError):
    """The fault a test injects: any bug or crash at that step."""


def install_fault(mp: pytest.MonkeyPatch, step: str, fault: Callable[[], None]) -> None:
    """Call ``fault`` once, at ``step`` of the next publish, through the real functions it calls.

    Only in the thread that installs it, which publishes: the journal's writer
    thread commits to its own file through the same functions meanwhile.
    """
    state = {"renamed": False, "fired": False}
    publishing = threading.current_thread()

    def fire(at: str) -> None:
        if at == step and not state["fired"] and threading.current_thread() is publishing:
            state["fired"] = True
            fault()

    real_open, real_replace = builtins.open, os.replace
    real_seg_commit, real_execute = SegmentWriter.commit, sqlite_utils.Database.execute

    def open_(file, *args, **kwargs):
        if str(file).endswith(".tmp") and ".md." in str(file):
            fire("before_write")
        return real_open(file, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        article = str(dst).endswith(".md")
        if article:
            fire("after_temp_write")
        real_replace(src, dst, *args, **kwargs)
        if article:
            state["renamed"] = True
            fire("after_rename")

    def seg_commit(self, *args, **kwargs):
        fire("before_index_commit")
        return real_seg_commit(self, *args, **kwargs)

    def execute(self, sql, *args, **kwargs):
        ours = sql == "COMMIT" and state["renamed"]
        if ours:
            fire("before_sqlite_commit")
        result = real_execute(self, sql, *args, **kwargs)
        if ours:
            fire("after_sqlite_commit")
        return result

    mp.setattr(builtins, "open", open_)
    mp.setattr(os, "replace", replace)
    mp.setattr(SegmentWriter, "commit", seg_commit)
    mp.setattr(sqlite_utils.Database, "execute", execute)


def publish_new(kb, db=None, text: str = NEW_TEXT, base: int = 1):
    return publish.publish(
        kb.content_dir,
        db or kb.db,
        kb.index,
        text=text,
        base_revision=base,
        author="pat",
        note="faster refunds",
    )


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


OLD_FILE = sha(REFUND_TEXT)
NEW_FILE = sha(content.serialise(content.parse_article(NEW_TEXT, path=None)))


def leftovers(kb) -> list[Path]:
    """Temp files in content/ and the index folder, and index folders that are not live."""
    root = kb.data_dir / "index"
    live = (root / "CURRENT").read_text()
    found = [p for p in kb.content_dir.rglob("*") if p.name.endswith(".tmp")]
    found += [p for p in root.rglob("*") if ".tmp" in p.name or ".toc." in p.name]
    return found + [p for p in root.glob("ix-*") if p.name != live]


def assert_free_to_write(kb) -> None:
    """No lock is left behind: the index lock, Whoosh's and SQLite's are all free at once."""
    root = kb.data_dir / "index"
    locks = [root / "write.lock", *root.glob("ix-*/MAIN_WRITELOCK")]
    for lock in locks:
        fd = os.open(lock, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if anyone holds it
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    conn = sqlite3.connect(kb.db_path, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")  # "database is locked" if a transaction was left open
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    assert not Path(f"{kb.db_path}-journal").exists()


def assert_consistent(kb, client) -> str:
    """Assert file, history, index and the answer API agree; return ``old`` or ``new``."""
    on_disk = (kb.content_dir / REL).read_bytes()
    assert sha(on_disk) in {OLD_FILE, NEW_FILE}, "the file is neither version: half-written"
    article = content.parse_article(on_disk.decode(), path=REL)
    db = kb.connect()
    try:
        latest = store.latest_revision(db, "refund-time", "en")
    finally:
        db.conn.close()
    entry = kb.index.get("en:refund-time")
    assert latest.content_hash == article.content_hash
    assert (entry.revision, entry.content_hash) == (latest.revision, latest.content_hash)
    served = client.get(f"/api/v1/answer?q={QUESTION}&lang=en").get_json()["answer"]
    assert (served["revision"], served["content_hash"]) == (latest.revision, latest.content_hash)
    assert leftovers(kb) == []
    assert_free_to_write(kb)
    return "old" if sha(on_disk) == OLD_FILE else "new"


def assert_next_publish_is_served(kb, client) -> None:
    db = kb.connect()
    try:
        base = store.latest_revision(db, "refund-time", "en").revision
        done = publish_new(kb, db, REFUND_TEXT.replace("Five days.", "Two days."), base=base)
    finally:
        db.conn.close()
    served = client.get(f"/api/v1/answer?q={QUESTION}&lang=en").get_json()["answer"]
    assert (served["revision"], served["summary"]) == (done.revision.revision, "Two days.")
    assert leftovers(kb) == []


def restart(make_app):
    """Start the app again on the same folders (start-up reconciliation runs)."""
    app = make_app()
    return app.extensions["kb"], app.test_client()


# --- a publish that dies at every step -----------------------------------------------


@pytest.mark.parametrize("step", STEPS[:-1])
def test_publish_failing_at_any_step_changes_nothing(kb, make_app, monkeypatch, step):
    def fault() -> None:
        raise Injected(step)

    install_fault(monkeypatch, step, fault)
    with pytest.raises(Injected):
        publish_new(kb)
    monkeypatch.undo()
    # right away, without a restart: the failed publish was undone everywhere
    client = kb.app.test_client()
    assert assert_consistent(kb, client) == "old"
    assert [r.revision for r in store.history(kb.db, "refund-time", "en")] == [1]
    restarted, client = restart(make_app)
    assert restarted.last_reconcile.touched == []
    assert assert_consistent(restarted, client) == "old"
    assert_next_publish_is_served(restarted, client)


def _publish_and_hang(content_dir: str, data_dir: str, step: str) -> None:
    """Child process: publish with the real code, stop at ``step``, say so, and wait to be killed."""
    app = create_app({"CONTENT_DIR": content_dir, "DATA_DIR": data_dir, "SECRET_KEY": "x"})
    kb = app.extensions["kb"]
    kb.db = kb.connect()

    def hang() -> None:
        print(f"AT {step}", flush=True)
        time.sleep(120)

    with pytest.MonkeyPatch.context() as mp:
        install_fault(mp, step, hang)
        publish_new(kb)
    print("PUBLISHED", flush=True)


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().strip() if ready else ""


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS)
def test_publish_killed_at_any_step_is_wholly_old_or_new_after_restart(kb, make_app, step):
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.test_faults", str(kb.content_dir), str(kb.data_dir), step],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _read_line(proc, 60)
        if line == f"AT {step}":
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None and line != f"AT {step}":
            proc.kill()
        proc.wait(30)
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    assert line == f"AT {step}", err[-3000:]
    assert proc.returncode == -signal.SIGKILL
    restarted, client = restart(make_app)
    assert assert_consistent(restarted, client) == AFTER_KILL[step]
    assert_next_publish_is_served(restarted, client)


# Whoosh leaves files open when it fails to read a segment or to start a writer:
# its leak, not ours
WHOOSH_LEAKS = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)


# --- a full disk ---------------------------------------------------------------------


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def full_at_temp_write(mp: pytest.MonkeyPatch, kb) -> None:
    real_open = builtins.open

    def open_(file, *args, **kwargs):
        if str(file).endswith(".tmp") and ".md." in str(file):
            no_space()
        return real_open(file, *args, **kwargs)

    mp.setattr(builtins, "open", open_)


def full_at_sqlite_insert(mp: pytest.MonkeyPatch, kb) -> None:
    """A real SQLITE_FULL: connections may not grow the database file any more."""
    real_connect = store.connect

    def connect(path):
        db = real_connect(path)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    mp.setattr(store, "connect", connect)
    # requests reuse their thread's connection: start a new one, and put the
    # unlimited one back when the disk has room again
    mp.setattr(kb.app.extensions["kb"], "_local", threading.local())


def full_at_sqlite_commit(mp: pytest.MonkeyPatch, kb) -> None:
    real_execute = sqlite_utils.Database.execute

    def execute(self, sql, *args, **kwargs):
        if sql == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return real_execute(self, sql, *args, **kwargs)

    mp.setattr(sqlite_utils.Database, "execute", execute)


def full_at_index_commit(mp: pytest.MonkeyPatch, kb) -> None:
    """Whoosh cannot write its table of contents: the index commit fails half-way."""
    real_create = FileStorage.create_file

    def create_file(self, name, *args, **kwargs):
        if name.startswith("_MAIN_") and ".toc." in name:
            no_space()
        return real_create(self, name, *args, **kwargs)

    mp.setattr(FileStorage, "create_file", create_file)


def full_at_index_writer(mp: pytest.MonkeyPatch, kb) -> None:
    """Whoosh cannot create the new segment's files: the index writer fails to start."""
    real_create = FileStorage.create_file

    def create_file(self, name, *args, **kwargs):
        if name.startswith("MAIN_"):
            no_space()
        return real_create(self, name, *args, **kwargs)

    mp.setattr(FileStorage, "create_file", create_file)


FULL_DISK = {
    "temp file": (full_at_temp_write, "No space left on device"),
    "sqlite insert": (full_at_sqlite_insert, "database or disk is full"),
    "sqlite commit": (full_at_sqlite_commit, "database or disk is full"),
    "index commit": (full_at_index_commit, "No space left on device"),
    "index writer": (full_at_index_writer, "No space left on device"),
}
BIG_TEXT = REFUND_TEXT.replace("Five days.", "Three days. " + "Refunds go back to the card. " * 800)


def assert_unchanged(kb) -> None:
    client = kb.app.test_client()
    assert assert_consistent(kb, client) == "old"
    assert [r.revision for r in store.history(kb.db, "refund-time", "en")] == [1]
    assert not any(a.action.startswith("article.") for a in store.audit_entries(kb.db))


@WHOOSH_LEAKS
@pytest.mark.parametrize("where", FULL_DISK)
def test_full_disk_is_a_clear_507_from_the_api_and_nothing_is_half_written(kb, monkeypatch, where):
    token = auth.create_token(kb.db, add_user(kb.app, "pat", "publisher"), actor="test")
    client = kb.app.test_client()
    fill, message = FULL_DISK[where]
    fill(monkeypatch, kb)
    started = time.monotonic()
    r = client.put(
        "/api/v1/articles/refund-time?lang=en",
        json={"markdown": BIG_TEXT, "base_revision": 1, "note": "longer"},
        headers={"Authorization": f"Bearer {token}"},
    )
    monkeypatch.undo()
    assert r.status_code == 507, r.get_data(as_text=True)
    error = r.get_json()["error"]
    assert error["code"] == "write_failed"
    assert message in error["message"] and "Nothing was changed" in error["message"]
    assert_unchanged(kb)
    r = client.put(  # the disk has room again: the same request works, without waiting on a lock
        "/api/v1/articles/refund-time?lang=en",
        json={"markdown": BIG_TEXT, "base_revision": 1, "note": "longer"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200 and r.get_json()["revision"] == 2
    assert time.monotonic() - started < 10
    assert leftovers(kb) == []
    gc.collect()  # report Whoosh's leaked files here, under this test's filter


@WHOOSH_LEAKS
@pytest.mark.parametrize("where", ["temp file", "sqlite commit", "index commit"])
def test_full_disk_in_the_web_editor_keeps_the_text_and_says_why(kb, monkeypatch, where):
    add_user(kb.app, "pat", "publisher")
    client = kb.app.test_client()
    assert login(client, "pat").status_code == 302
    data = form(client, body="Three days, from 1 March.", note="new window", action="publish")
    assert data["csrf_token"]
    fill, message = FULL_DISK[where]
    fill(monkeypatch, kb)
    r = client.post("/editor/en/refund-time", data=data)
    monkeypatch.undo()
    html = r.get_data(as_text=True)
    assert r.status_code == 507
    assert message in html and "Nothing was changed" in html
    assert "Three days, from 1 March." in html  # the editor's text is still in the form
    assert_unchanged(kb)
    gc.collect()


# --- two processes writing to SQLite at once ---------------------------------------

WRITES = 200


def _write_many(data_dir: str, name: str, start, results) -> None:
    """Child process: record WRITES answers, votes on them and audit rows, as the app does."""
    kb_db = store.connect(Path(data_dir) / "kb.sqlite")
    journal_db = journal.connect(Path(data_dir) / "journal.sqlite")
    locked = other = 0
    start.wait(60)  # a barrier: both processes start writing at the same moment
    for i in range(WRITES):
        ref = f"{name}-{i}"
        ask = journal.Ask(
            ref=ref,
            at=journal.utc_iso(),
            channel="api",
            kind="question",
            lang="en",
            query=QUESTION,
            status="answered",
            article_id="refund-time",
            article_lang="en",
            revision=1,
            content_hash="h",
            confidence=1.0,
            latency_ms=1.0,
        )
        try:
            journal.write(journal_db, [ask])
            feedback.vote(journal_db, ref=ref, helpful=i % 2 == 0, client=ref)
            with store.immediate(kb_db):
                store.audit(kb_db, actor=name, action="article.publish", target=ref)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                locked += 1
            else:
                other += 1
    results.put((name, locked, other))


@pytest.mark.slow
def test_two_processes_writing_at_once_never_see_database_is_locked(kb):
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_write_many, args=(str(kb.data_dir), name, start, results))
        for name in ("one", "two")
    ]
    for proc in procs:
        proc.start()
    outcomes = sorted(results.get(timeout=120) for _ in procs)
    for proc in procs:
        proc.join(30)
    assert outcomes == [("one", 0, 0), ("two", 0, 0)]
    journal_db = journal.connect(kb.journal_path)
    try:
        asks = journal_db.execute("SELECT COUNT(*) FROM asks").fetchone()[0]
        votes = journal_db.execute(
            "SELECT COUNT(*), SUM(helpful) FROM feedback WHERE kind = 'vote'"
        ).fetchone()
    finally:
        journal_db.conn.close()
    audits = kb.db.execute(
        "SELECT actor, COUNT(*) FROM audit WHERE action = 'article.publish' GROUP BY actor"
    ).fetchall()
    assert asks == 2 * WRITES
    assert votes == (2 * WRITES, WRITES)  # every other vote was "helpful"
    assert sorted(audits) == [("one", WRITES), ("two", WRITES)]


# --- a damaged index --------------------------------------------------------------------

ARTICLES = {
    "refund-time": ("How long does a refund take?", "Five days.", "how long does a refund take"),
    "cancel-order": ("Can I cancel my order?", "Yes, until it ships.", "can I cancel my order"),
    "gift-wrap": ("Do you gift wrap parcels?", "Yes, for 3 EUR.", "do you gift wrap parcels"),
}


def write_articles(content_dir: Path) -> None:
    for article_id, (title, body, _) in ARTICLES.items():
        write_article(content_dir, article_id, title, body)


def damage_index(root: Path, how: str) -> None:
    """Damage the live index the way a disk, a person or a bad copy might."""
    folder = root / (root / "CURRENT").read_text()
    segments = sorted(folder.glob("*.seg"))
    assert segments, "the index has no segment files to damage"
    if how == "truncate segments":
        for seg in segments:
            os.truncate(seg, seg.stat().st_size // 3)
    elif how == "garble segments":  # in place, same size: what an open reader maps
        for seg in segments:
            with open(seg, "r+b") as fh:
                fh.write(random.Random(7).randbytes(seg.stat().st_size))
    elif how == "garble toc":
        for toc in folder.glob("_MAIN_*.toc"):
            with open(toc, "r+b") as fh:
                fh.write(random.Random(7).randbytes(toc.stat().st_size))
    elif how == "delete folder":
        shutil.rmtree(folder)
    elif how == "delete CURRENT":
        (root / "CURRENT").unlink()
    elif how == "garble CURRENT":
        (root / "CURRENT").write_bytes(b"\xff\xfe../\x00garbage")
    else:
        raise AssertionError(how)


def ask(client, question: str) -> tuple[int, str | None]:
    r = client.get("/api/v1/answer", query_string={"q": question, "lang": "en"})
    body = r.get_json()
    return r.status_code, (body.get("answer") or {}).get("id")


def assert_every_answer_right(client, rounds: int = 2, typed: int = 0) -> None:
    """Ask every question as asked before (a worker may send its kept response again,
    reading nothing from the index) and as typed another way, with ``typed`` + 1 or
    more question marks (no response kept: the answer reads the index, and finds any
    damage: a kept response's epoch is read without checking the index's files)."""
    for n in range(rounds):
        for article_id, (_, _, question) in ARTICLES.items():
            assert ask(client, question) == (200, article_id)
            assert ask(client, question + "?" * (typed + n + 1)) == (200, article_id)


# truncating a segment an open searcher maps would kill this very process if the
# check failed (SIGBUS): the gunicorn test below does that to its workers instead
DAMAGE_WHILE_SERVING = [
    "garble segments",
    "garble toc",
    "delete folder",
    "delete CURRENT",
    "garble CURRENT",
]


@WHOOSH_LEAKS
@pytest.mark.parametrize("how", DAMAGE_WHILE_SERVING)
def test_index_damaged_while_serving_is_rebuilt_into_a_new_folder(
    make_app, content_dir, caplog, how
):
    write_articles(content_dir)
    app = make_app()
    client = app.test_client()
    root = app.extensions["kb"].data_dir / "index"
    assert_every_answer_right(client, rounds=1)  # this thread's searcher is open
    before = (root / "CURRENT").read_text()
    damage_index(root, how)
    assert_every_answer_right(client, typed=1)  # not as typed before the damage
    after = (root / "CURRENT").read_text()
    if how != "garble toc":  # an open searcher has read the TOC already: no harm done
        assert after != before and (root / after).is_dir()
        assert sorted(p.name for p in root.glob("ix-*")) == [after]
        assert "rebuilding" in caplog.text
    gc.collect()


@WHOOSH_LEAKS
@pytest.mark.parametrize("how", ["truncate segments", *DAMAGE_WHILE_SERVING])
def test_index_damaged_while_stopped_is_rebuilt_at_start(make_app, content_dir, caplog, how):
    write_articles(content_dir)
    first = make_app()
    root = first.extensions["kb"].data_dir / "index"
    before = (root / "CURRENT").read_text()
    damage_index(root, how)
    client = make_app().test_client()  # a new worker, or a restart
    assert_every_answer_right(client)
    after = (root / "CURRENT").read_text()
    assert after != before and sorted(p.name for p in root.glob("ix-*")) == [after]
    assert "rebuilding" in caplog.text
    gc.collect()  # report Whoosh's leaked file here, under this test's filter


@pytest.mark.slow
def test_gunicorn_workers_keep_answering_while_the_index_is_damaged(tmp_path):
    if not (serve.BIN / "gunicorn").exists():
        pytest.skip("gunicorn is not installed (pip install -e '.[test]')")
    write_articles(tmp_path / "content")
    env = serve.kb_env(tmp_path / "content", tmp_path / "data")
    root = tmp_path / "data" / "index"
    damages = ["truncate segments", "garble segments", "delete folder", "garble CURRENT"]
    with serve.gunicorn(
        env, workers=2, log_dir=tmp_path / "logs", ready_path="/api/v1/openapi.json", timeout=60
    ) as server:
        workers = sorted(server.worker_pids())
        for d, how in enumerate(damages):
            for _ in range(4):  # enough to reach both workers: each has its searcher open
                for article_id, (_, _, question) in ARTICLES.items():
                    assert http_ask(server.base, question) == (200, article_id)
            before = (root / "CURRENT").read_text()
            damage_index(root, how)
            for n in range(4):
                for article_id, (_, _, question) in ARTICLES.items():
                    assert http_ask(server.base, question) == (200, article_id), how
                    # typed another way: no worker kept a response to it, so the
                    # answer reads the index (a kept response reads nothing from it)
                    typed = question + "?" * (4 * d + n + 1)
                    assert http_ask(server.base, typed) == (200, article_id), how
            after = (root / "CURRENT").read_text()
            assert after != before and sorted(p.name for p in root.glob("ix-*")) == [after]
        assert sorted(server.worker_pids()) == workers  # no worker died (SIGBUS) on the way
        log = server.log.read_text()
    assert log.count("rebuilding") >= len(damages), log[-3000:]


def http_ask(base: str, question: str) -> tuple[int, str | None]:
    status, _, text = serve.http(
        f"{base}/api/v1/answer?" + urlencode({"q": question, "lang": "en"})
    )
    return status, (json.loads(text).get("answer") or {}).get("id") if status == 200 else None


if __name__ == "__main__":  # the child of the test above
    _publish_and_hang(*sys.argv[1:4])
