"""The Whoosh index: build, incremental update, stale searchers, rebuild, locks, time limits."""

from __future__ import annotations

import csv
import dataclasses
import fcntl
import gc
import os
import subprocess
import sys
import time

import pytest

from kb import lang as langs
from kb.errors import IndexUnavailable
from kb.index import COORDINATION, FIELD_BOOSTS, Entry, SearchIndex, phrase_terms
from tests.conftest import SAMPLE_CONTENT, sample_app_in


def entry(
    article_id: str = "a",
    *,
    revision: int = 1,
    title: str = "How do refunds work?",
    lang: str = "en",
    **kw,
):
    text = kw.pop("text", f"Refunds take five days. Revision {revision}.")
    return Entry(
        id=article_id,
        lang=lang,
        title=title,
        questions=kw.pop("questions", ()),
        category="general",
        tags=(),
        audience=kw.pop("audience", "public"),
        review_by=None,
        revision=revision,
        content_hash=f"hash-{revision}",
        updated_at="2026-01-01T00:00:00+00:00",
        summary_html=f"<p>{text}</p>",
        summary_text=text,
        detail_html="",
    )


def titles_matching(index: SearchIndex, word: str) -> list[tuple[str, int]]:
    return [(h.load().id, h.load().revision) for h in index.search("en", [word], public_only=False)]


