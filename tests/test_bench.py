"""The benchmarks keep working: the corpus generator and a tiny run of the load benchmark."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb import content

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
import corpus  # noqa: E402  (bench/corpus.py)
import load  # noqa: E402  (bench/load.py)


def test_the_synthetic_corpus_is_valid_content(tmp_path):
    articles = corpus.generate(tmp_path / "content", 300, seed=3)
    assert len(articles) == 300
    scanned = content.scan(tmp_path / "content")
    assert not scanned.problems
    assert len(scanned.articles) == 300
    assert {a.lang for a in scanned.articles} == {"en", "ru", "tr", "az", "fa", "ar"}
    assert any(a.audience == "internal" for a in scanned.articles)
    # deterministic per seed
    again = corpus.generate(tmp_path / "again", 300, seed=3)
    assert again == articles


def test_a_warm_up_draw_asks_about_the_same_popular_questions_in_another_order(tmp_path):
    articles = corpus.generate(tmp_path / "content", 300, seed=3)
    measured = load.request_lists(articles, 7, 2000)
    warm_up = load.request_lists(articles, 7, 2000, draw=1)
    other = load.request_lists(articles, 8, 2000)
    assert measured == load.request_lists(articles, 7, 2000)  # deterministic
    for channel in ("answer_repeat", "faq_article"):
        assert measured[channel] != warm_up[channel]
        popular = set(measured[channel])
        shared = sum(line in popular for line in warm_up[channel]) / 2000
        elsewhere = sum(line in popular for line in other[channel]) / 2000
        assert shared > 0.9 > elsewhere  # same population; another seed picks other favourites


def test_the_cache_hit_channel_repeats_questions_the_warm_up_asked(tmp_path):
    articles = corpus.generate(tmp_path / "content", 300, seed=3)
    measured = load.request_lists(articles, 7, 2000)["answer_cached"]
    warm_up = load.request_lists(articles, 7, 2000, draw=1)["answer_cached"]
    assert len(set(measured)) == load.CACHED_QUESTIONS
    assert load.asked_before(warm_up, measured) == 1.0
    assert min(warm_up.count(line) for line in set(warm_up)) >= 10  # in every worker's cache


def test_asked_before_counts_repeats_across_passes():
    assert load.asked_before([], ["a", "b", "a"]) == 1 / 3
    assert load.asked_before(["b"], ["a", "b", "a", "c"]) == 2 / 4
    assert math.isnan(load.asked_before(["a"], []))


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)
def test_a_tiny_load_run_reports_every_channel_without_errors(tmp_path):
    out = tmp_path / "report"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "load.py"),
            "--sizes",
            "200",
            "--workers",
            "2",
            "--duration",
            "1",
            "--publishes",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "benchmarks.json").read_text())
    results = report["sizes"]["200"]["results"]
    channels = {r["channel"] for r in results}
    assert channels == {
        "floor",
        "faq_article",
        "faq_search",
        "sidebar",
        "answer_repeat",
        "answer_cached",
        "answer_new",
        "chat",
    }
    for r in results:
        assert r["errors"] == 0 and r["non_2xx"] == 0, r
        assert r["rps"] > 0 and r["server"]["p50"] > 0
    assert [len(p["visible_ms"]) for p in report["sizes"]["200"]["publishes"]] == [2]
    (memory,) = report["sizes"]["200"]["rss_parts_mb"].values()
    assert len(memory) == 2  # each worker's resident memory, split into heap and mapped files
    for m in memory:
        assert 0 < m["RssAnon"] <= m["VmRSS"] and m["RssFile"] > 0
    markdown = (out / "benchmarks.md").read_text()
    assert "| 2 | FAQ article page |" in markdown
    assert "heap + " in markdown and "mapped files)" in markdown
    assert (out / "benchmarks.svg").read_text().startswith("<svg")
