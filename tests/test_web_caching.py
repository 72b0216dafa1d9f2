"""ETags, 304s and Cache-Control on public pages and API responses (``kb.web.caching``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import threading
import time
from types import SimpleNamespace

import pytest

from kb import journal, publish
from kb.web import caching
from tests.conftest import REFUND_TEXT, add_user, login, write_article

SHARED = "public, max-age=0, s-maxage=1"


@pytest.fixture
def app(make_app, content_dir):
    write_article(
        content_dir, "refund-time", "How long does a refund take?", "Five days.", category="refunds"
    )
    return make_app()


def republish(app, body: str = "Seven days.") -> None:
    kb = app.extensions["kb"]
    db = kb.connect()
    try:
        publish.publish(
            kb.content_dir,
            db,
            kb.index,
            text=REFUND_TEXT.replace("Five days.", body),
            base_revision=1,
            author="ed",
            note="longer",
        )
    finally:
        db.conn.close()


def stored(app) -> list[tuple[str, str]]:
    """Return the (epoch, name) of every page in the node's page store, read as another process."""
    path = caching.page_store(app).path
    if not path.exists():
        return []
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT epoch, name FROM pages ORDER BY epoch, name").fetchall()


def tamper(app, name: str, head: object, body: object) -> None:
    """Overwrite a stored page's head and body, as another process (or a bug) could."""
    path = caching.page_store(app).path
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("UPDATE pages SET head = ?, body = ? WHERE name = ?", (head, body, name))


def forget_pages(app) -> None:
    """Empty this worker's in-memory pages, so the next request reads the PageStore."""
    app.extensions["kb_pages"].data.clear()
    app.extensions["kb_front"].pages.clear()


PAGES = ["/en/", "/en/categories/refunds", "/en/articles/refund-time"]
API = ["/api/v1/articles/refund-time?lang=en", "/api/v1/openapi.json"]


@pytest.mark.parametrize("url", PAGES + API)
def test_public_responses_carry_an_etag_and_revalidate(app, url):
    client = app.test_client()
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == SHARED
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == SHARED
    # any other ETag gets the full response
    assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200


@pytest.mark.parametrize("url", PAGES + API[:1])
def test_a_publish_changes_every_etag_at_once(app, url):
    client = app.test_client()
    etag = client.get(url).headers["ETag"]
    republish(app)
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    if "articles" in url:
        assert "Seven days" in response.get_data(as_text=True)


def test_two_workers_on_one_data_dir_agree_on_etags(make_app, app):
    other = make_app()  # a second process over the same data directory
    url = "/en/articles/refund-time"
    etag = app.test_client().get(url).headers["ETag"]
    assert other.test_client().get(url, headers={"If-None-Match": etag}).status_code == 304
    republish(app)
    assert other.test_client().get(url, headers={"If-None-Match": etag}).status_code == 200


def test_language_negotiated_responses_vary_on_accept_language(app):
    client = app.test_client()
    response = client.get("/api/v1/articles/refund-time")
    assert "Accept-Language" in response.headers["Vary"]
    english = response.headers["ETag"]
    other = client.get("/api/v1/articles/refund-time", headers={"Accept-Language": "ru"})
    assert other.headers.get("ETag") != english


def test_errors_are_not_stored(app):
    response = app.test_client().get("/en/articles/nope")
    assert response.status_code == 404
    assert "ETag" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/api/v1/answer?q=refund&lang=en", "/en/search?q=refund"])
