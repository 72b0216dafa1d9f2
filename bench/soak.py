"""A bounded soak: readers on every channel and a publish every few seconds (loopback only).

    python bench/soak.py --minutes 10 --articles 1000 --workers 2 [--write]
    python bench/soak.py --minutes 1 --articles 0          # the sample content

It generates a synthetic corpus (``bench/corpus.py``; ``--articles 0`` copies
the sample content), indexes it with ``kb reindex``, starts ``gunicorn -w N``
on 127.0.0.1 (``bench/serve.py``) and for the whole run:

- drives every reading channel with its own wrk (``load.run_wrk`` over the
  request mixes of ``load.request_lists``): FAQ article pages, FAQ search,
  the agent sidebar as a signed-in agent (API token), the answer API
  (repeated and never-seen questions) and the chat API;
- publishes a changed article through ``PUT /api/v1/articles/<id>`` with a
  publisher's token every ``--publish-every`` seconds, taking turns over a
  few articles in different languages, and polls until the article API, the
  FAQ page and the sidebar serve the new revision;
- samples the resident memory of the gunicorn master and of every worker.

Then it checks, and exits 1 when any check fails:

- no 5xx and no socket errors or timeouts, on any channel;
- every publish succeeded and is recorded exactly once: one revision row and
  one audit line per publish in SQLite, with the revision and content hash
  the API returned, the article's revisions consecutive (none missing, none
  twice);
- the final file, the newest revision in the history and what every channel
  serves (article API, FAQ page, FAQ search, sidebar, answer API, chat)
  agree on revision and content hash, on every worker;
- memory is flat after the warm-up (``--warmup``, default 2 minutes; caches
  fill up early): for each process, growth from the first sample after the
  warm-up to the last is at most ``--max-growth-pct`` (10 %) and the slope of
  a linear fit over the second half of the run is at most ``--max-slope``
  (1 MB per minute). Runs shorter than the warm-up plus 3 minutes report
  memory without judging it.

It prints a Markdown report (``--write`` also writes ``docs/soak.md``;
``--json`` writes the figures). The checks are in ``bench/soak_checks.py``,
the report in ``bench/soak_report.py``; servers and load come from
``bench/serve.py`` and ``bench/load.py``. Needs wrk (``apt-get install wrk``) and
gunicorn (``pip install -e '.[test]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # bench/ is a folder of scripts: its siblings import by name
import load
import serve
from soak_checks import (
    PUBLISHER,
    Publish,
    Samples,
    Target,
    access_statuses,
    checks,
    errors_logged,
    memory,
    verify_agreement,
    verify_history,
)
from soak_report import markdown

from kb import content

REPO = serve.REPO
AGENT = "soak-agent"

# --- setting up ------------------------------------------------------------------------


def prepare(root: Path, articles: int, seed: int) -> tuple[Path, dict[str, str], list]:
    """Write the content (generated, or the sample content when ``articles`` is 0) and index it."""
    content_dir = root / "content"
    if articles:
        corpus.generate(content_dir, articles, seed=seed)
    else:
        shutil.copytree(REPO / "content", content_dir)
    env = serve.kb_env(content_dir, root / "data")
    serve.kb(env, "reindex")
    scanned = content.scan(content_dir)
    generated = [
        corpus.Generated(a.id, a.lang, a.category, a.title, tuple(a.questions), a.audience)
        for a in scanned.articles
    ]
    return content_dir, env, generated


def answered_by(base: str, question: str, lang: str) -> dict | None:
    """Return the answer API's ``answer`` object for a question (None when it hands off)."""
    status, _, body = serve.http(f"{base}/api/v1/answer?q={load.q(question)}&lang={lang}")
    return json.loads(body).get("answer") if status == 200 else None


def pick_targets(base: str, content_dir: Path, articles: list, count: int) -> list[Target]:
    """Pick ``count`` public articles, in different languages, that their title answers with."""
    order = ("en", "ar", "ru", "fa", "tr", "az")
    by_lang: dict[str, list] = {}
    for a in articles:
        if a.audience == "public":
            by_lang.setdefault(a.lang, []).append(a)
    targets: list[Target] = []
    for lang in [lang for lang in order if lang in by_lang] * count:
        for a in by_lang[lang]:
            if any(t.article == a for t in targets):
                continue
            found = answered_by(base, a.title, a.lang)
            if found and found["id"] == a.id:
                path = content_dir / a.lang / a.category / f"{a.id}.md"
                original = content.parse_article(path.read_text("utf-8"), path=None)
                targets.append(Target(a, path, original))
                break
        if len(targets) == count:
            break
    if not targets:
        raise RuntimeError("no public article is answered by its own title")
    return targets