def test_build_and_read(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    assert index.build([entry("a"), entry("b", title="Where is my parcel?")]) == 2
    assert index.doc_count() == 2
    assert index.get("en:a").title == "How do refunds work?"
    assert index.get("en:zzz") is None
    assert [e.id for e in index.entries(lang="en")] == ["a", "b"]


def test_look_ups_skip_replaced_and_deleted_articles_in_every_segment(tmp_path):
    # get and entries read the term table and postings, not a query: deleted
    # documents of older segments must stay out, and unknown terms find nothing
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a"), entry("b"), entry("a", lang="ru")])
    index.update([entry("a", revision=2)])
    index.update(delete_keys=["en:b"])
    assert len(index.segments()) > 1
    assert index.get("en:a").revision == 2 and index.get("en:b") is None
    assert sorted((e.lang, e.revision) for e in index.entries(id="a")) == [("en", 2), ("ru", 1)]
    assert index.entries(id="b") == [] and index.entries(id="nope") == []
    assert [e.id for e in index.entries(lang="en")] == ["a"]
    assert index.entries(lang="en", id="a")[0].revision == 2  # two terms: the query path


def test_update_serves_only_the_new_revision_in_the_same_thread(tmp_path):
    """whoosh-reloaded's Searcher.refresh() keeps the replaced document; we reopen instead."""
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a", revision=1)])
    assert titles_matching(index, "refund") == [("a", 1)]  # opens this thread's searcher
    index.update([entry("a", revision=2)])
    assert titles_matching(index, "refund") == [("a", 2)]
    assert index.get("en:a").revision == 2
    index.update([entry("a", revision=3)])
    assert titles_matching(index, "refund") == [("a", 3)]


def test_a_word_known_missing_is_found_once_an_update_adds_it(tmp_path):
    """Missing terms are remembered per segment; the segment an update writes is new."""
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a")])
    assert titles_matching(index, "parcel") == []  # remembered as missing in the first segment
    index.update([entry("b", title="Where is my parcel?")])
    assert titles_matching(index, "parcel") == [("b", 1)]


def test_the_list_of_missing_terms_is_bounded(tmp_path):
    from kb.index import PostingCache

    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a")])
    reader = index.searcher().reader()
    cache = PostingCache(100, absent=3)
    assert cache.has(reader, "title_en", b"refund")
    assert not any(cache.has(reader, "title_en", w) for w in (b"w1", b"w2", b"w3", b"w4"))
    assert len(cache._absent) == 3
    assert cache.has(reader, "title_en", b"refund")  # what is there is never in the list


def postings_by_key(index: SearchIndex) -> dict[tuple[str, bytes, str], float]:
    """Every live document's postings, by field, term and article key (not document number)."""
    out = {}
    for sub, _ in index.searcher().leaf_searchers():
        reader = sub.reader()
        keys = {d: reader.stored_fields(d)["key"] for d in reader.all_doc_ids()}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            while matcher.is_active():
                if matcher.id() in keys:
                    out[fieldname, text, keys[matcher.id()]] = matcher.weight()
                matcher.next()
    return out


def test_publishes_merge_segments_into_what_a_build_indexes(tmp_path):
    words = ["refund", "parcel", "card", "password", "address", "invoice", "gift", "delivery"]
    versions = {}
    merged = SearchIndex(tmp_path / "merged")
    merged.build([entry("base", title="Base article")])
    for n in range(200):  # 90 articles, most published again soon, some much later
        article_id = f"a{n % 90 if n % 3 else n % 20}"
        text = f"About {words[n % 8]} and {words[(n * 3) % 8]}: change number {n}."
        versions[article_id] = entry(
            article_id, revision=n + 1, title=f"{words[n % 8]}?", text=text
        )
        merged.update([versions[article_id]])
    segments = len(list(merged.searcher().leaf_searchers()))
    assert 1 < segments < 20  # 200 commits of a segment each, merged as they came
    built = SearchIndex(tmp_path / "built")
    built.build([entry("base", title="Base article"), *versions.values()])
    assert postings_by_key(merged) == postings_by_key(built)


def segment_count(index: SearchIndex) -> int:
    return len(index.segments())


def publish_until_a_merge_is_due(index: SearchIndex, start: int = 0) -> int:
    """Update different articles until a merge is due; return how many were updated."""
    n = start
    while not index.merge_pending():
        index.update([entry(f"p{n}", revision=n + 1, title=f"Parcel {n}?")])
        n += 1
        assert n < start + 50, "Whoosh's MERGE_SMALL never chose segments to merge"
    return n


def in_background_not_started(tmp_path, monkeypatch) -> tuple[SearchIndex, list[int]]:
    """An index that merges in the background, whose merging process is never started."""
    started = []
    index = SearchIndex(tmp_path / "ix", merge_in_background=True)
    monkeypatch.setattr(index, "_start_merging_process", lambda: started.append(1))
    index.build([entry("base", title="Base article")])
    return index, started


def test_a_merge_keeps_the_replacements_and_deletions_made_while_it_wrote(tmp_path, monkeypatch):
    index, _ = in_background_not_started(tmp_path, monkeypatch)
    count = publish_until_a_merge_is_due(index)
    versions = {f"p{n}": entry(f"p{n}", revision=n + 1, title=f"Parcel {n}?") for n in range(count)}
    plan = index._merge_plan()
    chosen = {s.segid for s in plan.chosen}
    assert len(chosen) >= 2
    index._merge_write(plan)
    # meanwhile (outside the write lock): a publish replaces one merged article,
    # another is retired, and a new one is added
    versions["p0"] = entry("p0", revision=100, title="Parcel zero, revised?")
    index.update([versions["p0"], entry("new", title="A new parcel?")], delete_keys=["en:p1"])
    del versions["p1"]
    assert index._merge_swap(plan)
    assert not chosen & index.segments()  # replaced by the merged segment
    assert index.get("en:p0").revision == 100
    assert index.get("en:p1") is None
    assert titles_matching(index, "zero") == [("p0", 100)]
    assert index.doc_count() == len(versions) + 2
    built = SearchIndex(tmp_path / "built")
    built.build(
        [
            entry("base", title="Base article"),
            *versions.values(),
            entry("new", title="A new parcel?"),
        ]
    )
    assert postings_by_key(index) == postings_by_key(built)


@pytest.mark.parametrize("when", ["after writing", "while reading the old folder"])
def test_a_merge_is_dropped_when_the_index_is_rebuilt_meanwhile(tmp_path, monkeypatch, when):
    index, _ = in_background_not_started(tmp_path, monkeypatch)
    publish_until_a_merge_is_due(index)
    write = SearchIndex._merge_write

    def rebuilt_meanwhile(self, plan):
        if when == "after writing":
            write(self, plan)
        self.build([entry("rebuilt", title="Rebuilt")])
        if when != "after writing":
            raise FileNotFoundError("a segment file of the removed folder")

    monkeypatch.setattr(SearchIndex, "_merge_write", rebuilt_meanwhile)
    assert index.merge() is False
    assert [e.id for e in index.entries(lang="en")] == ["rebuilt"]
    assert not list((tmp_path / "ix").glob("merge-*"))


def test_a_merge_is_dropped_when_its_segments_were_merged_by_another_writer(tmp_path, monkeypatch):
    """E.g. a worker still running an older version, whose publishes merged in Whoosh's commit."""
    index, _ = in_background_not_started(tmp_path, monkeypatch)
    count = publish_until_a_merge_is_due(index)
    plan = index._merge_plan()
    index._merge_write(plan)
    with index.write_lock():
        index._open_index().writer().commit(optimize=True)
    assert segment_count(index) == 1
    assert index._merge_swap(plan) is False
    assert segment_count(index) == 1
    assert index.doc_count() == count + 1


def test_a_merge_chooses_and_writes_while_a_publish_holds_the_write_lock(tmp_path, monkeypatch):
    index, _ = in_background_not_started(tmp_path, monkeypatch)
    publish_until_a_merge_is_due(index)
    fd = os.open(tmp_path / "ix" / "write.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a publish in progress
        plan = index._merge_plan()
        index._merge_write(plan)
    finally:
        os.close(fd)
    assert index._merge_swap(plan)
    assert not index.merge_pending()


def test_only_one_merge_runs_at_a_time(tmp_path, monkeypatch):
    index, _ = in_background_not_started(tmp_path, monkeypatch)
    publish_until_a_merge_is_due(index)
    before = index.segments()
    fd = os.open(tmp_path / "ix" / "merge.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another merge runs
        assert index.merge() is False
        assert index.segments() == before
    finally:
        os.close(fd)
    assert index.merge() is True
    assert not index.merge_pending()
    assert segment_count(index) < len(before)


def test_a_killed_merges_folder_is_removed_unless_a_merge_is_writing_it(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a")])
    leftover = tmp_path / "ix" / "merge-0123456789abcdef0123456789abcdef.tmp"
    leftover.mkdir()
    (leftover / "_MAIN_x.seg").write_bytes(b"half a segment")
    fd = os.open(tmp_path / "ix" / "merge.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with index.write_lock():
            index.remove_leftovers()
        assert leftover.exists()
    finally:
        os.close(fd)
    with index.write_lock():
        index.remove_leftovers()
    assert not leftover.exists()
    assert index.get("en:a") is not None


def settled(index: SearchIndex, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while index.merge_pending() or list(index.root.glob("merge-*")):
        assert time.monotonic() < deadline, "no process merged the segments"
        time.sleep(0.1)


def test_a_publish_leaves_the_merge_to_a_process_that_stays_for_the_next_ones(
    tmp_path, monkeypatch
):
    import kb.index

    monkeypatch.setattr(kb.index, "MERGE_LINGER", 10.0)
    index = SearchIndex(tmp_path / "ix", merge_in_background=True)
    started = []
    start = index._start_merging_process
    monkeypatch.setattr(index, "_start_merging_process", lambda: started.append(start()))
    index.build([entry("base", title="Base article")])
    count = publish_until_a_merge_is_due(index)
    settled(index)
    assert len(started) == 1
    assert segment_count(index) < count + 1
    for n in range(count, count + 12):  # more publishes while the process waits for them
        index.update([entry(f"p{n}", revision=n + 1, title=f"Parcel {n}?")])
    settled(index)
    assert len(started) == 1  # the same process merged them
    assert segment_count(index) < 12
    assert index.doc_count() == count + 13
    assert all(index.get(f"en:p{n}").revision == n + 1 for n in range(count + 12))


def test_crowded_segments_are_merged_by_the_publish_itself(tmp_path, monkeypatch):
    from kb.index import SEGMENTS_CROWDED

    index, started = in_background_not_started(tmp_path, monkeypatch)
    most = 0
    for n in range(SEGMENTS_CROWDED + 10):
        index.update([entry(f"p{n}", revision=n + 1, title=f"Parcel {n}?")])
        most = max(most, segment_count(index))
    assert started  # each due merge was left to a process that never came
    assert most == SEGMENTS_CROWDED  # the publish that made one more merged them at once
    assert segment_count(index) < SEGMENTS_CROWDED


def test_a_publish_merges_itself_when_no_process_can_start(tmp_path, monkeypatch, caplog):
    index = SearchIndex(tmp_path / "ix", merge_in_background=True)

    def cannot_start():
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(index, "_start_merging_process", cannot_start)
    index.build([entry("base", title="Base article")])
    count = 0
    while "could not start a process to merge" not in caplog.text:
        assert not index.merge_pending()
        index.update([entry(f"p{count}", revision=1, title=f"Parcel {count}?")])
        count += 1
        assert count < 50
    assert not index.merge_pending()  # the publish merged them itself
    assert segment_count(index) < count + 1


def test_a_failed_merge_leaves_the_publish_that_made_it_due(tmp_path, monkeypatch, caplog):
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("base", title="Base article")])

    def fails(self, plan):
        plan.folder.mkdir()
        raise RuntimeError("disk full")

    monkeypatch.setattr(SearchIndex, "_merge_write", fails)
    count = 0
    while "merging the segments of the search index failed" not in caplog.text:
        index.update([entry(f"p{count}", revision=1, title=f"Parcel {count}?")])
        count += 1
        assert count < 50
    assert index.get(f"en:p{count - 1}") is not None
    assert index.merge_pending()
    assert not list((tmp_path / "ix").glob("merge-*"))


def test_update_seen_by_another_process(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a", revision=1)])
    assert index.get("en:a").revision == 1
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
        "from kb.index import SearchIndex; from tests.test_index import entry;"
        "SearchIndex(Path(sys.argv[1])).update([entry('a', revision=7)])"
    )
    root = os.path.dirname(os.path.dirname(__file__))
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "ix"), root], check=True)
    assert index.get("en:a").revision == 7


def test_a_settled_index_is_checked_by_its_folder_time_and_still_sees_updates(tmp_path):
    """Once the folder's time is old enough to trust, a request skips Whoosh's listing
    of the folder; a commit by another writer changes that time and is seen at once."""
    index, writer = SearchIndex(tmp_path / "ix"), SearchIndex(tmp_path / "ix")
    index.build([entry("a", revision=1)])
    assert index.get("en:a").revision == 1
    folder = tmp_path / "ix" / index._local.name
    assert index._local.settled is None  # just written: its time is not trusted yet
    old = time.time() - 5
    os.utime(folder, (old, old))
    assert index.get("en:a").revision == 1
    assert index._local.settled == folder.stat().st_mtime_ns  # trusted from now on
    writer.update([entry("a", revision=2)])  # like another worker's publish
    assert index.get("en:a").revision == 2
    assert titles_matching(index, "refund") == [("a", 2)]


def test_a_commit_under_way_is_not_taken_for_damage(tmp_path):
    """A commit writes its new segment's files beside the open generation's, and they
    change before its table of contents makes that generation stale."""

    def rebuild(ix: SearchIndex) -> None:
        raise AssertionError("a commit under way was taken for damage")

    index = SearchIndex(tmp_path / "ix", rebuild=rebuild)
    index.build([entry("a")])
    folder = tmp_path / "ix" / (tmp_path / "ix" / "CURRENT").read_text()
    half = folder / "MAIN_0123456789abcdef.trm"
    half.write_bytes(b"")  # a writer has just created it
    first = index.searcher()
    half.write_bytes(b"postings")  # and goes on writing it
    assert index.searcher() is first
    half.unlink()  # assembled into its segment's compound file
    assert index.searcher() is first


@pytest.mark.slow
def test_readers_never_rebuild_while_publishes_and_merges_commit(tmp_path):
    """Two reader processes check the index before every search while a writer
    publishes without a pause and a merging process commits too."""
    code = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from kb.index import SearchIndex

def rebuild(ix):
    sys.exit("a reader took a commit for damage")

index, searches = SearchIndex(Path(sys.argv[1]), rebuild=rebuild), 0
end = time.monotonic() + float(sys.argv[3])
while time.monotonic() < end:
    index.search("en", ["parcel"], public_only=False)
    searches += 1
print(searches)
"""
    index = SearchIndex(tmp_path / "ix", merge_in_background=True)
    index.build([entry(f"p{n}", title=f"Parcel {n}?") for n in range(200)])
    root = os.path.dirname(os.path.dirname(__file__))
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "ix"), root, "6"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    n, end = 0, time.monotonic() + 6
    while time.monotonic() < end:
        index.update([entry(f"p{n % 200}", revision=n + 2, title=f"Parcel {n}?")])
        n += 1
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err
        assert int(out) > 20  # searched (a busy CI machine still manages hundreds)
    assert n > 20  # committed: 50 or more even while the whole suite runs beside it
    settled(index)


def test_delete_and_generation(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a"), entry("b")])
    before = index.generation()
    index.update(delete_keys=["en:a"])
    assert index.get("en:a") is None
    assert index.generation() != before


def test_rebuild_swaps_folders_and_removes_the_old_one(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a")])
    first = (tmp_path / "ix" / "CURRENT").read_text()
    index.get("en:a")
    index.build([entry("b")])
    second = (tmp_path / "ix" / "CURRENT").read_text()
    assert first != second
    assert not (tmp_path / "ix" / first).exists()
    assert index.get("en:a") is None  # the open searcher noticed the swap
    assert index.get("en:b") is not None


# Whoosh leaves the corrupt TOC file open when it fails to read it; that is its leak, not ours
@pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)
@pytest.mark.parametrize("damage", ["delete", "garbage", "pointer"])
def test_missing_or_corrupt_index_is_rebuilt(tmp_path, damage, caplog):
    calls = []

    def rebuild(ix: SearchIndex) -> None:
        calls.append(1)
        ix.build([entry("a", revision=9)])

    index = SearchIndex(tmp_path / "ix", rebuild=rebuild)
    index.build([entry("a", revision=1)])
    folder = tmp_path / "ix" / (tmp_path / "ix" / "CURRENT").read_text()
    if damage == "delete":
        import shutil

        shutil.rmtree(folder)
    elif damage == "garbage":
        for toc in folder.glob("_MAIN_*.toc"):
            toc.write_bytes(b"\x00garbage")
    else:
        (tmp_path / "ix" / "CURRENT").write_text("ix-does-not-exist")
    fresh = SearchIndex(tmp_path / "ix", rebuild=rebuild)  # a new worker
    assert fresh.get("en:a").revision == 9
    assert calls == [1]
    assert "rebuilding" in caplog.text
    gc.collect()  # report Whoosh's leaked file here, under this test's filter


def test_no_index_and_no_rebuild_is_unavailable(tmp_path):
    with pytest.raises(IndexUnavailable):
        SearchIndex(tmp_path / "ix").searcher()


def test_write_lock_times_out_while_another_process_holds_it(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a")])
    fd = os.open(tmp_path / "ix" / "write.lock", os.O_RDWR)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl,sys,time; fcntl.flock(int(sys.argv[1]), fcntl.LOCK_EX); time.sleep(30)",
            str(fd),
        ],
        pass_fds=(fd,),
    )
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # wait until the child holds it
            try:
                probe = os.open(tmp_path / "ix" / "write.lock", os.O_RDWR)
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(probe, fcntl.LOCK_UN)
                os.close(probe)
                time.sleep(0.05)
            except BlockingIOError:
                os.close(probe)
                break
        with pytest.raises(IndexUnavailable), index.write_lock(timeout=0.3):
            pass
    finally:
        holder.kill()
        holder.wait()
        os.close(fd)
    # the OS released the dead holder's lock: no orphan lock blocks the next writer
    index.update([entry("a", revision=2)])
    assert index.get("en:a").revision == 2


def test_time_limit_returns_partial_results_without_error(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.build(entry(f"a{n}", title=f"refund {n}") for n in range(300))
    hits = index.search("en", ["refund"], public_only=True, limit=10, time_limit=0.0)
    assert len(hits) <= 10  # cut short, no exception
    assert hits.complete is False
    hits = index.search("en", ["refund"], public_only=True, limit=10, time_limit=5.0)
    assert hits.complete
    assert len(hits) == 10


def test_public_only_masks_internal_entries(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("pub"), entry("int", audience="internal")])
    assert {h.load().id for h in index.search("en", ["refund"], public_only=True)} == {"pub"}
    assert {h.load().id for h in index.search("en", ["refund"], public_only=False)} == {
        "pub",
        "int",
    }


def test_prefix_field_matches_partial_words(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a", title="Cancel my order"), entry("b", title="Track a parcel")])
    hits = index.search("en", [], prefix_word="canc", public_only=True)
    assert [h.load().id for h in hits] == ["a"]


def whoosh_ranking(
    index: SearchIndex, code: str, words: list[str], prefix: str | None, public_only: bool
):
    """The reference: Whoosh's own BM25F matchers for the same query, stepped document by document.

    The coordination bonus is applied here with the formula of Whoosh's
    ``CoordMatcher._sqr``, over the terms present in the whole index, because
    Whoosh's own ``CoordMatcher`` cannot serve as a reference: it counts the
    terms of each segment, its collector shrinks that count as posting lists
    run out, and its matching-term count is zero for leaves created without a
    term (as on this index), so an article's score would depend on where and
    how it is stored.
    """
    from whoosh.query import Or, Term

    leaves = [
        Term(f"{name}_{code}", word, boost=boost)
        for word in dict.fromkeys(words)
        for name, boost in FIELD_BOOSTS.items()
    ]
    if prefix:
        leaves.append(Term(f"prefix_{code}", prefix, boost=1.0))
    if not leaves:
        return []
    groups = len(dict.fromkeys(words)) + bool(prefix)
    searcher = index.searcher()
    present = [leaf for leaf in leaves if (leaf.fieldname, leaf.text.encode()) in searcher.reader()]
    internal = set(searcher.docs_for_query(Term("audience", "internal")))
    found = []
    for sub, offset in searcher.leaf_searchers():
        segment = sub.reader().segment().segid
        matched: dict[int, set] = {}
        for leaf in present:
            if (leaf.fieldname, leaf.text.encode()) in sub.reader():
                for d in sub.reader().postings(leaf.fieldname, leaf.text).all_ids():
                    matched.setdefault(d, set()).add((leaf.fieldname, leaf.text))
        matcher = Or(leaves).matcher(sub, sub.context())  # deleted documents are filtered out
        while matcher.is_active():
            d, score = matcher.id(), matcher.score()
            if groups > 1:  # CoordMatcher._sqr(score, matching), scale COORDINATION
                n = len(present)
                score = (score + (len(matched[d]) - 1) / (n - COORDINATION) ** 2) * ((n - 1) / n)
            if not (public_only and offset + d in internal):
                found.append((score, -(offset + d), frozenset(matched[d]), (segment, d)))
            matcher.next()
    found.sort(reverse=True, key=lambda item: item[:2])
    return [(key, score, terms) for score, _, terms, key in found[:50]]


def test_search_scores_as_whoosh_does_on_every_sample_question(tmp_path):
    """The one-loop ranking equals Whoosh's BM25F with coordination: order, scores, matched terms.

    On every title, alternate question and test question of the sample content,
    typed in part too (prefix search), for customers and agents, before and after
    an update that leaves deleted documents in the index's first segment.
    """
    app = sample_app_in(tmp_path)
    kb = app.extensions["kb"]
    index = kb.index
    entries = index.entries()
    queries = []
    for e in entries:
        for text in (e.title, *e.questions):
            words = langs.terms(text, e.lang) or langs.terms(text, e.lang, keep_stopwords=True)
            queries.append((e.lang, words, None))
            typed = langs.fold(langs.normalise(text.split()[-1], e.lang), e.lang)[:4]
            queries.append((e.lang, words[:-1], typed or None))
    with open(SAMPLE_CONTENT / "_tests" / "en.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            queries.append(("en", langs.terms(row["question"], "en"), None))
    queries = queries[::3]  # every third keeps every language and kind, in a few seconds
    assert len(queries) > 150

    def compare() -> int:
        checked = 0
        for code, words, prefix in queries:
            for public_only in (True, False):
                expected = whoosh_ranking(index, code, words, prefix, public_only)
                got = index.search(
                    code, words, prefix_word=prefix, public_only=public_only, limit=50
                )
                assert [h.key for h in got] == [key for key, _, _ in expected], (
                    code,
                    words,
                    prefix,
                )
                for hit, (_, score, terms) in zip(got, expected, strict=True):
                    assert hit.score == pytest.approx(score, rel=1e-9)
                    assert hit.matched == terms
                checked += bool(expected)
        return checked

    assert compare() > 150
    # an update leaves the replaced documents deleted in the first segment and
    # adds a second one, with its own term statistics
    changed = [dataclasses.replace(e, revision=e.revision + 1) for e in entries[::3]]
    index.update(changed, delete_keys=[e.key for e in entries[1::7]])
    assert index.searcher().reader().has_deletions()
    assert compare() > 150


def test_a_pinned_searcher_survives_another_workers_update(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a", revision=1)])
    other_worker = SearchIndex(tmp_path / "ix")
    with index.pinned():
        hits = index.search("en", ["refund"], public_only=False)
        other_worker.update([entry("a", revision=2)])
        index.field_idf("title_en", "refund")  # asks for the searcher again mid-block
        assert [h.load().revision for h in hits] == [1]  # read from the still-open searcher
        assert index.get("en:a").revision == 1
    assert index.get("en:a").revision == 2  # the next block sees the update


def test_mapped_segment_parts_read_like_bytesio_without_copying(tmp_path):
    """Whoosh's copy of each memory-mapped part is replaced by a view that reads the same."""
    import io
    import pickle
    import random

    from whoosh.filedb import compound

    from kb.index import _MappedFile, _View

    assert compound.BufferFile is _MappedFile
    rng = random.Random(3)
    data = bytes(rng.choice(b"ab\ncd") for _ in range(5000)) + pickle.dumps({"x": [1, 2]})
    view, reference = _View(memoryview(data)), io.BytesIO(data)
    for _ in range(300):
        op = rng.choice(["read", "readline", "seek", "seek1"])
        n = rng.randint(-1, 700)
        if op == "read":
            assert view.read(n) == reference.read(n)
        elif op == "readline":
            assert view.readline(n) == reference.readline(n)
        elif op == "seek":
            assert view.seek(abs(n) % len(data)) == reference.seek(abs(n) % len(data))
        else:
            assert view.seek(-3, 2) == reference.seek(-3, 2)
        assert view.tell() == reference.tell()
    view.seek(5000)
    assert pickle.load(view) == {"x": [1, 2]}
    # an index opened from disk reads its segment through views of the mapping
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("a")])
    reader = index.searcher().reader()
    assert isinstance(reader._terms._dbfile.file, _View)


