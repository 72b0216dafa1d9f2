"""The checks of the soak (``bench/soak.py``): status counts, history, agreement, memory.

Each check returns what it found, so the report can say why it failed; the
tests (``tests/test_soak.py``) feed them broken histories and results to make
sure they can fail.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # bench/ is a folder of scripts: its siblings import by name
import load
import serve

from kb import content

PUBLISHER = "soak-publisher"
RECEIPT = re.compile(
    r'data-article-id="([^"]+)" data-lang="([^"]+)" data-revision="(\d+)" '
    r'data-content-hash="([0-9a-f]+)"'
)


@dataclass
class Target:
    """An article the publisher changes, and the question that finds it on every channel."""

    article: corpus.Generated
    path: Path
    original: content.Article

    @property
    def key(self) -> str:
        return f"{self.article.lang}:{self.article.id}"


@dataclass
class Publish:
    """One publish attempt and what the API said."""

    n: int
    key: str
    note: str
    status: int | None  # None: no HTTP answer (timeout, connection error)
    revision: int | None = None
    content_hash: str | None = None
    call_ms: float = 0.0
    visible_ms: float | None = None  # until the article API, FAQ page and sidebar served it
    error: str = ""


@dataclass
class Samples:
    """Resident memory (MB) per process over time: ``series[name] = [(seconds, MB), ...]``."""

    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    worker_pids: list[list[int]] = field(default_factory=list)  # the pid set at each sample


# --- checking --------------------------------------------------------------------------


def path_group(path: str) -> str:
    """Return the channel a request path belongs to (as gunicorn's access log names it)."""
    if path.startswith("/agent/search"):
        return "sidebar"
    if path in ("/api/v1/answer", "/api/v1/chat"):
        return "answer API" if path.endswith("answer") else "chat API"
    if path.startswith("/api/v1/articles/"):
        return "article API (publisher and watcher)"
    parts = path.split("/")
    if len(parts) > 2 and parts[2] in ("search", "articles"):
        return "FAQ search" if parts[2] == "search" else "FAQ article page"
    return "other"


def access_statuses(access_log: Path) -> dict[str, dict[int, int]]:
    """Count gunicorn's access-log lines by channel and status."""
    counts: dict[str, dict[int, int]] = {}
    with access_log.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 3 or not parts[-1].isdigit():
                continue
            group = counts.setdefault(path_group(parts[0]), {})
            group[int(parts[-1])] = group.get(int(parts[-1]), 0) + 1
    return counts


def errors_logged(log: Path) -> list[str]:
    """Return the last line of every traceback in gunicorn's error log (the app's included)."""
    found, inside = [], False
    for line in log.read_text("utf-8", "replace").splitlines():
        if line.startswith("Traceback (most recent call last)"):
            inside = True
        elif inside and line and not line.startswith((" ", "\t")):
            found.append(line.strip()[:200])
            inside = False
    return found


def connect_ro(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)


def verify_history(db_path: Path, targets: list[Target], publishes: list[Publish]) -> tuple:
    """Check that every publish is recorded exactly once; return (rows per target, problems)."""
    db = connect_ro(db_path)
    rows, problems = [], []
    try:
        for target in targets:
            mine = [p for p in publishes if p.key == target.key]
            row, found = _history_of(db, target, mine)
            rows.append(row)
            problems += found
    finally:
        db.close()
    return rows, problems


def _history_of(db: sqlite3.Connection, target: Target, mine: list[Publish]) -> tuple:
    a = target.article
    history = db.execute(
        "SELECT revision, action, content_hash, note, author FROM revisions "
        "WHERE article_id = ? AND lang = ? ORDER BY seq",
        [a.id, a.lang],
    ).fetchall()
    audit = db.execute(
        "SELECT detail FROM audit WHERE action = 'article.publish' AND target = ? AND actor = ?",
        [target.key, PUBLISHER],
    ).fetchall()
    problems = []
    numbers = [h[0] for h in history]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"{target.key}: revisions are not 1..{len(numbers)}: {numbers}")
    by_note: dict[str, list[tuple]] = {}
    for h in history:
        by_note.setdefault(h[3], []).append(h)
    details = [d[0] for d in audit]
    done = [p for p in mine if p.status == 200]
    for p in done:
        rows = by_note.get(p.note, [])
        if [(r[0], r[1], r[2]) for r in rows] != [(p.revision, "publish", p.content_hash)]:
            problems.append(f"{target.key}: publish {p.n} (r{p.revision}) is recorded as {rows}")
        lines = details.count(f"r{p.revision}: {p.note}")
        if lines != 1:
            problems.append(f"{target.key}: publish {p.n} has {lines} audit lines")
    for p in mine:
        if p.status is not None and p.status != 200 and p.note in by_note:
            problems.append(f"{target.key}: failed publish {p.n} was recorded anyway")
    soak_revisions = [h[0] for h in history if h[3].startswith("soak publish ")]
    if soak_revisions != [p.revision for p in done]:
        problems.append(
            f"{target.key}: the soak's revisions {soak_revisions} are not the publishes'"
        )
    if done and soak_revisions != list(range(done[0].revision, done[0].revision + len(done))):
        problems.append(f"{target.key}: the soak's revisions are not consecutive")
    if len(details) != len(done):
        problems.append(f"{target.key}: {len(details)} audit lines for {len(done)} publishes")
    row = {
        "key": target.key,
        "publishes": len(done),
        "revisions": len(numbers),
        "first": done[0].revision if done else None,
        "last": numbers[-1] if numbers else None,
        "audit_lines": len(details),
    }
    return row, problems


