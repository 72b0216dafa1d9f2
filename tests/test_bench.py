"""The benchmarks keep working: the corpus generator and a tiny run of the load benchmark."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb import content

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
import corpus  # noqa: E402  (bench/corpus.py)


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
        "answer_new",
        "chat",
    }
    for r in results:
        assert r["errors"] == 0 and r["non_2xx"] == 0, r
        assert r["rps"] > 0 and r["server"]["p50"] > 0
    assert [len(p["visible_ms"]) for p in report["sizes"]["200"]["publishes"]] == [2]
    assert "| 2 | FAQ article page |" in (out / "benchmarks.md").read_text()
    assert (out / "benchmarks.svg").read_text().startswith("<svg")