def test_a_hit_reads_its_analysed_phrases_from_the_index_as_its_entry_gives_them(tmp_path):
    """The answer engine compares questions with each hit's analysed title and questions,
    read from the index's phrases column: those of a build, of a publish (Whoosh's own
    writer) and of stop words only, as analysing the stored entry gives them."""
    index = sample_app_in(tmp_path / "app").extensions["kb"].index
    index.update(
        [
            entry("stops", title="Can I have?", questions=("How do I?", "Refund now, please")),
            entry("b", title="Возврат денег", lang="ru", questions=("Когда вернут деньги?",)),
        ]
    )
    checked = set()
    for e in index.entries():
        for text in (e.title, *e.questions):
            words = langs.terms(text, e.lang) or langs.terms(text, e.lang, keep_stopwords=True)
            for hit in index.search(e.lang, words, public_only=False, limit=50):
                assert hit.column is not None
                assert hit.phrases() == phrase_terms(hit.load()), hit.key
                checked.add(hit.key)
    assert len(checked) == index.doc_count()
    assert phrase_terms(index.get("en:stops")) == (
        (("refund", "now"),),
        (("can", "i", "have"), ("how", "do", "i")),
    )


def _index_content(index: SearchIndex) -> tuple[list, dict, list]:
    """Return the stored documents in number order, every field's postings and the
    analysed phrases column, as read back."""
    reader = index.searcher().reader()
    stored = [reader.stored_fields(d) for d in range(reader.doc_count_all())]
    schema = index.searcher().schema
    postings = {
        (name, term): list(reader.postings(name, term).items_as("frequency"))
        for name in schema.names()
        if schema[name].indexed
        for term in reader.lexicon(name)
    }
    column = reader.column_reader("phrases", translate=False)
    return stored, postings, [column[d] for d in range(reader.doc_count_all())]