def newest(db_path: Path, target: Target) -> tuple[int, str, str]:
    """Return the newest revision of a target in the history: number, content hash, text."""
    db = connect_ro(db_path)
    try:
        return db.execute(
            "SELECT revision, content_hash, text FROM revisions WHERE article_id = ? AND lang = ? "
            "ORDER BY revision DESC LIMIT 1",
            [target.article.id, target.article.lang],
        ).fetchone()
    finally:
        db.close()


def served(base: str, agent: str, target: Target) -> dict[str, set[tuple[int, str] | None]]:
    """Ask every channel once for the target; return the (revision, hash) each one served."""
    a = target.article
    question = load.q(a.title)

    def receipts(html: str) -> set:
        found = {
            (int(r), h) for i, lang, r, h in RECEIPT.findall(html) if (i, lang) == (a.id, a.lang)
        }
        return found or {None}

    def answer(body: str) -> set:
        got = json.loads(body).get("answer") or {}
        return {(got["revision"], got["content_hash"])} if got.get("id") == a.id else {None}

    article = json.loads(serve.http(f"{base}/api/v1/articles/{a.id}?lang={a.lang}")[2])
    chat = serve.http(
        f"{base}/api/v1/chat", method="POST", body={"message": a.title, "lang": a.lang}
    )[2]
    return {
        "article API": {(article["revision"], article["content_hash"])},
        "FAQ article page": receipts(serve.http(f"{base}/{a.lang}/articles/{a.id}")[2]),
        "FAQ search": receipts(serve.http(f"{base}/{a.lang}/search?q={question}")[2]),
        "sidebar": receipts(
            serve.http(f"{base}/agent/search?q={question}&lang={a.lang}", token=agent)[2]
        ),
        "answer API": answer(serve.http(f"{base}/api/v1/answer?q={question}&lang={a.lang}")[2]),
        "chat API": answer(chat),
    }


def verify_agreement(
    base: str, agent: str, db_path: Path, targets: list[Target], rounds: int
) -> tuple[list[dict], list[str]]:
    """Check that the file, the newest revision and every channel (``rounds`` times) agree."""
    rows, problems = [], []
    for target in targets:
        revision, content_hash, text = newest(db_path, target)
        on_disk = target.path.read_text("utf-8")
        if on_disk != text:
            problems.append(f"{target.key}: the file differs from revision {revision}'s text")
        if content.parse_article(on_disk, path=None).content_hash != content_hash:
            problems.append(f"{target.key}: the file's content hash is not revision {revision}'s")
        seen: dict[str, set] = {}
        for _ in range(rounds):
            for channel, values in served(base, agent, target).items():
                seen.setdefault(channel, set()).update(values)
        for channel, values in seen.items():
            if values != {(revision, content_hash)}:
                problems.append(f"{target.key}: {channel} served {sorted(values, key=str)}")
        rows.append({"key": target.key, "revision": revision, "content_hash": content_hash})
    return rows, problems