def test_recorded_questions_are_never_stored(app, url):
    """Each of these mints its own ref (a receipt): a cache must not hand it to someone else."""
    response = app.test_client().get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_without_recording_answers_are_shared_cacheable(make_app, content_dir):
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    client = make_app(RECORD_QUESTIONS=False).test_client()
    first = client.get("/api/v1/answer?q=refund&lang=en")
    assert first.headers["Cache-Control"] == SHARED
    again = client.get(
        "/api/v1/answer?q=refund&lang=en", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert client.get("/api/v1/answer?q=refunds&lang=en").headers["ETag"] != first.headers["ETag"]


def test_pages_for_signed_in_people_are_private(app):
    add_user(app, "ed", "editor")
    client = app.test_client()
    assert login(client, "ed", next_url="/en/").status_code == 302
    response = client.get("/en/articles/refund-time")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


def test_shared_cache_lifetime_is_a_setting(make_app, content_dir):
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    client = make_app(SHARED_CACHE_SECONDS=5).test_client()
    assert client.get("/en/").headers["Cache-Control"] == "public, max-age=0, s-maxage=5"


def test_a_vote_on_an_older_revision_of_a_cached_page_counts_for_that_revision(app):
    republish(app)  # the reader's page (from a cache) still showed revision 1
    client = app.test_client()
    response = client.post(
        "/en/feedback", data={"article": "refund-time", "revision": "1", "helpful": "yes"}
    )
    assert response.status_code == 200
    journal = app.extensions["kb"].connect_journal()
    (ref,) = journal.execute("SELECT ref FROM feedback").fetchone()
    assert journal.execute("SELECT revision FROM feedback").fetchone() == (1,)
    app.extensions["kb"].recorder.flush()
    revision, content_hash = journal.execute(
        "SELECT revision, content_hash FROM asks WHERE ref = ?", [ref]
    ).fetchone()
    db = app.extensions["kb"].connect()
    expected = db.execute(
        "SELECT content_hash FROM revisions WHERE article_id = 'refund-time' AND revision = 1"
    ).fetchone()[0]
    assert (revision, content_hash) == (1, expected)


def test_a_worker_renders_a_public_page_once_per_generation(app, monkeypatch):
    from kb.web import faq

    calls = []
    real = faq.render_template
    monkeypatch.setattr(faq, "render_template", lambda *a, **k: calls.append(a) or real(*a, **k))
    client = app.test_client()
    first = client.get("/en/articles/refund-time")
    second = client.get("/en/articles/refund-time")
    assert first.get_data() == second.get_data() and len(calls) == 1
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["ETag"] == first.headers["ETag"]
    republish(app)
    third = client.get("/en/articles/refund-time")
    assert len(calls) == 2 and "Seven days" in third.get_data(as_text=True)


def test_workers_of_a_node_share_rendered_pages(make_app, app, monkeypatch):
    from kb.web import faq

    other = make_app()  # a second worker over the same data directory
    calls = []
    real = faq.render_template
    monkeypatch.setattr(faq, "render_template", lambda *a, **k: calls.append(a) or real(*a, **k))
    url = "/en/articles/refund-time"
    first = app.test_client().get(url)
    second = other.test_client().get(url)
    assert len(calls) == 1  # rendered by the first worker only
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    # free text in the URL is never stored on disk (the set of pages stays bounded)
    app.test_client().get("/api/v1/articles/refund-time?lang=en")
    assert len(stored(app)) == 1


def test_the_epoch_changes_at_midnight_and_reads_the_date_once_a_day(monkeypatch):
    # articles past their review date are withheld from a day on: pages kept the
    # day before must not be sent after midnight
    asked = []

    class Date(dt.date):
        @classmethod
        def today(cls):
            asked.append(clock[0])
            return Date.fromtimestamp(clock[0])

    midnight = dt.datetime(2026, 11, 25).timestamp()  # local time, as date.today() is
    clock = [midnight - 10]
    shim = SimpleNamespace(date=Date, datetime=dt.datetime, timedelta=dt.timedelta, time=dt.time)
    monkeypatch.setattr(caching, "dt", shim)
    monkeypatch.setattr(caching, "time", SimpleNamespace(time=lambda: clock[0]))
    monkeypatch.setattr(caching, "_day", (0.0, ""))
    before = caching.epoch_of("fingerprint", "ix:3")
    clock[0] = midnight - 0.001
    assert caching.epoch_of("fingerprint", "ix:3") == before
    assert len(asked) == 1  # the date was read once
    clock[0] = midnight
    after = caching.epoch_of("fingerprint", "ix:3")
    assert after != before and len(asked) == 2
    assert caching.epoch_of("fingerprint", "ix:4") not in (before, after)


def test_a_publish_starts_a_new_epoch_and_old_ones_are_removed(app, monkeypatch):
    from kb.web import caching

    client = app.test_client()
    client.get("/en/articles/refund-time")
    ((before, _),) = stored(app)
    monkeypatch.setattr(caching, "RETIRE_AFTER", -1.0)  # no grace, to see the removal now
    republish(app)
    response = client.get("/en/articles/refund-time")
    assert "Seven days" in response.get_data(as_text=True)
    deadline = time.monotonic() + 5  # the old epoch is removed off the request, by a thread
    while len({epoch for epoch, _ in stored(app)}) > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    ((after, _),) = stored(app)
    assert after != before


def test_an_epoch_written_to_recently_is_kept_for_a_lagging_worker(app):
    client = app.test_client()
    client.get("/en/articles/refund-time")
    republish(app)
    client.get("/en/articles/refund-time")
    time.sleep(0.2)  # the thread that retires old epochs has run
    assert len({epoch for epoch, _ in stored(app)}) == 2  # the old one was written a moment ago


def test_a_page_store_that_cannot_write_or_read_only_means_rendering(app, monkeypatch):
    real = caching._open_pages

    class Full:
        def __init__(self, db):
            self.db = db

        def execute(self, sql, *args):
            if sql.startswith(("INSERT", "UPDATE")):
                raise sqlite3.OperationalError("database or disk is full")
            return self.db.execute(sql, *args)

    monkeypatch.setattr(caching, "_open_pages", lambda *args, **kwargs: Full(real(*args, **kwargs)))
    client = app.test_client()
    for _ in range(2):
        response = client.get("/en/articles/refund-time")
        assert response.status_code == 200 and "Five days" in response.get_data(as_text=True)
    assert stored(app) == []
    monkeypatch.undo()
    forget_pages(app)
    caching.page_store(app)._local.conn = None
    client.get("/en/articles/refund-time")
    ((_, name),) = stored(app)
    tamper(app, name, "text/html; charset=utf-8", "a body stored as text, not bytes")
    forget_pages(app)
    response = client.get("/en/articles/refund-time")
    assert response.status_code == 200 and "Five days" in response.get_data(as_text=True)
    # a file that is not a database at all
    caching.page_store(app).path.write_bytes(b"garbage" * 1000)
    caching.page_store(app)._local.conn = None
    forget_pages(app)
    response = client.get("/en/articles/refund-time")
    assert response.status_code == 200 and "Five days" in response.get_data(as_text=True)


class Now:
    """A thread that runs its target when started, in the caller."""

    def __init__(self, target, args=(), daemon=None):
        self.target, self.args = target, args

    def start(self) -> None:
        self.target(*self.args)


def test_a_page_store_keeps_pages_per_epoch_and_retires_old_epochs(tmp_path, monkeypatch):
    monkeypatch.setattr(caching.threading, "Thread", Now)  # retire at once, not in a thread
    store = caching.PageStore(tmp_path)
    other = caching.PageStore(tmp_path)  # another worker
    assert store.get("e1", "a") is None
    store.put("e1", "a", b"body a", "head a")
    store.put("e1", "a", b"body a2", "head a2")  # the same page again: replaced
    assert other.get("e1", "a") == (b"body a2", "head a2")
    assert other.get("e2", "a") is None
    other.put("e2", "b", b"\x00\xffbody", "")
    assert store.get("e2", "b") == (b"\x00\xffbody", "")
    store.retire("e2")  # e1 was written a moment ago: kept for a worker that lags
    assert store.get("e1", "a") == (b"body a2", "head a2")
    monkeypatch.setattr(caching, "RETIRE_AFTER", -1.0)
    monkeypatch.setattr(caching, "_RETIRE", caching._RETIRE.replace("256", "2"))
    for n in range(5):  # removed in several small transactions
        store.put("e1", f"page {n}", b"x", "h")
    store.retire("e2")
    assert store.get("e1", "a") is None and store.get("e1", "page 4") is None
    assert store.get("e2", "b") == (b"\x00\xffbody", "")
    (tmp_path / "pages").mkdir()  # the layout this store replaced goes too
    (tmp_path / "pages" / "old-epoch").mkdir()
    store.retire("e2")
    assert not (tmp_path / "pages").exists()


def test_a_page_store_whose_file_was_removed_starts_a_new_one(tmp_path, monkeypatch):
    monkeypatch.setattr(caching.threading, "Thread", Now)
    store = caching.PageStore(tmp_path)
    store.put("e1", "a", b"body a", "head")
    for path in tmp_path.iterdir():  # someone clears the data folder
        path.unlink()
    store.put("e2", "b", b"body b", "head")  # a new epoch: the file is looked at again
    assert caching.PageStore(tmp_path).get("e2", "b") == (b"body b", "head")  # another worker
    assert store.get("e1", "a") is None


def test_a_page_store_is_not_synced_and_lives_for_one_boot_of_the_machine(tmp_path, monkeypatch):
    # an operating system crash can damage a file SQLite never syncs, and changes the boot id
    monkeypatch.setattr(caching.threading, "Thread", Now)  # retire at once, not in a thread
    monkeypatch.setattr(caching, "_BOOT", "firstboot")
    first = caching.PageStore(tmp_path)
    first.put("e1", "a", b"body", "head")
    assert first.path.name == "pages-firstboot.sqlite" and not first.durable
    assert first._db().execute("PRAGMA synchronous").fetchone() == (0,)  # OFF
    monkeypatch.setattr(caching, "_BOOT", "secondboot")
    second = caching.PageStore(tmp_path)
    assert second.get("e1", "a") is None
    second.put("e2", "a", b"body", "head")
    second.retire("e2")
    # the first boot's file, log and shared memory are gone
    assert {p.name.partition(".")[0] for p in tmp_path.iterdir()} == {"pages-secondboot"}
    assert second.get("e2", "a") == (b"body", "head")
    monkeypatch.setattr(caching, "_BOOT", None)  # unknown: one file, synced at checkpoints
    durable = caching.PageStore(tmp_path)
    durable.put("e3", "a", b"body", "head")
    assert durable.path.name == "pages.sqlite" and durable.durable
    assert durable._db().execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    assert caching._boot_id() is None or caching._boot_id().isalnum()


def test_a_page_store_write_that_meets_a_lock_retries_briefly_then_gives_up(tmp_path, monkeypatch):
    store = caching.PageStore(tmp_path)
    store.put("e1", "a", b"a", "h")
    connection = store._db()
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another worker holds the write lock
    pauses = []
    monkeypatch.setattr(caching.time, "sleep", pauses.append)
    started = time.monotonic()
    store.put("e1", "b", b"b", "h")  # neither raises nor waits on SQLite's busy handler
    # (which would wait its timeout at each try: a quarter of a second or more)
    assert time.monotonic() - started < 0.2
    assert pauses == list(caching._PAUSES) and sum(pauses) < 0.001
    holder.execute("ROLLBACK")
    assert store.get("e1", "b") is None  # not shared, that is all
    assert store._db() is connection  # a busy file keeps its connection
    pauses.clear()
    store.put("e1", "b", b"b", "h")
    assert pauses == [] and store.get("e1", "b") == (b"b", "h")
    holder.close()


def test_a_page_store_checkpoints_its_file_off_the_request(tmp_path, monkeypatch):
    # SQLite's own checkpoints would fsync in the request that happens to write the
    # 1,000th page of the log; here a thread does it after every CHECKPOINT_EVERY writes
    monkeypatch.setattr(caching, "CHECKPOINT_EVERY", 3)
    store = caching.PageStore(tmp_path)
    path = store.path
    started = []
    real = threading.Thread

    def thread(*args, **kwargs):
        started.append((kwargs["target"], real(*args, **kwargs)))
        return started[-1][1]

    def finish() -> list:
        for _, each in started:
            each.join(5)
        targets = [target for target, _ in started]
        started.clear()
        return targets

    monkeypatch.setattr(caching.threading, "Thread", thread)
    store.put("e1", "a", b"x" * 20_000, "h")
    assert finish() == [store.retire]  # the first write in an epoch retires the others
    size = path.stat().st_size
    store.put("e1", "b", b"y" * 20_000, "h")
    assert finish() == [] and path.stat().st_size == size  # only in the write-ahead log
    store.put("e1", "c", b"z" * 20_000, "h")
    assert finish() == [store.checkpoint]
    assert path.stat().st_size >= size + 40_000  # copied into the file
    assert caching.PageStore(tmp_path).get("e1", "c") == (b"z" * 20_000, "h")


def reached_flask(app, monkeypatch) -> list[str]:
    """Record the paths of the requests that reach Flask (the front cache did not answer)."""
    from flask import request

    paths: list[str] = []
    real = app.full_dispatch_request
    monkeypatch.setattr(app, "full_dispatch_request", lambda: paths.append(request.path) or real())
    return paths


def test_the_front_cache_sends_a_kept_response_again_without_flask(app, monkeypatch):
    paths = reached_flask(app, monkeypatch)
    client = app.test_client()
    url = "/en/articles/refund-time"
    first = client.get(url)
    second = client.get(url)
    assert paths == [url]
    assert second.get_data() == first.get_data() and "Five days" in second.get_data(as_text=True)
    assert sorted(second.headers.items()) == sorted(first.headers.items())  # security headers too
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": f'W/"other", {etag}'})
    assert again.status_code == 304 and again.get_data() == b"" and paths == [url]
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == SHARED
    assert again.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Type" not in again.headers
    assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_the_front_cache_keys_on_all_a_page_may_depend_on(app, monkeypatch):
    paths = reached_flask(app, monkeypatch)
    client = app.test_client()
    url = "/api/v1/articles/refund-time"
    variants = [
        {},
        {"Accept-Language": "en-GB"},
        {"Host": "kb.example.org"},
        {"X-Forwarded-Proto": "https"},
        {"Accept": "text/html"},
    ]
    for headers in variants:
        assert client.get(url, headers=headers).status_code == 200
    client.get(url + "?lang=en")
    assert len(paths) == len(variants) + 1  # each a new key
    for headers in variants:
        client.get(url, headers=headers)
    assert len(paths) == len(variants) + 1  # each kept under its own key


def test_a_publish_retires_what_the_front_cache_kept(app, monkeypatch):
    paths = reached_flask(app, monkeypatch)
    client = app.test_client()
    url = "/en/articles/refund-time"
    etag = client.get(url).headers["ETag"]
    republish(app)
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and "Seven days" in response.get_data(as_text=True)
    assert paths == [url, url]


@pytest.mark.parametrize("how", ["session cookie", "token", "head", "error"])
def test_what_the_front_cache_never_answers(app, monkeypatch, how):
    add_user(app, "ed", "editor")
    client = app.test_client()
    url, headers, method = "/en/articles/refund-time", {}, "GET"
    if how == "session cookie":
        assert login(client, "ed", next_url="/en/").status_code == 302
    elif how == "token":
        headers = {"Authorization": "Bearer not-a-token"}
    elif how == "head":
        method = "HEAD"
    else:
        url = "/en/articles/nope"
    paths = reached_flask(app, monkeypatch)
    responses = [client.open(url, method=method, headers=headers) for _ in range(2)]
    assert len(paths) == 2
    if how == "session cookie":
        assert responses[1].headers["Cache-Control"] == "private, no-store"


def receipts(app, *refs: str) -> list[dict]:
    """Return the journal's receipts of ``refs`` (after writing what is queued)."""
    kb = app.extensions["kb"]
    kb.recorder.flush()
    journal_db, db = kb.connect_journal(), kb.connect()
    try:
        return [journal.receipt(journal_db, db, ref).as_json() for ref in refs]
    finally:
        journal_db.conn.close()
        db.conn.close()


def ref_of(response) -> str:
    if response.is_json:
        return response.get_json()["ref"]
    return re.search(r'name="ref" value="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("url", ["/api/v1/answer?q=refund&lang=en", "/en/search?q=refund"])
def test_the_front_cache_sends_a_recorded_answer_again_as_a_new_event(app, monkeypatch, url):
    """Each answer keeps its own ref and journal row, whether Flask or the front cache sent it."""
    paths = reached_flask(app, monkeypatch)
    client = app.test_client()
    first, second, third = (client.get(url) for _ in range(3))
    assert paths == [url.partition("?")[0]]
    refs = [ref_of(r) for r in (first, second, third)]
    assert len(set(refs)) == 3 and all(len(ref) == len(refs[0]) for ref in refs)
    body = first.get_data().replace(refs[0].encode(), b"REF")
    for again, ref in zip((second, third), refs[1:], strict=True):
        assert again.get_data().replace(ref.encode(), b"REF") == body
        assert sorted(again.headers.items()) == sorted(first.headers.items())
    assert first.headers["Cache-Control"] == "no-store" and "ETag" not in first.headers
    rows = receipts(app, *refs)
    assert [r["ref"] for r in rows] == refs
    served = {(r["channel"], r["question"], r["status"], r["confidence"]) for r in rows}
    assert len(served) == 1
    assert {
        (r["served"]["id"], r["served"]["revision"], r["served"]["hash_matches"]) for r in rows
    } == {("refund-time", 1, True)}
    assert rows[0]["at"] <= rows[1]["at"] <= rows[2]["at"]  # each row is its own request's
    vote = client.post("/api/v1/feedback", json={"ref": refs[2], "helpful": True})
    assert vote.status_code == 201 and vote.get_json()["revision"] == 1


def test_a_publish_retires_recorded_answers_the_front_cache_kept(app, monkeypatch):
    paths = reached_flask(app, monkeypatch)
    client = app.test_client()
    url = "/api/v1/answer?q=refund&lang=en"
    before = client.get(url).get_json()
    republish(app)
    after = client.get(url).get_json()
    assert len(paths) == 2
    assert (before["answer"]["revision"], after["answer"]["revision"]) == (1, 2)
    assert "Seven days" in after["answer"]["html"]
    assert receipts(app, after["ref"])[0]["served"]["revision"] == 2


def test_an_answer_cut_short_by_the_time_limit_is_never_sent_again(
    make_app, content_dir, monkeypatch
):
    for n in range(150):
        write_article(content_dir, f"refund-{n}", f"Refund question {n}", "Refunds take days.")
    app = make_app(SEARCH_TIME_LIMIT=0.0)
    paths = reached_flask(app, monkeypatch)
    client = app.test_client()
    url = "/api/v1/answer?q=refund&lang=en"
    refs = {client.get(url).get_json()["ref"] for _ in range(2)}
    assert len(paths) == 2 and len(refs) == 2


def test_the_front_cache_keeps_bodies_within_its_byte_budget(app, monkeypatch):
    front = app.extensions["kb_front"]
    client = app.test_client()
    page = client.get("/en/articles/refund-time").get_data()
    front.pages.clear()
    front.pages.budget = len(page) + 10  # room for one page
    urls = ["/en/articles/refund-time", "/en/categories/refunds"]
    for url in urls:
        client.get(url)
    assert len(front.pages.data) == 1 and front.pages.held <= front.pages.budget
    paths = reached_flask(app, monkeypatch)
    client.get(urls[1])
    assert paths == []  # the last one is kept
    client.get(urls[0])
    assert paths == [urls[0]]  # the first one made room for it


def shared_answers(app) -> list[str]:
    return [name for _, name in stored(app) if name.startswith("answer-")]


@pytest.mark.parametrize("url", ["/api/v1/answer?q=refund&lang=en", "/en/search?q=refund"])
def test_workers_of_a_node_share_recorded_answers(make_app, app, monkeypatch, url):
    """A question one worker answered is replayed by another without searching again."""
    other = make_app()  # a second worker over the same data directory
    here, there = reached_flask(app, monkeypatch), reached_flask(other, monkeypatch)
    first = app.test_client().get(url)
    second, third = (other.test_client().get(url) for _ in range(2))
    assert here == [url.partition("?")[0]] and there == []
    refs = [ref_of(r) for r in (first, second, third)]
    assert len(set(refs)) == 3
    body = first.get_data().replace(refs[0].encode(), b"REF")
    for again, ref in zip((second, third), refs[1:], strict=True):
        assert again.get_data().replace(ref.encode(), b"REF") == body
        assert sorted(again.headers.items()) == sorted(first.headers.items())
    other.extensions["kb"].recorder.flush()
    rows = receipts(app, *refs)
    assert [r["ref"] for r in rows] == refs
    assert {(r["channel"], r["question"], r["served"]["revision"]) for r in rows} == {
        (rows[0]["channel"], rows[0]["question"], 1)
    }
    assert len(shared_answers(app)) == 1


def test_answers_read_from_the_store_share_their_repeated_strings(make_app, app):
    """Each answer another worker shared keeps one copy of the header lines and journal
    fields answers have in common, not its own (the front cache keeps 1,024 of them)."""
    other = make_app()
    urls = [f"/api/v1/answer?q={q}&lang=en" for q in ("refund", "refund+time", "refund+days")]
    for url in urls:
        app.test_client().get(url)
    assert len(shared_answers(app)) == 3
    for url in urls:
        assert other.test_client().get(url).status_code == 200
    kept = [k for k in other.extensions["kb_front"].pages.data.values() if k.ask is not None]
    assert len(kept) == 3
    first, *others = kept
    for one in others:
        same = [a for a, b in zip(first.headers, one.headers, strict=True) if a == b]
        assert same and all(line in one.headers for line in same)
        assert all(any(line is mine for mine in one.headers) for line in same)
        for name in ("channel", "kind", "lang", "audience"):  # the same in all three
            assert getattr(one.ask, name) is getattr(first.ask, name)
        assert one.ask.ref != first.ask.ref and one.ask.query != first.ask.query


def test_the_header_lines_remembered_are_bounded(monkeypatch):
    monkeypatch.setattr(caching, "_LINES", {})
    monkeypatch.setattr(caching, "_LINES_KEPT", 2)
    first = caching._one_copy("Content-Length", 10)
    assert first == ("Content-Length", "10")
    assert caching._one_copy("Content-Length", "10") is first
    for n in range(11, 20):
        assert caching._one_copy("Content-Length", n) == ("Content-Length", str(n))
        assert len(caching._LINES) <= 2


def test_a_publish_retires_answers_the_workers_share(make_app, app, monkeypatch):
    other = make_app()
    there = reached_flask(other, monkeypatch)
    url = "/api/v1/answer?q=refund&lang=en"
    assert app.test_client().get(url).get_json()["answer"]["revision"] == 1
    republish(app)
    after = other.test_client().get(url).get_json()
    assert there == ["/api/v1/answer"] and after["answer"]["revision"] == 2


def test_each_worker_shares_a_bounded_number_of_answers_per_epoch(make_app, app, monkeypatch):
    from kb.web import caching

    monkeypatch.setattr(caching, "SHARED_ANSWERS", 2)
    client = app.test_client()
    for q in ("refund", "refund+time", "refund+days"):
        assert client.get(f"/api/v1/answer?q={q}&lang=en").status_code == 200
    assert len(shared_answers(app)) == 2  # the third one is kept by this worker only
    republish(app)  # a new epoch: sharing starts again
    client.get("/api/v1/answer?q=refund+days&lang=en")
    assert len(shared_answers(app)) == 3


@pytest.mark.parametrize(
    ("head", "body"),
    [
        ("", b""),
        ("{not json", b"body"),
        ('{"ask": 1}', b"body"),
        ("[]", b"body"),
        ('{"headers": null}', b""),
        (b"{}", "head and body of the wrong types"),
    ],
)
def test_a_torn_or_foreign_shared_answer_only_means_searching(
    make_app, app, monkeypatch, head, body
):
    other = make_app()
    url = "/api/v1/answer?q=refund&lang=en"
    app.test_client().get(url)
    (name,) = shared_answers(app)
    tamper(app, name, head, body)
    there = reached_flask(other, monkeypatch)
    response = other.test_client().get(url)
    assert response.status_code == 200 and response.get_json()["status"] == "answered"
    assert there == ["/api/v1/answer"]


def test_a_shared_answer_with_a_foreign_row_only_means_searching(make_app, app, monkeypatch):
    import json

    other = make_app()
    url = "/api/v1/answer?q=refund&lang=en"
    app.test_client().get(url)
    (name,) = shared_answers(app)
    store = caching.page_store(app)
    ((epoch, _),) = stored(app)
    body, head = store.get(epoch, name)
    meta = json.loads(head)
    meta["ask"]["not_a_field"] = 1
    tamper(app, name, json.dumps(meta), body)
    there = reached_flask(other, monkeypatch)
    assert other.test_client().get(url).status_code == 200 and there == ["/api/v1/answer"]


def test_answers_are_not_shared_without_recording_or_past_the_size_limit(
    make_app, content_dir, app, monkeypatch
):
    from kb.web import caching

    quiet = make_app(RECORD_QUESTIONS=False)
    quiet.test_client().get("/api/v1/answer?q=refund&lang=en")
    assert shared_answers(quiet) == []  # nothing about a question is written down
    monkeypatch.setattr(caching, "SHARED_ANSWER_BYTES", 100)
    app.test_client().get("/api/v1/answer?q=refund+time&lang=en")
    assert shared_answers(app) == []
