"""Every channel under load, at 1k / 10k / 50k articles, against the floors (loopback only).

    python bench/load.py                      # 1k and 10k articles, 2 and 4 workers
    python bench/load.py --sizes 1000,10000,50000 --duration 15 --soak 300 --soak-size 10000

For each corpus size it:

1. generates a synthetic corpus in the real content format (``bench/corpus.py``)
   and indexes it: the first import, full rebuilds (``kb reindex``; the median of
   ``--rebuilds`` runs up to 10k), the index size;
2. starts the app under gunicorn on 127.0.0.1 (2 and 4 workers) and drives each
   channel with wrk for ``--duration`` seconds with a repeat-heavy question mix
   (Zipf over the corpus's questions; the sidebar replays keystroke sequences
   "c", "ca", "can", ... as agents type): FAQ article page, FAQ search, sidebar
   search, answer API (repeated questions and never-seen ones) and chat;
3. reports throughput, client latency (p50/p95/p99), server time from
   gunicorn's access log, errors and RSS per worker;
4. measures the floors in the same run: a minimal Flask endpoint under the same
   gunicorn settings (``bench/floor_app.py``) and SQLite FTS5 answering the same
   never-seen questions in-process over the same corpus. The channels with a
   throughput target (FAQ article page, repeat-heavy answer mix) run between two
   passes of the floor, whose server stays up beside the app's, and their share is
   of those two passes: the machine's speed drifts by more than 10 % within a run;
5. publishes 20 edits (to 20 articles) through the API and times until every channel on every
   worker serves the new revision;
6. optionally (``--soak S``) keeps a mixed load up for S seconds while sampling RSS,
   at the largest size or ``--soak-size``.

It writes ``docs/benchmarks.md`` (tables and ratios) and ``docs/benchmarks.svg``
(server time against corpus size). Needs wrk (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # bench/ is a folder of scripts: its siblings import by name
import serve

REPO = serve.REPO
CHANNELS = (
    "faq_article",
    "faq_search",
    "sidebar",
    "answer_repeat",
    "answer_cached",
    "answer_new",
    "chat",
)
# channels whose target is a share of the floor: measured between two floor passes
RATIO_CHANNELS = ("answer_repeat", "faq_article")
CACHED_QUESTIONS = 100  # the most asked phrasings, for the cache-hit channel
LABELS = {
    "faq_article": "FAQ article page",
    "faq_search": "FAQ search",
    "sidebar": "sidebar search-as-you-type",
    "answer_repeat": "answer API, repeat-heavy mix",
    "answer_cached": "answer API, repeated questions (cache hits)",
    "answer_new": "answer API, never-seen questions",
    "chat": "chat API",
    "floor": "floor: minimal Flask /ping",
}
WRK_SCRIPT = r"""
local reqs = {}
local idx = 0
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1]))
  for line in f:lines() do
    local method, path, body = line:match("^(%S+) (%S+) ?(.*)$")
    if method == "POST" then
      reqs[#reqs + 1] = wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
    else
      reqs[#reqs + 1] = wrk.format("GET", path)
    end
  end
  f:close()
  idx = (id * math.floor(#reqs / 2)) % #reqs
end

function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"errors":%d,"p50":%d,"p95":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class Result:
    """One channel driven by wrk: client-side and server-side figures."""

    channel: str
    workers: int
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    non_2xx: int
    server: dict[str, float] = field(default_factory=dict)  # p50/p95/p99 ms from the access log
    requests: int = 0
    # share of the requests already sent once before in the run (the warm-up included):
    # the best hit ratio a cache shared by all workers could reach
    asked_before: float = float("nan")
    # the floor's req/s in the passes right before and right after this one (a channel
    # with a throughput target): the same minutes of the machine's speed
    floor_around: list[float] = field(default_factory=list)


def asked_before(earlier: list[str], lines: list[str]) -> float:
    """Return the share of ``lines`` that occur in ``earlier`` or before themselves in ``lines``."""
    if not lines:
        return float("nan")
    seen, repeats = set(earlier), 0
    for line in lines:
        repeats += line in seen
        seen.add(line)
    return repeats / len(lines)


def rss_line(memory: list[dict[str, float]]) -> str:
    """Return workers' RSS for the report, each with its heap and mapped-file parts."""
    return ", ".join(
        f"{m['VmRSS']:.0f} MB ({m.get('RssAnon', 0):.0f} heap + {m.get('RssFile', 0):.0f} "
        "mapped files)"
        for m in memory
    )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def zipf_sample(items: list, n: int, rng: random.Random, s: float = 1.0) -> list:
    """Return ``n`` draws from ``items`` where the k-th item is drawn with weight 1/k^s."""
    weights = [1 / (k + 1) ** s for k in range(len(items))]
    return rng.choices(items, weights=weights, k=n)


def keystrokes(question: str) -> list[str]:
    """Return what the sidebar asks while an agent types ``question``, as agent.js sends it."""
    out, typed = [], ""
    for ch in question:
        typed += ch
        if typed.strip():
            out.append(typed)
    return out


def q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def request_lists(articles: list[corpus.Generated], seed: int, n: int, *, draw: int = 0) -> dict:
    """Return the request lines per channel: ``METHOD PATH [BODY]``.

    ``seed`` fixes the population (which articles and phrasings customers ask
    about most); ``draw`` numbers independent sequences of requests drawn from
    it, so a warm-up pass sees the same popular questions a running service
    would have seen, without replaying the measured requests.
    """
    population = random.Random(seed)
    public = [a for a in articles if a.audience == "public"]
    population.shuffle(public)
    popular = public[: max(50, len(public) // 5)]  # what customers ask about is skewed
    phrases = [(a.lang, text) for a in popular for text in (a.title, *a.questions)]
    population.shuffle(phrases)
    rng = random.Random(f"{seed}/{draw}")
    asked = zipf_sample(phrases, n, rng)
    lists: dict[str, list[str]] = {}
    lists["faq_article"] = [f"GET /{a.lang}/articles/{a.id}" for a in zipf_sample(public, n, rng)]
    lists["faq_search"] = [f"GET /{lang}/search?q={q(text)}" for lang, text in asked]
    side = []
    for lang, text in asked[: max(1, n // 20)]:
        prefixes = keystrokes(text.casefold().rstrip("?"))
        side += [f"GET /agent/search?q={q(p)}&lang={lang}&live=1" for p in prefixes]
        side.append(f"GET /agent/search?q={q(text)}&lang={lang}")
    lists["sidebar"] = side
    lists["answer_repeat"] = [f"GET /api/v1/answer?q={q(text)}&lang={lang}" for lang, text in asked]
    # the same few questions in every draw: the warm-up pass has put each in every
    # worker's cache many times over, so the measured pass shows the cost of a hit
    top = phrases[:CACHED_QUESTIONS]
    lists["answer_cached"] = [
        f"GET /api/v1/answer?q={q(text)}&lang={lang}"
        for lang, text in (top[i % len(top)] for i in range(n))
    ]
    new, seen = [], set()
    by_lang: dict[str, list[str]] = {}
    for a in public:
        by_lang.setdefault(a.lang, []).extend(a.questions)
    langs = sorted(by_lang)
    while len(new) < n and len(seen) < 50 * n:
        lang = rng.choice(langs)
        first, second = rng.choice(by_lang[lang]).split(), rng.choice(by_lang[lang]).split()
        text = " ".join(first[: max(1, len(first) // 2)] + second[len(second) // 2 :])
        if text not in seen:
            seen.add(text)
            new.append((lang, text))
    lists["answer_new"] = [f"GET /api/v1/answer?q={q(text)}&lang={lang}" for lang, text in new]
    lists["_new_questions"] = new
    lists["chat"] = [
        "POST /api/v1/chat " + json.dumps({"message": text, "lang": lang}, ensure_ascii=True)
        for lang, text in asked
    ]
    return lists


def run_wrk(
    base: str,
    lines: list[str],
    work: Path,
    *,
    duration: float,
    connections: int,
    token: str | None = None,
) -> dict:
    """Drive ``base`` with wrk over ``lines``; return wrk's figures plus non-2xx responses."""
    script = work / "mix.lua"
    script.write_text(WRK_SCRIPT)
    reqfile = work / "requests.txt"
    reqfile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = [
        "wrk",
        "-t",
        "1",
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    args += [base, "--", str(reqfile)]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    match = re.search(r"^WRK (\{.*\})$", done.stdout, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no figures:\n{done.stdout}\n{done.stderr}")
    figures = json.loads(match.group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    figures["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    return figures


def server_times(access_log: Path | None, offset: int) -> tuple[dict[str, float], dict[int, int]]:
    """Return p50/p95/p99 server time (ms) and status counts of access-log lines after ``offset``."""
    if access_log is None or not access_log.exists():
        return {}, {}
    with access_log.open("rb") as fh:
        fh.seek(offset)
        lines = fh.read().decode("utf-8", "replace").splitlines()
    times, statuses = [], {}
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        times.append(int(parts[-2]) / 1000)
        status = int(parts[-1])
        statuses[status] = statuses.get(status, 0) + 1
    return {p: percentile(times, int(p[1:])) for p in ("p50", "p95", "p99")}, statuses


def drive(
    server: serve.Server,
    channel: str,
    lines: list[str],
    work: Path,
    *,
    duration: float,
    connections: int,
    workers: int,
    token: str | None,
) -> Result:
    offset = server.access_log.stat().st_size if server.access_log else 0
    figures = run_wrk(
        server.base, lines, work, duration=duration, connections=connections, token=token
    )
    time.sleep(0.3)  # let gunicorn flush the access log
    server_ms, statuses = server_times(server.access_log, offset)
    errors_5xx = sum(n for s, n in statuses.items() if s >= 500)
    return Result(
        channel=channel,
        workers=workers,
        rps=figures["requests"] / (figures["duration_us"] / 1e6),
        p50=figures["p50"] / 1000,
        p95=figures["p95"] / 1000,
        p99=figures["p99"] / 1000,
        errors=figures["errors"] + errors_5xx,
        non_2xx=figures["non_2xx"],
        server=server_ms,
        requests=figures["requests"],
    )


def fts5_floor(
    articles: list[corpus.Generated], content: Path, questions: list[tuple[str, str]]
) -> dict[str, float]:
    """Answer ``questions`` with SQLite FTS5 over the same corpus, in-process; return ms figures."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, title, questions, body, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    rows = []
    for a in articles:
        text = (content / a.lang / a.category / f"{a.id}.md").read_text("utf-8")
        body = text.split("\n---\n", 1)[-1]
        rows.append((f"{a.lang}:{a.id}", a.title, "\n".join(a.questions), body))
    started = time.perf_counter()
    db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", rows)
    db.commit()
    build_s = time.perf_counter() - started
    times = []
    for _lang, text in questions:
        words = re.findall(r"\w+", text)
        if not words:
            continue
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
        started = time.perf_counter()
        db.execute(
            "SELECT key, bm25(docs, 3.0, 2.5, 1.0) AS s FROM docs WHERE docs MATCH ? "
            "ORDER BY s LIMIT 10",
            [match],
        ).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "build_s": build_s,
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
    }


def index_size_mb(data: Path) -> float:
    return sum(p.stat().st_size for p in (data / "index").rglob("*") if p.is_file()) / 1e6


def timed_kb(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    serve.kb(env, *args)
    return time.perf_counter() - started


@dataclass
class PublishFigures:
    call_ms: list[float]
    visible_ms: list[float]


def revisions_seen(base: str, token: str, article: corpus.Generated, question: str) -> tuple:
    """Return the revision the article API, the FAQ page and the sidebar serve."""
    _, _, api = serve.http(f"{base}/api/v1/articles/{article.id}?lang={article.lang}")
    _, _, page = serve.http(f"{base}/{article.lang}/articles/{article.id}")
    _, _, side = serve.http(
        f"{base}/agent/search?q={q(question)}&lang={article.lang}&live=1", token=token
    )
    marker = f'data-article-id="{article.id}" data-lang="{article.lang}" data-revision="'

    def rev(html: str) -> int:
        at = html.find(marker)
        return int(html[at + len(marker) :].split('"', 1)[0]) if at >= 0 else -1

    return json.loads(api).get("revision", -1), rev(page), rev(side)


def publish_and_watch(
    base: str,
    token: str,
    content: Path,
    articles: Sequence[corpus.Generated],
    *,
    publishes: int,
    confirm: int = 8,
) -> PublishFigures:
    """Publish ``publishes`` edits; time each call and until every channel serves it.

    The edits go to ``articles`` in turn: editors change many articles, and
    each changed one stays in the index's small segments until Whoosh merges
    them (an edit of the same article again only replaces it there).
    Requests land on whichever worker accepts them, so ``confirm`` agreeing
    requests in a row per channel cover the workers.
    """
    originals: dict[tuple[str, str], tuple[str, int]] = {}
    figures = PublishFigures([], [])
    for n in range(publishes):
        article = articles[n % len(articles)]
        key = (article.lang, article.id)
        if key not in originals:
            path = content / article.lang / article.category / f"{article.id}.md"
            revision = revisions_seen(base, token, article, article.title)[0]
            originals[key] = (path.read_text("utf-8"), revision)
        original, revision = originals[key]
        text = original.replace("\n---\n", f"\n---\nPolicy update number {n}: ", 1)
        started = time.perf_counter()
        status, _, body = serve.http(
            f"{base}/api/v1/articles/{article.id}?lang={article.lang}",
            token=token,
            method="PUT",
            body={"markdown": text, "base_revision": revision, "note": f"bench {n}"},
            timeout=30,
        )
        figures.call_ms.append((time.perf_counter() - started) * 1000)
        if status not in (200, 201):
            raise RuntimeError(f"publish failed: {status} {body}")
        revision = json.loads(body)["revision"]
        originals[key] = (original, revision)
        streak, first_seen = 0, 0.0
        while streak < confirm:
            seen = revisions_seen(base, token, article, article.title)
            at = time.perf_counter()  # the end of the round: all three answered by then
            if seen == (revision,) * 3:
                streak, first_seen = streak + 1, first_seen or at
            else:
                streak, first_seen = 0, 0.0
            if time.perf_counter() - started > 10:
                raise RuntimeError(f"revision {revision} not everywhere after 10 s: {seen}")
        # visible from the first of the agreeing rounds on (the rest only confirm it)
        figures.visible_ms.append((first_seen - started) * 1000)
    return figures


def segments_after_publishing(index_root: Path, wait: float = 60) -> dict[str, float]:
    """Count the index's segments after the publishes, and again once no merge is pending.

    Every search visits every segment; merging them runs after each publish,
    in a process of its own (``kb.index.SearchIndex.merge``).
    """
    from kb.index import SearchIndex  # the code under test, imported only here

    index = SearchIndex(index_root)
    right_after = len(index.segments())
    started = time.perf_counter()
    while index.merge_pending() and time.perf_counter() - started < wait:
        time.sleep(0.1)
    return {
        "segments": right_after,
        "segments_settled": len(index.segments()),
        "settled_s": round(time.perf_counter() - started, 2),
    }


def segments_line(figures: dict) -> str:
    return (
        f"{figures['segments']} index segments right after, {figures['segments_settled']} "
        f"once merges settled ({figures['settled_s']:.1f} s later)"
    )


def soak(
    server: serve.Server, lines: list[str], work: Path, seconds: float, token: str
) -> list[tuple[float, float]]:
    """Keep a mixed load up for ``seconds``; return (elapsed s, total worker RSS MB) samples."""
    samples: list[tuple[float, float]] = []
    errors: list[BaseException] = []

    def load() -> None:
        try:
            run_wrk(server.base, lines, work, duration=seconds, connections=4, token=token)
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=load)
    started = time.monotonic()
    thread.start()
    while thread.is_alive():
        samples.append((time.monotonic() - started, sum(server.worker_rss_mb())))
        thread.join(min(15.0, max(1.0, seconds / 20)))
    if errors:
        raise errors[0]
    return samples


def rebuild_line(figures: dict) -> str:
    """The full rebuild's time: the median and every run, when there were several."""
    runs = figures.get("rebuild_runs") or [figures["rebuild_s"]]
    if len(runs) == 1:
        return f"{figures['rebuild_s']:.1f} s"
    each = ", ".join(f"{r:.1f}" for r in runs)
    return f"{figures['rebuild_s']:.1f} s (median of {each})"


def reference_floor(result: dict, first_floor: float | None) -> float | None:
    """The floor a channel's share is of: the passes around it, else the run's first pass."""
    around = result.get("floor_around")
    return statistics.fmean(around) if around else first_floor


def fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes, comma-separated")
    parser.add_argument("--workers", default="2,4", help="gunicorn worker counts")
    parser.add_argument("--duration", type=float, default=10, help="seconds per channel")
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="seconds of warm-up per channel on an independent draw of its mix (default: "
        "--duration; 0 for none)",
    )
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument(
        "--publishes", type=int, default=20, help="edits to publish and time (0: none)"
    )
    parser.add_argument("--soak", type=float, default=0, help="seconds of soak at --soak-size")
    parser.add_argument(
        "--soak-size",
        type=int,
        default=None,
        help="corpus size the soak runs at (default: the largest); the RSS target names 10k",
    )
    parser.add_argument(
        "--rebuilds",
        type=int,
        default=3,
        help="full rebuilds to time at each size up to 10k; the median is reported "
        "(one above 10k: each takes minutes)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(REPO / "docs"), help="folder for the report")
    parser.add_argument("--channels", default=",".join(CHANNELS))
    parser.add_argument(
        "--rewrite",
        action="store_true",
        help="write the report again from --out's benchmarks.json, running nothing",
    )
    args = parser.parse_args()
    if args.rewrite:
        write_report(json.loads((Path(args.out) / "benchmarks.json").read_text()), Path(args.out))
        return
    if args.warmup is None:
        args.warmup = args.duration
    if args.publishes < 0:
        parser.error("--publishes must be 0 or more")
    if args.rebuilds < 1:
        parser.error("--rebuilds must be 1 or more")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.soak_size is None:
        args.soak_size = max(sizes)
    elif args.soak_size not in sizes:
        raise SystemExit(f"--soak-size {args.soak_size} is not one of --sizes {args.sizes}")
    worker_counts = [int(w) for w in args.workers.split(",")]
    channels = [c for c in args.channels.split(",") if c]
    out = Path(args.out)
    report: dict = {"sizes": {}, "args": vars(args), "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmp:
        work = Path(tmp)
        for size in sizes:
            print(f"\n=== {size} articles", flush=True)
            root = work / f"n{size}"
            content, data = root / "content", root / "data"
            started = time.perf_counter()
            articles = corpus.generate(content, size, seed=args.seed)
            generate_s = time.perf_counter() - started
            env = serve.kb_env(content, data)
            import_s = timed_kb(env, "reindex")  # first run: records every file, builds
            # full rebuilds of the imported corpus: one run moves by seconds from one
            # minute to the next on a shared machine, so the median of a few is reported
            rebuilds = args.rebuilds if size <= TARGET_SIZE else 1
            rebuild_runs = [timed_kb(env, "reindex") for _ in range(rebuilds)]
            rebuild_s = statistics.median(rebuild_runs)
            figures: dict = {
                "generate_s": generate_s,
                "import_s": import_s,
                "rebuild_s": rebuild_s,
                "rebuild_runs": rebuild_runs,
                "index_mb": index_size_mb(data),
                "results": [],
            }
            print(
                f"generated in {generate_s:.1f}s, first import {import_s:.1f}s, "
                f"full rebuild {rebuild_line(figures)}, index {figures['index_mb']:.0f} MB",
                flush=True,
            )
            agent = serve.make_token(env, "bench-agent", "agent")
            publisher = serve.make_token(env, "bench-pub", "publisher")
            lists = request_lists(articles, args.seed, 20_000)
            # the warm-up is another draw from the same distributions: it fills caches
            # as a running service's traffic would, not with the measured requests
            warm_lists = request_lists(articles, args.seed, 20_000, draw=1)
            figures["fts5"] = fts5_floor(articles, content, lists["_new_questions"][:2000])
            print(
                f"FTS5 floor: p50 {figures['fts5']['p50']:.2f} ms, p99 {figures['fts5']['p99']:.2f} ms",
                flush=True,
            )
            for workers in worker_counts:
                print(f"--- gunicorn -w {workers}", flush=True)
                # the floor's server stays up (idle) beside the app's, so a channel
                # judged against the floor is measured between two floor passes
                with (
                    floor_server(root, env, workers) as floor,
                    serve.gunicorn(
                        env, workers=workers, log_dir=root / "logs", access_log=True
                    ) as server,
                ):
                    floor_result = drive_floor(floor, workers, args, work)
                    figures["results"].append(floor_result.__dict__)
                    print(row(floor_result), flush=True)
                    warm(server, lists, agent)
                    for channel in channels:
                        # first a warm-up pass (kept, marked), then the measured one
                        passes = [(warm_lists, args.warmup, True)] if args.warmup else []
                        sent: list[str] = []  # request lines of this channel, in order
                        for source, seconds, warmup in [*passes, (lists, args.duration, False)]:
                            bracketed = channel in RATIO_CHANNELS and not warmup
                            before = drive_floor(floor, workers, args, work) if bracketed else None
                            result = drive(
                                server,
                                channel,
                                source[channel],
                                work,
                                duration=seconds,
                                connections=args.connections,
                                workers=workers,
                                token=agent if channel == "sidebar" else None,
                            )
                            # one wrk thread sends the lines in order, wrapping around
                            lines = source[channel]
                            done = [lines[i % len(lines)] for i in range(result.requests)]
                            result.asked_before = asked_before(sent, done)
                            sent += done
                            if before is not None:
                                after = drive_floor(floor, workers, args, work)
                                result.floor_around = [before.rps, after.rps]
                            figures["results"].append({**result.__dict__, "warmup": warmup})
                            print(row(result) + ("  (warm-up)" if warmup else ""), flush=True)
                    memory = server.worker_memory_mb()
                    rss = [m["VmRSS"] for m in memory]
                    figures.setdefault("rss_mb", {})[workers] = rss
                    figures.setdefault("rss_parts_mb", {})[workers] = memory
                    print(f"RSS per worker: {rss_line(memory)}", flush=True)
                    # publishes at every worker count (the targets name 2 workers)
                    if args.publishes:
                        targets = [a for a in articles if a.audience == "public"][: args.publishes]
                        pub = publish_and_watch(
                            server.base,
                            publisher,
                            content,
                            targets,
                            publishes=args.publishes,
                        )
                        segments = segments_after_publishing(data / "index")
                        figures.setdefault("publishes", []).append(
                            {
                                "workers": workers,
                                "call_ms": pub.call_ms,
                                "visible_ms": pub.visible_ms,
                                **segments,
                            }
                        )
                        print(
                            f"publish call median {statistics.median(pub.call_ms):.0f} ms, "
                            f"max {max(pub.call_ms):.0f}; visible everywhere median "
                            f"{statistics.median(pub.visible_ms):.0f} ms, max {max(pub.visible_ms):.0f}; "
                            f"{segments_line(segments)}",
                            flush=True,
                        )
                    if args.soak and size == args.soak_size and workers == min(worker_counts):
                        mixed = [line for c in channels for line in lists[c][:3000]]
                        random.Random(1).shuffle(mixed)
                        samples = soak(server, mixed, work, args.soak, agent)
                        figures["soak"] = {"workers": workers, "samples": samples}
                        print(
                            f"soak {args.soak:.0f}s: total worker RSS {samples[0][1]:.0f} -> "
                            f"{samples[-1][1]:.0f} MB (max {max(s[1] for s in samples):.0f})",
                            flush=True,
                        )
            report["sizes"][size] = figures
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmarks.json").write_text(json.dumps(report, indent=1, default=str))
    write_report(report, out)


def write_report(report: dict, out: Path) -> None:
    """Write ``benchmarks.md`` (tables, targets) and ``benchmarks.svg`` (chart) into ``out``."""
    (out / "benchmarks.md").write_text(markdown(report), encoding="utf-8")
    (out / "benchmarks.svg").write_text(svg(report), encoding="utf-8")
    print(f"\nwrote {out / 'benchmarks.md'} and {out / 'benchmarks.svg'}")


def floor_server(root: Path, env: dict[str, str], workers: int):
    """Run the minimal Flask app under the same gunicorn settings as the knowledge base."""
    floor_env = {**env, "PYTHONPATH": str(Path(__file__).resolve().parent)}
    return serve.gunicorn(
        floor_env, workers=workers, app="floor_app:app", log_dir=root / "logs", access_log=True
    )


def drive_floor(floor: serve.Server, workers: int, args, work: Path) -> Result:
    """Drive the floor's server for ``--duration`` seconds."""
    return drive(
        floor,
        "floor",
        ["GET /ping"],
        work,
        duration=args.duration,
        connections=args.connections,
        workers=workers,
        token=None,
    )


def warm(server: serve.Server, lists: dict, token: str) -> None:
    """One request per channel in every worker, so start-up costs are not measured."""
    for _ in range(4 * len(server.worker_pids()) or 4):
        serve.http(server.base + lists["faq_article"][0].split(" ", 1)[1])
        serve.http(server.base + lists["sidebar"][0].split(" ", 1)[1], token=token)


def row(r: Result) -> str:
    server = r.server or {}
    return (
        f"{LABELS[r.channel]:<36} {r.rps:8.0f} req/s  client p50 {r.p50:6.1f} p95 {r.p95:6.1f} "
        f"p99 {r.p99:6.1f} ms  server p50 {fmt(server.get('p50'), 2)} "
        f"p99 {fmt(server.get('p99'), 2)} ms  errors {r.errors} non-2xx {r.non_2xx}"
        + (f"  asked before {_share(r.asked_before)}" if not math.isnan(r.asked_before) else "")
    )


def markdown(report: dict) -> str:
    lines = [
        "# Load benchmark",
        "",
        f"Made by `python bench/load.py {' '.join(_args_text(report['args']))}` on "
        f"this machine ({os.cpu_count()} cores, Python {platform.python_version()}), "
        f"{report.get('date', time.strftime('%Y-%m-%d'))}. Loopback only; wrk with one thread and "
        f"{report['args']['connections']} connections; each channel for "
        f"{report['args']['duration']:.0f} s"
        + (
            f", after a {report['args']['warmup']:.0f} s warm-up pass on another draw of "
            "the same mix: the same popular questions, another sequence (its figures are "
            "the rows marked warm-up pass: what the first seconds after a start cost). "
            '"Asked before" is the share of a pass\'s requests already sent earlier in '
            "the run, the warm-up included: the most a cache shared by all workers could "
            "serve (each worker's own cache sees only its share of the traffic)"
            if report["args"].get("warmup")
            else ""
        )
        + ". Server time is gunicorn's own request "
        "time from its access log; client time includes queueing for a worker.",
        "",
        "![server time against corpus size](benchmarks.svg)",
        "",
        *targets(report),
    ]
    for size, figures in report["sizes"].items():
        lines += [
            f"## {int(size):,} articles",
            "",
            f"- generated in {figures['generate_s']:.1f} s; first import (records every file, "
            f"builds) {figures['import_s']:.1f} s; full rebuild {rebuild_line(figures)}; "
            f"index {figures['index_mb']:.0f} MB",
            f"- search-engine floor, SQLite FTS5 in-process on the same never-seen questions: "
            f"p50 {figures['fts5']['p50']:.2f} ms, p95 {figures['fts5']['p95']:.2f}, "
            f"p99 {figures['fts5']['p99']:.2f} (build {figures['fts5']['build_s']:.2f} s)",
        ]
        for workers, rss in figures.get("rss_mb", {}).items():
            parts = figures.get("rss_parts_mb", {}).get(workers)
            lines.append(
                f"- RSS per worker after the run, {workers} workers: "
                + (rss_line(parts) if parts else ", ".join(f"{r:.0f} MB" for r in rss))
            )
        for pub in figures.get("publishes", []):
            lines.append(
                f"- {len(pub['call_ms'])} publishes with {pub['workers']} workers: publish call "
                f"median {statistics.median(pub['call_ms']):.0f} ms, max {max(pub['call_ms']):.0f}; "
                f"visible on every channel median {statistics.median(pub['visible_ms']):.0f} ms, "
                f"max {max(pub['visible_ms']):.0f}"
                + (f"; {segments_line(pub)}" if "segments" in pub else "")
            )
        soak_figures = figures.get("soak")
        if soak_figures:
            samples = soak_figures["samples"]
            half = min(samples, key=lambda s: abs(s[0] - samples[-1][0] / 2))
            lines.append(
                f"- soak, {soak_figures['workers']} workers, {samples[-1][0]:.0f} s of mixed load: "
                f"total worker RSS {samples[0][1]:.0f} MB at the start, {half[1]:.0f} MB at "
                f"{half[0]:.0f} s, {samples[-1][1]:.0f} MB at the end, max "
                f"{max(s[1] for s in samples):.0f} MB (growth while caches fill shows in the "
                "first half; a leak keeps growing in the second)"
            )
        lines += [
            "",
            "| workers | channel | req/s | share of floor | client p50 / p95 / p99 ms | "
            "server p50 / p95 / p99 ms | errors | non-2xx | asked before |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        floors = {r["workers"]: r["rps"] for r in figures["results"] if r["channel"] == "floor"}
        for r in figures["results"]:
            server = r["server"] or {}
            floor = reference_floor(r, floors.get(r["workers"]))
            share = r["rps"] / floor if floor else float("nan")
            label = LABELS[r["channel"]] + (" (warm-up pass)" if r.get("warmup") else "")
            lines.append(
                f"| {r['workers']} | {label} | {r['rps']:.0f} | {share:.0%} | "
                f"{r['p50']:.1f} / {r['p95']:.1f} / {r['p99']:.1f} | "
                f"{fmt(server.get('p50'), 2)} / {fmt(server.get('p95'), 2)} / "
                f"{fmt(server.get('p99'), 2)} | {r['errors']} | {r['non_2xx']} | "
                f"{_share(r.get('asked_before'))} |"
            )
        bracketed = [r for r in figures["results"] if r.get("floor_around")]
        if bracketed:
            lines += [
                "",
                "The channels with a throughput target ran between two floor passes; their "
                "share is of those two passes' mean: "
                + "; ".join(
                    f"{LABELS[r['channel']]}, {r['workers']} workers: "
                    f"{r['floor_around'][0]:.0f} and {r['floor_around'][1]:.0f} req/s"
                    for r in bracketed
                )
                + ". The other shares are of the floor row's pass.",
            ]
        answer = [
            r
            for r in figures["results"]
            if r["channel"] == "answer_new" and r["server"] and not r.get("warmup")
        ]
        if answer:
            ratio = answer[0]["server"]["p50"] / figures["fts5"]["p50"]
            lines += [
                "",
                f"Answer API (never-seen questions) server p50 over the FTS5 floor's p50: "
                f"{ratio:.1f}x.",
            ]
        lines.append("")
    return "\n".join(lines)


# the targets are stated for this corpus size and worker count
TARGET_SIZE, TARGET_WORKERS = 10_000, 2


def targets(report: dict) -> list[str]:
    """Return the targets section: each target at 10k articles and 2 workers, met or not.

    Empty when the run has no 10k corpus or no 2-worker pass. Latency targets
    on questions use the client's p99 (queueing included), the stricter one.
    """
    figures = {int(k): v for k, v in report["sizes"].items()}.get(TARGET_SIZE)
    if figures is None:
        return []
    by = {
        r["channel"]: r
        for r in figures["results"]
        if r["workers"] == TARGET_WORKERS and not r.get("warmup")
    }
    floor = by.get("floor", {}).get("rps")
    if not by or not floor:
        return []
    rows = []

    def add(target: str, figure: str, met: bool) -> None:
        rows.append(f"| {target} | {figure} | {'met' if met else '**not met**'} |")

    if side := by.get("sidebar"):
        p50, p99 = side["server"]["p50"], side["server"]["p99"]
        add(
            "sidebar: server p50 <= 5 ms, p99 <= 25 ms",
            f"{p50:.2f} / {p99:.2f} ms",
            p50 <= 5 and p99 <= 25,
        )
    if new := by.get("answer_new"):
        add(
            "answer API, never-seen questions: p99 <= 50 ms",
            f"client {new['p99']:.1f} ms (server {new['server']['p99']:.2f})",
            new["p99"] <= 50,
        )
    if cached := by.get("answer_cached"):
        add(
            "answer API, repeated questions from the cache: p99 <= 5 ms",
            f"client {cached['p99']:.1f} ms (server {cached['server']['p99']:.2f})",
            cached["p99"] <= 5,
        )
    for channel, label in (
        ("answer_repeat", "answer API, repeat-heavy mix"),
        ("faq_article", "FAQ article page"),
    ):
        if found := by.get(channel):
            near = reference_floor(found, floor)
            share = found["rps"] / near
            if around := found.get("floor_around"):  # the floor in the minutes the channel ran
                figure = (
                    f"{found['rps']:.0f} of {near:.0f} req/s = {share:.1%} (floor before and "
                    f"after: {around[0]:.0f}, {around[1]:.0f}; of the run's first floor, "
                    f"{floor:.0f}: {found['rps'] / floor:.1%})"
                )
            else:
                figure = f"{found['rps']:.0f} of {floor:.0f} req/s = {share:.0%}"
            add(f"{label}: throughput >= 60 % of the floor", figure, share >= 0.6)
    for pub in figures.get("publishes", []):
        if pub["workers"] == TARGET_WORKERS:
            visible, call = max(pub["visible_ms"]), max(pub["call_ms"])
            add(
                f"publish visible on every channel and worker <= 1 s (max of {len(pub['visible_ms'])})",
                f"{visible:.0f} ms",
                visible <= 1000,
            )
            add("one publish <= 300 ms (max)", f"{call:.0f} ms", call <= 300)
    add("full rebuild <= 15 s", rebuild_line(figures), figures["rebuild_s"] <= 15)
    rss = {int(k): v for k, v in figures.get("rss_mb", {}).items()}.get(TARGET_WORKERS)
    if rss:
        add("RSS per worker <= 200 MB", ", ".join(f"{r:.0f} MB" for r in rss), max(rss) <= 200)
    if soak_figures := figures.get("soak"):
        samples = soak_figures["samples"]
        half = min(samples, key=lambda s: abs(s[0] - samples[-1][0] / 2))
        growth = (samples[-1][1] - half[1]) / half[1]
        add(
            f"no growth over a {samples[-1][0] / 60:.0f}-minute soak (second half within 1 %)",
            f"{half[1]:.0f} -> {samples[-1][1]:.0f} MB ({growth:+.1%})",
            growth <= 0.01,
        )
    return [
        f"## Targets ({TARGET_SIZE:,} articles, {TARGET_WORKERS} workers)",
        "",
        "| target | this run | |",
        "|---|---|---|",
        *rows,
        "",
    ]


def _share(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.0%}"


def _args_text(args: dict) -> list[str]:
    out = []
    for key in ("sizes", "workers", "duration", "warmup", "soak", "soak_size"):
        if args.get(key) and (key != "soak_size" or args.get("soak")):
            out.append(f"--{key.replace('_', '-')} {args[key]}")
    return out


def svg(report: dict) -> str:
    """Return a line chart of server time (p50 and p99) against corpus size, per channel."""
    width, height, left, bottom, top, right = 720, 420, 70, 50, 30, 230
    series: dict[str, list[tuple[int, float]]] = {}
    for size, figures in report["sizes"].items():
        workers = min(r["workers"] for r in figures["results"])
        for r in figures["results"]:
            if r["workers"] != workers or not r["server"] or r["channel"] == "floor":
                continue
            if r.get("warmup"):
                continue
            for p in ("p50", "p99"):
                series.setdefault(f"{LABELS[r['channel']]} {p}", []).append(
                    (int(size), r["server"][p])
                )
    if not series:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    sizes = sorted({s for points in series.values() for s, _ in points})
    values = [v for points in series.values() for _, v in points if v > 0]
    lo, hi = math.log10(min(values)), math.log10(max(values))
    hi = max(hi, lo + 1)
    xs_lo, xs_hi = (
        math.log10(sizes[0]),
        math.log10(sizes[-1]) if len(sizes) > 1 else 1 + math.log10(sizes[0]),
    )

    def x(size: int) -> float:
        span = (xs_hi - xs_lo) or 1
        return left + (math.log10(size) - xs_lo) / span * (width - left - right)

    def y(value: float) -> float:
        return top + (hi - math.log10(max(value, 1e-3))) / (hi - lo) * (height - top - bottom)

    colours = ["#1b6ac9", "#c93c1b", "#2a8f3a", "#8a4fc9", "#c9a01b", "#555555"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="13">Server time (ms, log scale) against corpus size, '
        "gunicorn -w 2</text>",
    ]
    for decade in range(math.floor(lo), math.ceil(hi) + 1):
        value = 10**decade
        if lo <= decade <= hi:
            parts.append(
                f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                'stroke="#ddd"/>'
                f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>'
            )
    for size in sizes:
        parts.append(
            f'<text x="{x(size):.1f}" y="{height - bottom + 18}" text-anchor="middle">'
            f"{size:,}</text>"
        )
    for n, (name, points) in enumerate(sorted(series.items())):
        colour = colours[(n // 2) % len(colours)]
        dash = ' stroke-dasharray="4 3"' if name.endswith("p99") else ""
        path = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in sorted(points))
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}"{dash} stroke-width="2"/>'
        )
        ly = top + 14 * n
        parts.append(
            f'<line x1="{width - right + 10}" x2="{width - right + 30}" y1="{ly}" y2="{ly}" '
            f'stroke="{colour}"{dash} stroke-width="2"/>'
            f'<text x="{width - right + 35}" y="{ly + 4}">{name}</text>'
        )
    parts.append(
        f'<text x="{(left + width - right) / 2:.0f}" y="{height - 12}" text-anchor="middle">'
        "articles (log scale)</text></svg>"
    )
    return "\n".join(parts)


if __name__ == "__main__":
    main()
