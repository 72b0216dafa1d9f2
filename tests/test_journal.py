"""The journal: batched recording across threads and processes, receipts, retention."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import multiprocessing
import threading
import time

import pytest

from kb import journal, store
from kb.errors import ArticleNotFound


def ask(ref: str, at: str | None = None, **kw) -> journal.Ask:
    fields = {
        "ref": ref,
        "at": at or journal.utc_iso(),
        "channel": "api",
        "kind": "question",
        "lang": "en",
        "query": "where is my parcel",
        "status": "answered",
        "article_id": "track-order",
        "article_lang": "en",
        "revision": 1,
        "content_hash": "abc",
        "confidence": 0.8,
        "latency_ms": 1.5,
    }
    fields.update(kw)
    return journal.Ask(**fields)


def test_recorder_writes_in_batches_and_flush_waits(tmp_path):
    recorder = journal.Recorder(tmp_path / "j.sqlite", interval=5.0)
    threads = [
        threading.Thread(target=lambda n=n: [recorder.record(ask(f"{n}-{i}")) for i in range(250)])
        for n in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorder.flush()
    db = journal.connect(tmp_path / "j.sqlite")
    assert db.execute("SELECT COUNT(*) FROM asks").fetchone()[0] == 1000
    assert recorder.written == 1000 and recorder.dropped == 0


def test_a_busy_recorder_writes_one_transaction_per_interval(tmp_path, monkeypatch):
    # answers arriving one by one must not each cost a transaction: under
    # gunicorn that took a third of a cache hit's throughput
    recorder = journal.Recorder(tmp_path / "j.sqlite", interval=1.0)
    writes = []
    real_write = journal.write

    def write(db, batch):
        # only this recorder's rows: recorders of apps made by earlier tests may still write
        mine = sum(a.ref.startswith("busy-") for a in batch)
        if mine:
            writes.append(mine)
        return real_write(db, batch)

    monkeypatch.setattr(journal, "write", write)
    for i in range(100):
        recorder.record(ask(f"busy-{i}"))
        time.sleep(0.002)  # about 0.2 s of answers, one at a time
    recorder.flush()
    assert sum(writes) == 100 and recorder.written == 100
    assert len(writes) <= 2, writes


def test_a_recorded_answer_is_written_within_the_interval_without_a_flush(tmp_path):
    path = tmp_path / "j.sqlite"
    recorder = journal.Recorder(path, interval=0.1)
    recorder.record(ask("alone"))
    db = journal.connect(path)
    deadline = time.monotonic() + 10
    while journal.get_ask(db, "alone") is None:
        assert time.monotonic() < deadline, "the queued answer was never written"
        time.sleep(0.02)
    # the row is committed a moment before the writer counts it: wait for that
    # batch to end (a flush is written after it) before reading the count
    recorder.flush()
    assert recorder.written == 1


def test_a_ref_is_fresh_only_when_made_with_this_key_moments_ago():
    key = b"k" * 32
    ref = journal.new_ref(key)
    assert len(ref) == 32 and ref != journal.new_ref(key)
    assert journal.fresh(ref, key, 10)
    assert not journal.fresh(ref, b"another key", 10)
    assert not journal.fresh(ref, key, 10, now=time.time() + 60)  # too old
    assert not journal.fresh(ref, key, 10, now=time.time() - 60)  # from the future
    tampered = ("A" if ref[0] != "A" else "B") + ref[1:]
    assert not journal.fresh(tampered, key, 10)
    for junk in (None, 5, "", "A" * 32, "é" * 32, "!" * 32, ref[:-4], ref + "AAAA"):
        assert not journal.fresh(junk, key, 10), junk


def test_refs_sort_by_the_second_they_were_made_in():
    # so the journal's index of refs takes new rows at its end (tested over five
    # minutes of seconds: their characters cross base64's out-of-order boundaries)
    key, start = b"k" * 32, 1_790_000_000
    seconds = [[journal.new_ref(key, now=start + s) for _ in range(5)] for s in range(300)]
    for earlier, later in itertools.pairwise(seconds):
        assert max(earlier) < min(later)
    assert all(journal.fresh(ref, key, 10, now=start + 299) for ref in seconds[-1])
    assert not journal.fresh(seconds[0][0], key, 10, now=start + 299)


def test_now_is_stamped_as_datetime_would_across_seconds_and_days():
    # ``utc_iso()`` makes a second's text once; each time must read as datetime writes it
    start = 1_798_761_599_000_000_000  # 2026-12-31T23:59:59Z: the next second is a new year
    steps = [0, 1, 999_999, 1_000_000, 998_999_999, 999_000_000, 999_999_999, 1_000_000_000]
    for ns in [start + step for step in steps] + [start + 86_400 * 10**9 + 123_456_789]:
        expected = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=ns // 1000)
        assert journal._now_iso(ns) == expected.isoformat(timespec="milliseconds")
    # and going back in time (a clock set back) is written as it is, not from the last second
    assert journal._now_iso(start).startswith("2026-12-31T23:59:59.000")
    stamped = dt.datetime.fromisoformat(journal.utc_iso())
    assert stamped.tzinfo is not None
    assert abs(stamped - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=60)


def _record_in_child(path, n):
    recorder = journal.Recorder(path, interval=0.05)
    for i in range(n):
        recorder.record(ask(f"child-{multiprocessing.current_process().pid}-{i}"))
    recorder.flush()


def test_several_processes_record_into_one_file(tmp_path):
    path = tmp_path / "j.sqlite"
    journal.connect(path).conn.close()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_record_in_child, args=(path, 300)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert journal.connect(path).execute("SELECT COUNT(*) FROM asks").fetchone()[0] == 1200


def test_a_full_queue_drops_and_counts_instead_of_blocking(tmp_path, monkeypatch):
    monkeypatch.setattr(journal, "MAX_PENDING", 10)
    recorder = journal.Recorder(tmp_path / "j.sqlite", interval=5.0)
    blocker = threading.Lock()
    blocker.acquire()
    real_write = journal.write
    monkeypatch.setattr(
        journal, "write", lambda db, batch: blocker.acquire() or real_write(db, batch)
    )
    for i in range(50):
        recorder.record(ask(f"r{i}"))
    assert recorder.dropped >= 39
    blocker.release()


def test_a_failing_write_is_logged_not_raised(tmp_path, monkeypatch, caplog):
    recorder = journal.Recorder(tmp_path / "j.sqlite")

    def broken(db, batch):
        raise OSError("disk full")

    monkeypatch.setattr(journal, "write", broken)
    recorder.record(ask("x"))
    recorder.flush()
    assert recorder.dropped == 1
    assert "could not write" in caplog.text


def test_receipt_gives_the_revision_text_served(tmp_path):
    jdb = journal.connect(tmp_path / "j.sqlite")
    db = store.connect(tmp_path / "kb.sqlite")
    store.migrate(db)
    store.record_revision(
        db,
        article_id="track-order",
        lang="en",
        action="publish",
        content_hash="abc",
        text="---\nid: track-order\n---\nText one.\n",
        path="en/x/track-order.md",
        author="ed",
    )
    journal.write(
        jdb,
        [
            ask("ref1"),
            ask(
                "ref2",
                status="no_answer",
                article_id=None,
                article_lang=None,
                revision=None,
                content_hash=None,
            ),
        ],
    )
    found = journal.receipt(jdb, db, "ref1")
    assert found.revision.text.endswith("Text one.\n")
    assert found.hash_matches is True
    body = found.as_json()
    assert body["served"]["revision"] == 1 and body["channel"] == "api"
    assert journal.receipt(jdb, db, "ref2").revision is None
    with pytest.raises(ArticleNotFound):
        journal.receipt(jdb, db, "nope")


def test_prune_deletes_only_what_is_older_than_the_retention(tmp_path):
    jdb = journal.connect(tmp_path / "j.sqlite")
    now = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    journal.write(
        jdb,
        [
            ask("old", at=journal.utc_iso(now - dt.timedelta(days=91))),
            ask("new", at=journal.utc_iso(now - dt.timedelta(days=89))),
        ],
    )
    done = journal.prune(jdb, 90, now=now)
    assert done["asks"] == 1
    assert journal.get_ask(jdb, "old") is None and journal.get_ask(jdb, "new") is not None
    with pytest.raises(ValueError):
        journal.prune(jdb, 0)


def test_find_asks_by_channel_and_window(tmp_path):
    jdb = journal.connect(tmp_path / "j.sqlite")
    journal.write(
        jdb,
        [
            ask("a", at="2026-03-03T10:00:00.000+00:00", channel="chat"),
            ask("b", at="2026-03-03T12:00:00.000+00:00", channel="faq"),
            ask("c", at="2026-03-04T10:00:00.000+00:00", channel="chat"),
        ],
    )
    found = journal.find_asks(
        jdb,
        channel="chat",
        since="2026-03-03T00:00:00.000+00:00",
        until="2026-03-03T23:59:59.000+00:00",
    )
    assert [a.ref for a in found] == ["a"]


def test_an_answer_served_again_is_the_same_row_under_a_new_ref_time_and_latency():
    first = ask("r1", audience="internal")
    again = journal.again(first, ref="r2", at="2026-11-24T10:00:00.000+00:00", latency_ms=0.25)
    assert again == dataclasses.replace(
        first, ref="r2", at="2026-11-24T10:00:00.000+00:00", latency_ms=0.25
    )
    assert first.ref == "r1" and again.audience == "internal"
    with pytest.raises(dataclasses.FrozenInstanceError):
        again.ref = "r3"


def test_an_asks_fields_by_name_are_what_asdict_gives():
    import dataclasses

    ask = journal.Ask(
        "ref", "2026-11-24T00:00:00Z", "api", "question", "en", "refund", "answered",
        "refund-time", "en", 3, "abc", 0.75, 1.5, audience="internal",
    )  # fmt: skip
    assert journal.as_dict(ask) == dataclasses.asdict(ask)
    assert list(journal.as_dict(ask)) == [f.name for f in dataclasses.fields(ask)]