def test_a_build_in_several_processes_gives_the_same_index_and_rankings(tmp_path):
    """Parts written by forked processes keep every document's number, so even ties rank alike."""
    entries = sample_app_in(tmp_path / "app").extensions["kb"].index.entries()
    one, three = SearchIndex(tmp_path / "one"), SearchIndex(tmp_path / "three")
    assert one.build(entries, processes=1) == three.build(entries, processes=3) == len(entries)
    assert len(one.segments()) == 1 and len(three.segments()) == 3
    assert _index_content(one) == _index_content(three)

    def ranking(index: SearchIndex, code: str, words: list[str], prefix: str | None) -> list:
        hits = index.search(code, words, prefix_word=prefix, public_only=False, limit=50)
        return [(h.load().key, h.score, h.matched) for h in hits]

    checked = 0
    for e in entries:
        for text in (e.title, *e.questions):
            words = langs.terms(text, e.lang)
            typed = langs.fold(langs.normalise(text.split()[-1], e.lang), e.lang)[:3]
            for prefix in (None, typed or None):
                expected = ranking(one, e.lang, words, prefix)
                assert ranking(three, e.lang, words, prefix) == expected, (e.key, text)
                checked += bool(expected)
    assert checked > 200


class _FailingEntries(list):
    """Entries whose first one cannot be read: it raises, or its process dies reading it."""

    def __init__(self, entries, how: str):
        super().__init__(entries)
        self.how = how

    def __getitem__(self, at):
        if at == 0:
            if self.how == "dies":
                os._exit(3)
            raise ValueError("unreadable entry")
        return super().__getitem__(at)


