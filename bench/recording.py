"""What recording every question costs the answer path.

    python bench/recording.py [--rounds 6] [--questions 400]

Two apps over the same sample content, one with ``KB_RECORD_QUESTIONS`` on
and one with it off, answer the same questions through ``GET
/api/v1/answer`` (Flask test client, one process). Rounds alternate between
the two so machine noise falls on both; the answer cache is on, as in
production, so the recording's share of a cheap (cached) answer is visible.
Prints p50/p95 per request for each, their ratio, and what the background
writer did (rows written, dropped).
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


def questions(app, n: int) -> list[tuple[str, str]]:
    engine = app.extensions["kb"].engine
    out = []
    for lang in ("en", "ru", "tr", "az", "fa", "ar"):
        for entries in engine.catalog(lang).values():
            for entry in entries:
                out += [(q, lang) for q in (entry.title, *entry.questions)]
    return (out * (n // max(1, len(out)) + 1))[:n]


def run(client, asked: list[tuple[str, str]]) -> list[float]:
    timings = []
    for question, lang in asked:
        started = time.perf_counter()
        response = client.get("/api/v1/answer", query_string={"q": question, "lang": lang})
        timings.append(1000 * (time.perf_counter() - started))
        assert response.status_code == 200
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--questions", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        apps = {}
        for name, record in (("on", True), ("off", False)):
            shutil.copytree(REPO / "content", Path(tmp) / name / "content")
            apps[name] = create_app(
                {
                    "CONTENT_DIR": Path(tmp) / name / "content",
                    "DATA_DIR": Path(tmp) / name / "data",
                    "SECRET_KEY": "x",
                    "RECORD_QUESTIONS": record,
                }
            )
        asked = questions(apps["on"], args.questions)
        clients = {name: app.test_client() for name, app in apps.items()}
        for client in clients.values():  # warm caches and the writer thread
            run(client, asked[:50])
        timings: dict[str, list[float]] = {"on": [], "off": []}
        for i in range(args.rounds):
            for name in ("on", "off") if i % 2 == 0 else ("off", "on"):
                timings[name] += run(clients[name], asked)
        recorder = apps["on"].extensions["kb"].recorder
        recorder.flush()
        print(f"{len(timings['on'])} requests per setting, {args.rounds} alternating rounds")
        for name in ("off", "on"):
            t = timings[name]
            print(
                f"recording {name:<3}  p50 {percentile(t, 50):.3f} ms  p95 {percentile(t, 95):.3f} ms"
                f"  mean {statistics.mean(t):.3f} ms"
            )
        for p in (50, 95):
            ratio = percentile(timings["on"], p) / percentile(timings["off"], p)
            print(f"p{p} ratio on/off: {ratio:.3f}")
        print(f"rows written {recorder.written}, dropped {recorder.dropped}")


if __name__ == "__main__":
    main()
