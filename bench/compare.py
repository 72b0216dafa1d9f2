"""Compare two checkouts of the knowledge base on one channel, interleaved, under gunicorn.

    python bench/compare.py OLD_TREE NEW_TREE [--channel answer_repeat] [--trials 6]

This machine's speed drifts by 20 % and more from one minute to the next, so
two ``bench/load.py`` runs of different code say little about a change
smaller than that. Here both trees serve the same generated corpus (one
import, copied to a data directory each) at the same time, and wrk drives
them in turns: per trial, fresh servers, a warm-up on an independent draw
of the channel's mix, then the measured mix, each in two turns per tree of
``--turn`` seconds (5 by default), alternating between the trees (which
tree goes first alternates per trial). Each tree continues its own
request list where its last turn stopped, so
both see the same requests in the same order. Printed per trial: req/s of
the measured mix, and the workers' CPU time (user + system) per request.

Make a tree of an older commit with ``git archive <commit> | tar -x -C DIR``.
Servers run each tree's own code (gunicorn starts in it); the ``kb``
command that imports the corpus is this environment's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

import corpus
import load
import serve


def worker_cpu_s(master: int) -> float:
    """Return the user + system CPU seconds the children of ``master`` have used."""
    total = 0
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for child in children:
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def trial(
    trees: dict[str, Path],
    data: Path,
    content: Path,
    work: Path,
    passes: list[list[str]],
    *,
    workers: int,
    first: str,
    turn: float,
) -> dict[str, tuple[float, float]]:
    """Run one trial; return req/s and worker CPU ms per request of the last pass, per tree."""
    servers, stack = {}, []
    try:
        for name, tree in trees.items():
            copy = work / f"data-{name}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(
                data, copy, ignore=shutil.ignore_patterns("pages*.sqlite*", "journal.sqlite*")
            )
            serve.REPO = tree  # gunicorn starts in the tree: its code serves
            context = serve.gunicorn(
                serve.kb_env(content, copy), workers=workers, log_dir=work / f"logs-{name}"
            )
            servers[name] = context.__enter__()
            stack.append(context)
        order = sorted(trees, key=lambda n: n != first)
        sent = {name: [0] * len(passes) for name in trees}
        cpu = dict.fromkeys(trees, 0.0)
        for index, lines in enumerate(passes):
            for _half in range(2):
                for name in order:
                    start = sent[name][index] % len(lines)
                    before = worker_cpu_s(servers[name].process.pid)
                    figures = load.run_wrk(
                        servers[name].base,
                        lines[start:] + lines[:start],
                        work,
                        duration=turn,
                        connections=4,
                    )
                    sent[name][index] += figures["requests"]
                    if index == len(passes) - 1:
                        cpu[name] += worker_cpu_s(servers[name].process.pid) - before
        return {
            name: (sent[name][-1] / (2 * turn), 1000 * cpu[name] / max(1, sent[name][-1]))
            for name in trees
        }
    finally:
        for context in reversed(stack):
            context.__exit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="a checkout (the baseline)")
    parser.add_argument("new", type=Path, help="another checkout")
    parser.add_argument("--channel", default="answer_repeat", choices=load.CHANNELS)
    parser.add_argument("--size", type=int, default=10_000, help="articles")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--turn", type=float, default=5.0, help="seconds per turn")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if args.channel == "sidebar":
        raise SystemExit("the sidebar needs an agent's token: use bench/load.py")
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    for tree in trees.values():
        if not (tree / "wsgi.py").exists():
            raise SystemExit(f"{tree} is not a checkout of the knowledge base (no wsgi.py)")
    with tempfile.TemporaryDirectory(prefix="kb-compare-") as tmp:
        work = Path(tmp)
        content, data = work / "content", work / "data"
        articles = corpus.generate(content, args.size, seed=args.seed)
        serve.kb(serve.kb_env(content, data), "reindex")
        measured = load.request_lists(articles, args.seed, 20_000)[args.channel]
        warm = load.request_lists(articles, args.seed, 20_000, draw=1)[args.channel]
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for number in range(args.trials):
            first = "old" if number % 2 == 0 else "new"
            got = trial(
                trees,
                data,
                content,
                work,
                [warm, measured],
                workers=args.workers,
                first=first,
                turn=args.turn,
            )
            for name, figures in got.items():
                results[name].append(figures)
            print(
                f"trial {number + 1}: "
                + ", ".join(
                    f"{name} {rps:.0f} req/s, {cpu:.2f} ms CPU/request"
                    for name, (rps, cpu) in got.items()
                ),
                flush=True,
            )
        old_rps = statistics.median(r for r, _ in results["old"])
        new_rps = statistics.median(r for r, _ in results["new"])
        print(
            f"{args.channel}, {args.size} articles, {args.workers} workers, medians of "
            f"{args.trials}: old {old_rps:.0f} req/s, new {new_rps:.0f} req/s "
            f"({new_rps / old_rps:.2f}x); CPU/request old "
            f"{statistics.median(c for _, c in results['old']):.2f} ms, new "
            f"{statistics.median(c for _, c in results['new']):.2f} ms"
        )


if __name__ == "__main__":
    main()