# --- the load --------------------------------------------------------------------------


def changed_text(target: Target, n: int) -> str:
    """Return the target's file with its short answer changed for publish ``n``."""
    body = f"Soak update {n}: {target.original.body}"
    return content.serialise(target.original.with_changes(body=body))


def current_revision(base: str, target: Target) -> int:
    _, _, body = serve.http(
        f"{base}/api/v1/articles/{target.article.id}?lang={target.article.lang}"
    )
    return json.loads(body)["revision"]


def wait_visible(base: str, agent: str, target: Target, revision: int, limit: float) -> float:
    """Poll the article API, FAQ page and sidebar until all serve ``revision``; return ms."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        seen = load.revisions_seen(base, agent, target.article, target.article.title)
        if seen == (revision,) * 3:
            return (time.perf_counter() - started) * 1000
        time.sleep(0.05)
    return float("nan")


def publisher(
    base: str,
    token: str,
    agent: str,
    targets: list[Target],
    every: float,
    stop: threading.Event,
    out: list[Publish],
) -> None:
    """Publish a changed target every ``every`` seconds until ``stop`` is set."""
    bases = {t.key: current_revision(base, t) for t in targets}
    n = 0
    while not stop.is_set():
        started = time.perf_counter()
        target = targets[n % len(targets)]
        out.append(publish_one(base, token, agent, target, n, bases, limit=max(10, every)))
        n += 1
        stop.wait(max(0.0, every - (time.perf_counter() - started)))


def publish_one(
    base: str, token: str, agent: str, target: Target, n: int, bases: dict, *, limit: float
) -> Publish:
    """Make publish ``n`` of ``target`` and wait until it is visible; update ``bases``."""
    a = target.article
    record = Publish(n=n, key=target.key, note=f"soak publish {n}", status=None)
    started = time.perf_counter()
    try:
        status, _, body = serve.http(
            f"{base}/api/v1/articles/{a.id}?lang={a.lang}",
            token=token,
            method="PUT",
            body={
                "markdown": changed_text(target, n),
                "base_revision": bases[target.key],
                "note": record.note,
            },
            timeout=30,
        )
    except OSError as exc:  # a publish that may or may not have happened
        record.error = repr(exc)
        bases[target.key] = current_revision(base, target)
        return record
    record.call_ms = (time.perf_counter() - started) * 1000
    record.status = status
    answer = json.loads(body)
    if status != 200:
        record.error = body[:300]
        bases[target.key] = answer.get("error", {}).get("current_revision") or current_revision(
            base, target
        )
        return record
    record.revision, record.content_hash = answer["revision"], answer["content_hash"]
    bases[target.key] = record.revision
    record.visible_ms = wait_visible(base, agent, target, record.revision, limit)
    return record


def rss_mb(pid: int) -> float | None:
    """Return the resident memory of a process in MB (None when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def sampler(server: serve.Server, every: float, stop: threading.Event, out: Samples) -> None:
    """Sample the master's and every worker's RSS every ``every`` seconds until ``stop``."""
    started = time.monotonic()
    while True:
        at = time.monotonic() - started
        workers = sorted(server.worker_pids())
        out.worker_pids.append(workers)
        for name, pid in [("master", server.process.pid)] + [(f"worker {p}", p) for p in workers]:
            mb = rss_mb(pid)
            if mb is not None:
                out.series.setdefault(name, []).append((round(at, 1), round(mb, 2)))
        if stop.wait(every):
            return


def readers(
    server: serve.Server,
    lists: dict,
    work: Path,
    *,
    seconds: float,
    connections: int,
    agent: str,
) -> dict[str, dict]:
    """Drive every reading channel with its own wrk for ``seconds``; return wrk's figures."""
    figures: dict[str, dict] = {}

    def drive(channel: str) -> None:
        folder = work / channel
        folder.mkdir(parents=True, exist_ok=True)
        try:
            figures[channel] = load.run_wrk(
                server.base,
                lists[channel],
                folder,
                duration=seconds,
                connections=connections,
                token=agent if channel == "sidebar" else None,
            )
        except Exception as exc:  # reported as a failed check
            figures[channel] = {"requests": 0, "errors": 1, "failure": repr(exc)}

    threads = [threading.Thread(target=drive, args=(c,)) for c in load.CHANNELS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return figures


# --- running ---------------------------------------------------------------------------


def soak(args: argparse.Namespace, root: Path) -> dict:
    """Set up, run the load and the publisher, check everything; return the figures."""
    content_dir, env, articles = prepare(root, args.articles, args.seed)
    # the app's own log (tracebacks of 500s) goes to gunicorn's error log, not to /dev/null
    env["GUNICORN_CMD_ARGS"] = "--capture-output"
    token = serve.make_token(env, PUBLISHER, "publisher")
    agent = serve.make_token(env, AGENT, "agent")
    lists = load.request_lists(articles, args.seed, 20_000)
    db_path = root / "data" / "kb.sqlite"
    samples, publishes, failures = Samples(), [], []
    with serve.gunicorn(
        env, workers=args.workers, log_dir=root / "logs", access_log=True
    ) as server:
        load.warm(server, lists, agent)
        targets = pick_targets(server.base, content_dir, articles, args.targets)
        stop = threading.Event()

        def publish_loop() -> None:
            try:
                publisher(server.base, token, agent, targets, args.publish_every, stop, publishes)
            except Exception as exc:  # reported as a failed check
                failures.append(repr(exc))

        threads = [
            threading.Thread(target=sampler, args=(server, args.sample_every, stop, samples)),
            threading.Thread(target=publish_loop),
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        wrk = readers(
            server,
            lists,
            root / "wrk",
            seconds=args.minutes * 60,
            connections=args.connections,
            agent=agent,
        )
        stop.set()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
        time.sleep(0.5)  # let gunicorn flush its access log
        agreement, disagreements = verify_agreement(
            server.base, agent, db_path, targets, rounds=3 * args.workers
        )
        statuses = access_statuses(server.access_log)
    tracebacks = errors_logged(server.log)
    history, history_problems = verify_history(db_path, targets, publishes)
    mem_rows, mem_problems, judged = memory(
        samples,
        warmup=args.warmup * 60,
        seconds=seconds,
        max_growth_pct=args.max_growth_pct,
        max_slope=args.max_slope,
    )
    result = {
        "args": vars(args),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "date": time.strftime("%Y-%m-%d"),
        "seconds": seconds,
        "articles": len(articles),
        "targets": [t.key for t in targets],
        "channels": wrk,
        "statuses": statuses,
        "publishes": [asdict(p) for p in publishes],
        "publisher_failures": failures,
        "history": history,
        "agreement": agreement,
        "memory": {"judged": judged, "rows": mem_rows, "series": samples.series},
        "worker_pid_sets": sorted({tuple(p) for p in samples.worker_pids}),
        "tracebacks": tracebacks,
    }
    result["checks"] = checks(
        result, history_problems, disagreements, mem_problems if judged else None
    )
    result["ok"] = all(c["ok"] for c in result["checks"])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="length of the load")
    parser.add_argument("--articles", type=int, default=1000, help="0: the sample content")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--publish-every", type=float, default=3, help="seconds between publishes")
    parser.add_argument("--targets", type=int, default=3, help="articles the publisher changes")
    parser.add_argument("--connections", type=int, default=1, help="wrk connections per channel")
    parser.add_argument("--sample-every", type=float, default=5, help="seconds between RSS samples")
    parser.add_argument(
        "--warmup", type=float, default=2, help="minutes before memory must be flat"
    )
    parser.add_argument("--max-growth-pct", type=float, default=10)
    parser.add_argument("--max-slope", type=float, default=1.0, help="MB per minute")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="also write docs/soak.md")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = soak(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="kb-soak-") as tmp:
            result = soak(args, Path(tmp))
    report = markdown(result)
    print(report)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    if args.write:
        (REPO / "docs" / "soak.md").write_text(report, encoding="utf-8")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