@pytest.mark.parametrize(
    ("how", "message"),
    [("raises", "ValueError: unreadable entry"), ("dies", "died \\(exit code 3\\)")],
)
def test_a_failed_part_fails_the_build_and_leaves_the_old_index(tmp_path, how, message):
    index = SearchIndex(tmp_path / "ix")
    index.build([entry("old")])
    before = sorted(p.name for p in (tmp_path / "ix").iterdir())
    entries = _FailingEntries([entry(f"a{n}") for n in range(6)], how)
    with pytest.raises(RuntimeError, match=message):
        index.build(entries, processes=2)  # entry 0 is read in the forked process only
    assert sorted(p.name for p in (tmp_path / "ix").iterdir()) == before
    assert [e.id for e in index.entries()] == ["old"]


def _term_statistics(index: SearchIndex) -> dict:
    """Return what Whoosh keeps per term for scoring and skipping: counts, weights, lengths."""
    reader = index.searcher().reader()
    out = {}
    schema = index.searcher().schema
    for name in schema.names():
        if not schema[name].indexed:
            continue
        for term in reader.lexicon(name):
            info = reader.term_info(name, term)
            out[name, term] = (
                info.weight(),
                info.doc_frequency(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
            )
    return out


def _postings_files(index: SearchIndex) -> dict[str, bytes]:
    """Return the bytes of the one segment's postings and terms files (block statistics too)."""
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.filestore import FileStorage

    (folder,) = [p for p in index.root.iterdir() if p.is_dir()]
    (compound,) = folder.glob("*.seg")
    storage = CompoundStorage(FileStorage(str(folder)).open_file(compound.name), use_mmap=False)
    try:
        return {
            name.rsplit(".", 1)[1]: storage.open_file(name).read()
            for name in storage.list()
            if name.endswith((".pst", ".trm"))
        }
    finally:
        storage.close()


def _lengths(index: SearchIndex) -> dict:
    reader = index.searcher().reader()
    return {
        name: [reader.doc_field_length(d, name) for d in range(reader.doc_count_all())]
        for name in index.searcher().schema.scorable_names()
    }


@pytest.mark.parametrize(
    ("limit_mb", "block"),
    [
        (256, 128),
        (0.05, 128),  # 0.05 MB: the pool spills runs to disk
        (256, 3),  # blocks of 3 postings: most terms fill several
    ],
)
def test_the_build_writer_writes_the_index_whoosh_writes(tmp_path, monkeypatch, limit_mb, block):
    """The build adds postings in bulk, reads lengths field by field and writes a term's
    postings a block at a time: the same index."""
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.writing import SegmentWriter

    from kb import index as kb_index
    from kb.index import _BuildWriter

    monkeypatch.setattr(kb_index, "BUILD_LIMIT_MB", limit_mb)
    blocklimit, *others = W3Codec.__init__.__defaults__
    assert blocklimit == 128  # Whoosh's own, which the first two cases keep
    monkeypatch.setattr(W3Codec.__init__, "__defaults__", (block, *others))
    entries = sample_app_in(tmp_path / "app").extensions["kb"].index.entries()
    ours = SearchIndex(tmp_path / "ours")
    ours.build(entries, processes=1)
    monkeypatch.setattr(_BuildWriter, "_flush_segment", SegmentWriter._flush_segment)
    monkeypatch.setattr(_BuildWriter, "add_document", SegmentWriter.add_document)
    whooshs = SearchIndex(tmp_path / "whoosh")
    whooshs.build(entries, processes=1)
    expected = _term_statistics(whooshs)
    assert any(stats[3] > 1 for stats in expected.values())  # lengths were recorded
    assert max(stats[1] for stats in expected.values()) > 2 * block or block == 128
    assert _term_statistics(ours) == expected
    assert _index_content(ours) == _index_content(whooshs)
    assert _lengths(ours) == _lengths(whooshs)
    files = _postings_files(whooshs)
    assert set(files) == {"pst", "trm"} and _postings_files(ours) == files


def test_the_schema_has_nothing_the_build_writer_leaves_out():
    """``_BuildWriter.add_document`` writes no spelling words or term vectors."""
    from kb.index import make_schema

    schema = make_schema()
    for name in schema.names():
        field = schema[name]
        assert not field.separate_spelling() and not field.vector, name


def test_an_entry_derives_its_html_and_text_and_reads_what_older_indexes_stored():
    from dataclasses import replace

    full = replace(entry(), detail_html="<h2>More</h2>")
    assert full.html == "<p>Refunds take five days. Revision 1.</p>\n<h2>More</h2>"
    assert full.text == "Refunds take five days. Revision 1.\n\nMore"
    assert entry().html == entry().summary_html  # no detail: no trailing newline
    stored = full.to_stored()
    assert "html" not in stored and "text" not in stored
    older = {**stored, "html": "an older build kept it", "text": "this too", "tags": ["a", "b"]}
    again = Entry.from_stored(older)
    assert again == replace(full, tags=("a", "b"))
    other = Entry.from_stored({**stored, "category": "".join(["gen", "eral"])})
    assert other.category is again.category  # repeated values share one string


def test_a_build_skips_entries_that_could_not_be_made(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    made = [entry("a"), None, entry("b"), None, entry("c")]
    assert index.build(made, processes=2) == 3  # the forked part skips one too
    assert index.doc_count() == 3
    assert [e.id for e in index.entries(lang="en")] == ["a", "b", "c"]


def test_counted_terms_give_the_postings_whoosh_counts():
    from whoosh.formats import Frequency

    from kb.index import make_schema

    schema = make_schema()
    text = "Refund refunds REFUND: how long? 5 days. İade iade süresi كيف أسترد الكتاب"
    for name in schema.names():
        field = schema[name]
        if not name.startswith(("title_", "questions_", "tags_", "body_", "prefix_")):
            continue
        counted = list(field.format.word_values(text, field.analyzer, mode="index"))
        assert counted == list(Frequency.word_values(field.format, text, field.analyzer))
        assert counted  # every language's analyser keeps some of these words
    # a value Whoosh would take but our fast path does not (a list of words) still works
    field = schema["body_en"]
    assert list(field.format.word_values(["a", "b", "a"], field.analyzer, mode="index")) == list(
        Frequency.word_values(field.format, ["a", "b", "a"], field.analyzer)
    )
