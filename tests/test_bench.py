"""The benchmarks keep working: the corpus generator and a tiny run of the load benchmark."""

from __future__ import annotations

import json
import math
import re
import shutil
import statistics
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
            "--rebuilds",
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
        # the channels judged against the floor ran between two floor passes
        bracketed = r["channel"] in ("answer_repeat", "faq_article") and not r["warmup"]
        assert len(r["floor_around"]) == (2 if bracketed else 0), r
        assert all(rps > 0 for rps in r["floor_around"])
    figures = report["sizes"]["200"]
    assert len(figures["rebuild_runs"]) == 2
    assert figures["rebuild_s"] == statistics.median(figures["rebuild_runs"])
    (publishes,) = report["sizes"]["200"]["publishes"]
    assert len(publishes["visible_ms"]) == 2
    # the publishes' segments are merged in the background, or never due (two publishes)
    assert publishes["segments_settled"] <= publishes["segments"]
    (memory,) = report["sizes"]["200"]["rss_parts_mb"].values()
    assert len(memory) == 2  # each worker's resident memory, split into heap and mapped files
    for m in memory:
        assert 0 < m["RssAnon"] <= m["VmRSS"] and m["RssFile"] > 0
    markdown = (out / "benchmarks.md").read_text()
    assert "| 2 | FAQ article page |" in markdown
    assert "heap + " in markdown and "mapped files)" in markdown
    assert "index segments right after" in markdown
    assert "ran between two floor passes" in markdown
    assert "full rebuild " in markdown and " (median of " in markdown
    assert (out / "benchmarks.svg").read_text().startswith("<svg")


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)
def test_compare_drives_two_checkouts_in_turns(tmp_path):
    repo = BENCH.parent
    options = ["--size", "200", "--trials", "2", "--turn", "1", "--workers", "1"]
    done = subprocess.run(
        [sys.executable, str(BENCH / "compare.py"), str(repo), str(repo), *options],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    trials = [line for line in done.stdout.splitlines() if line.startswith("trial ")]
    assert len(trials) == 2
    for line in trials:
        figures = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?) (?:req/s|ms CPU)", line)]
        assert len(figures) == 4 and all(f > 0 for f in figures), line
    assert "medians of 2: old" in done.stdout


def test_compare_refuses_a_folder_that_is_not_a_checkout(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / "compare.py"), str(tmp_path), str(BENCH.parent)],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "not a checkout" in done.stderr


def _result(channel, rps, p99=1.0, server_p50=1.0, server_p99=2.0, warmup=False, around=()):
    return {
        "channel": channel,
        "workers": 2,
        "rps": rps,
        "p99": p99,
        "server": {"p50": server_p50, "p99": server_p99},
        "warmup": warmup,
        "floor_around": list(around),
    }


def test_the_targets_table_says_which_targets_a_run_met():
    figures = {
        "results": [
            _result("floor", 1000),
            _result("sidebar", 50, server_p50=4.0, server_p99=30.0),  # p99 over 25
            _result("answer_new", 50, p99=40.0),
            _result("answer_cached", 500, p99=6.0),  # over 5 ms
            _result("answer_repeat", 600),
            _result("faq_article", 599),  # just under 60 %
            _result("faq_article", 10, warmup=True),  # warm-up passes do not count
        ],
        "publishes": [{"workers": 2, "call_ms": [20, 301], "visible_ms": [50, 999]}],
        "rebuild_s": 15.0,
        "rss_mb": {"2": [150.0, 200.5]},  # keys as benchmarks.json has them
        "soak": {"workers": 2, "samples": [[0, 300], [150, 400], [300, 403]]},
    }
    lines = load.targets({"sizes": {"10000": figures, "1000": {}}})
    verdicts = {line.split(" | ")[0].lstrip("| "): line.rsplit(" | ", 1)[1] for line in lines[4:-1]}
    assert verdicts == {
        "sidebar: server p50 <= 5 ms, p99 <= 25 ms": "**not met** |",
        "answer API, never-seen questions: p99 <= 50 ms": "met |",
        "answer API, repeated questions from the cache: p99 <= 5 ms": "**not met** |",
        "answer API, repeat-heavy mix: throughput >= 60 % of the floor": "met |",
        "FAQ article page: throughput >= 60 % of the floor": "**not met** |",
        "publish visible on every channel and worker <= 1 s (max of 2)": "met |",
        "one publish <= 300 ms (max)": "**not met** |",
        "full rebuild <= 15 s": "met |",
        "RSS per worker <= 200 MB": "**not met** |",
        "no growth over a 5-minute soak (second half within 1 %)": "met |",
    }
    assert load.targets({"sizes": {"1000": figures}}) == []  # no 10k corpus in the run


def test_a_throughput_share_is_of_the_floor_passes_around_the_channel():
    figures = {
        "results": [
            _result("floor", 1000),  # the run's first pass, in a faster minute
            _result("answer_repeat", 550, around=(900, 920)),  # 60.4 % of 910
            _result("faq_article", 590, around=(1000, 1000)),  # 59 %
        ],
        "rebuild_s": 14.0,
        "rebuild_runs": [15.5, 14.0, 13.0],
    }
    lines = load.targets({"sizes": {"10000": figures}})
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[1:] for line in lines[4:-1]}
    figure, verdict = rows["answer API, repeat-heavy mix: throughput >= 60 % of the floor"]
    assert verdict == "met |"
    assert figure.startswith("550 of 910 req/s = 60.4%")
    assert "900, 920" in figure and "of the run's first floor, 1000: 55.0%" in figure
    assert rows["FAQ article page: throughput >= 60 % of the floor"][1] == "**not met** |"
    assert rows["full rebuild <= 15 s"] == ["14.0 s (median of 15.5, 14.0, 13.0)", "met |"]


def test_a_run_without_publishes_leaves_their_targets_out():
    figures = {"results": [_result("floor", 1000)], "rebuild_s": 14.0}
    lines = load.targets({"sizes": {"10000": figures}})
    assert any("full rebuild" in line for line in lines)
    assert not any("publish" in line for line in lines)
