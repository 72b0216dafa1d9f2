"""Time the answer function on the sample content, in one process.

    python bench/sample_queries.py [--rounds 5]

Prints build time and per-question latency (p50/p95/p99, ms) for fresh
questions (cache missed) and repeated ones (cache hit), per language.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from kb import create_app

REPO = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "content", Path(tmp) / "content")
        started = time.perf_counter()
        app = create_app(
            {
                "CONTENT_DIR": Path(tmp) / "content",
                "DATA_DIR": Path(tmp) / "data",
                "SECRET_KEY": "x",
            }
        )
        build = time.perf_counter() - started
        kb = app.extensions["kb"]
        engine = kb.engine
        questions = [
            (e.lang, q)
            for lang in ("en", "ru", "tr", "az", "fa", "ar")
            for entries in engine.catalog(lang).values()
            for e in entries
            for q in (e.title, *e.questions)
        ]
        print(
            f"sample content: {kb.index.doc_count()} articles, {len(questions)} questions; first start {build:.2f}s"
        )
        print(f"{'kind':<10} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for kind in ("fresh", "cached"):
            times: list[float] = []
            for round_ in range(args.rounds):
                for lang, q in questions:
                    question = q if kind == "cached" else f"{q} {round_}x{len(times)}"
                    t = time.perf_counter()
                    engine.answer(question, lang)
                    times.append((time.perf_counter() - t) * 1000)
            print(
                f"{kind:<10} {len(times):>6} {statistics.median(times):>8.2f} "
                f"{percentile(times, 95):>8.2f} {percentile(times, 99):>8.2f}"
            )


if __name__ == "__main__":
    main()