def memory(
    samples: Samples, *, warmup: float, seconds: float, max_growth_pct: float, max_slope: float
) -> tuple[list[dict], list[str], bool]:
    """Judge memory flatness after the warm-up; return (rows per process, problems, judged)."""
    judged = seconds >= warmup + 180
    rows, problems = [], []
    for name, points in samples.series.items():
        steady = [p for p in points if p[0] >= warmup] or points
        second = [p for p in points if p[0] >= max(warmup, seconds / 2)]
        slope = (
            statistics.linear_regression(
                [t / 60 for t, _ in second], [mb for _, mb in second]
            ).slope
            if len(second) >= 3
            else float("nan")
        )
        start, end = steady[0][1], steady[-1][1]
        growth_pct = (end - start) / start * 100
        row = {
            "process": name,
            "first_mb": points[0][1],
            "start_mb": start,
            "start_s": steady[0][0],
            "end_mb": end,
            "max_mb": max(mb for _, mb in points),
            "growth_mb": end - start,
            "growth_pct": growth_pct,
            "slope_mb_per_min": slope,
            "ok": growth_pct <= max_growth_pct and not slope > max_slope,
        }
        rows.append(row)
        if judged and not row["ok"]:
            problems.append(
                f"{name}: {start:.1f} -> {end:.1f} MB ({growth_pct:+.1f} %), "
                f"slope {slope:.2f} MB/min"
            )
    return rows, problems, judged


def checks(
    result: dict, history: list[str], agreement: list[str], mem: list[str] | None
) -> list[dict]:
    """Return every check with its verdict and what it found."""
    statuses = [(s, n) for group in result["statuses"].values() for s, n in group.items()]
    five_xx = sum(n for s, n in statuses if s >= 500)
    other = sum(n for s, n in statuses if s >= 300)
    wrk = result["channels"]
    # wrk's errors include the responses with a 4xx or 5xx; the rest are socket errors
    socket_errors = sum(f.get("errors", 0) - f.get("non_2xx", 0) for f in wrk.values())
    pubs = result["publishes"]
    ok = [p for p in pubs if p["status"] == 200]
    late = [p["n"] for p in ok if p["visible_ms"] is None or not math.isfinite(p["visible_ms"])]
    pid_sets = result["worker_pid_sets"]

    def check(name: str, passed: bool, detail: str) -> dict:
        return {"name": name, "ok": bool(passed), "detail": detail}

    return [
        check("no 5xx", five_xx == 0, f"{five_xx} responses with 5xx"),
        check("every response 2xx", other == 0, f"{other} responses with 3xx, 4xx or 5xx"),
        check(
            "no socket errors or timeouts",
            socket_errors == 0,
            f"{socket_errors} (wrk: connect, read, write, timeout)",
        ),
        check(
            "every channel served requests",
            all(f.get("requests", 0) > 0 for f in wrk.values()),
            ", ".join(f"{c} {f.get('requests', 0)}" for c, f in wrk.items()),
        ),
        check(
            "every publish succeeded",
            pubs and len(ok) == len(pubs) and not result["publisher_failures"],
            f"{len(ok)} of {len(pubs)}" + "".join(f"; {f}" for f in result["publisher_failures"]),
        ),
        check("every publish recorded exactly once", not history, "; ".join(history) or "yes"),
        check(
            "every publish visible on article API, FAQ page and sidebar",
            not late,
            f"not within the limit: publishes {late}" if late else "yes",
        ),
        check(
            "file, history and every channel agree at the end",
            not agreement,
            "; ".join(agreement) or "yes",
        ),
        check("no worker replaced", len(pid_sets) == 1, f"worker pid sets seen: {pid_sets}"),
        check(
            "no traceback in gunicorn's error log",
            not result["tracebacks"],
            f"{len(result['tracebacks'])}" + "".join(f"; {t}" for t in result["tracebacks"][:3]),
        ),
        check(
            "memory flat after warm-up",
            not mem,
            "not judged (run shorter than warm-up + 3 min)"
            if mem is None
            else "; ".join(mem) or "yes",
        ),
    ]
