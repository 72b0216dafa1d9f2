"""What a repeated question costs: the answer function on a cache miss and on a hit, in-process.

    python bench/answer_cache.py --n 10000          # generates a corpus first (bench/corpus.py)
    python bench/answer_cache.py --content DIR --data DIR

Asks ``--questions`` questions drawn from the corpus twice through
``AnswerEngine.answer`` (as the chat and answer API do): the first pass
ranks them, the second is served from the answer cache. Prints p50/p95/p99
of both passes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # bench/ is a folder of scripts: its siblings import by name
from load import percentile

from kb import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="articles to generate")
    parser.add_argument("--content", type=Path, help="an existing content folder")
    parser.add_argument("--data", type=Path, help="its data folder")
    parser.add_argument("--questions", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-cache-") as tmp:
        content, data = args.content, args.data
        if content is None:
            content, data = Path(tmp) / "content", Path(tmp) / "data"
            corpus.generate(content, args.n)
        started = time.perf_counter()
        app = create_app({"CONTENT_DIR": content, "DATA_DIR": data or Path(tmp) / "data"})
        print(f"start-up (reconcile, index) {time.perf_counter() - started:.1f} s")
        engine = app.extensions["kb"].engine
        entries = [e for e in engine.index.entries() if e.is_public]
        rng = random.Random(0)
        asked = [
            (e.lang, rng.choice((e.title, *e.questions)))
            for e in rng.sample(entries, min(args.questions, len(entries)))
        ]
        for name in ("miss", "hit"):
            times = []
            for lang, text in asked:
                t0 = time.perf_counter()
                engine.answer(text, lang)
                times.append((time.perf_counter() - t0) * 1000)
            print(
                f"{name:>4}: p50 {percentile(times, 50):.3f} ms, p95 {percentile(times, 95):.3f}, "
                f"p99 {percentile(times, 99):.3f} ({len(times)} questions)"
            )


if __name__ == "__main__":
    main()
