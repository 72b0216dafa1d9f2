"""The soak's report in Markdown (``bench/soak.py``; ``--write`` puts it in ``docs/soak.md``)."""

from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # bench/ is a folder of scripts: its siblings import by name

# --- reporting -------------------------------------------------------------------------


def _ms(values: list[float]) -> str:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return "n/a"
    return f"median {statistics.median(finite):.0f} ms, max {max(finite):.0f} ms"


def markdown(result: dict) -> str:
    """Return the report as Markdown."""
    args = result["args"]
    corpus_text = (
        f"{result['articles']:,} generated articles (`bench/corpus.py`, seed {args['seed']})"
        if args["articles"]
        else f"the sample content ({result['articles']} articles)"
    )
    lines = [
        "# Soak",
        "",
        f"Made by `python bench/soak.py --minutes {args['minutes']:g} --articles "
        f"{args['articles']} --workers {args['workers']}` on {result['date']}, "
        f"{result['machine']['cores']} cores, Python {result['machine']['python']}, loopback "
        f"only: {corpus_text}, `gunicorn -w {args['workers']}`, {result['seconds']:.0f} s of "
        f"load. Each reading channel has its own wrk ({args['connections']} connection each); "
        f"a publisher changes one of {', '.join(result['targets'])} (in turn) through "
        f"`PUT /api/v1/articles/<id>` every {args['publish_every']:g} s. Correctness and "
        "memory are what this run is for; throughput is in benchmarks.md.",
        "",
        f"**Result: {'PASS' if result['ok'] else 'FAIL'}**",
        "",
        "| check | verdict | found |",
        "|---|---|---|",
    ]
    for c in result["checks"]:
        lines.append(f"| {c['name']} | {'pass' if c['ok'] else 'FAIL'} | {c['detail']} |")
    lines += ["", *_channel_lines(result), "", *_publish_lines(result), "", *_memory_lines(result)]
    return "\n".join(lines) + "\n"


def _channel_lines(result: dict) -> list[str]:
    lines = [
        "## Readers",
        "",
        "| channel | requests | req/s | client p50 / p99 ms | non-2xx (wrk) | socket errors |",
        "|---|---|---|---|---|---|",
    ]
    for channel, f in result["channels"].items():
        rps = f["requests"] / (f["duration_us"] / 1e6) if f.get("duration_us") else 0
        lines.append(
            f"| {load.LABELS[channel]} | {f['requests']:,} | {rps:.1f} | "
            f"{f.get('p50', 0) / 1000:.1f} / {f.get('p99', 0) / 1000:.1f} | "
            f"{f.get('non_2xx', 0)} | {f.get('errors', 0)} |"
        )
    lines += [
        "",
        "Every response by status, from gunicorn's access log (readers, publisher and "
        "the publisher's visibility polls):",
        "",
        "| channel | responses | by status |",
        "|---|---|---|",
    ]
    for group, counts in sorted(result["statuses"].items()):
        by_status = ", ".join(f"{s}: {n:,}" for s, n in sorted(counts.items()))
        lines.append(f"| {group} | {sum(counts.values()):,} | {by_status} |")
    return lines


def _publish_lines(result: dict) -> list[str]:
    pubs = result["publishes"]
    ok = [p for p in pubs if p["status"] == 200]
    lines = [
        "## Publishes",
        "",
        f"- attempted {len(pubs)}, succeeded {len(ok)}",
        f"- publish call: {_ms([p['call_ms'] for p in ok])}",
        f"- until the article API, the FAQ page and the sidebar all served it (first "
        f"agreeing round, under load): {_ms([p['visible_ms'] for p in ok])}",
        "",
        "| article | publishes | revisions in history | soak revisions | audit lines | "
        "final revision (all channels) |",
        "|---|---|---|---|---|---|",
    ]
    final = {a["key"]: a for a in result["agreement"]}
    for h in result["history"]:
        span = f"r{h['first']}..r{h['first'] + h['publishes'] - 1}" if h["publishes"] else "-"
        end = final.get(h["key"], {})
        lines.append(
            f"| {h['key']} | {h['publishes']} | {h['revisions']} | {span} | "
            f"{h['audit_lines']} | r{end.get('revision')} `{str(end.get('content_hash'))[:12]}` |"
        )
    return lines


def _memory_lines(result: dict) -> list[str]:
    args = result["args"]
    mem = result["memory"]
    lines = [
        "## Memory",
        "",
        f"Resident memory (VmRSS) every {args['sample_every']:g} s. Warm-up: the first "
        f"{args['warmup']:g} min (caches fill up early). Bound: after the warm-up, growth "
        f"at most {args['max_growth_pct']:g} % and a slope of at most {args['max_slope']:g} "
        "MB/min over the second half of the run (linear least-squares fit)"
        + ("" if mem["judged"] else "; **not judged**, the run is too short")
        + ".",
        "",
        "| process | at start | after warm-up | at end | max | growth after warm-up | "
        "slope, second half | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in mem["rows"]:
        verdict = ("pass" if r["ok"] else "FAIL") if mem["judged"] else "not judged"
        lines.append(
            f"| {r['process']} | {r['first_mb']:.1f} MB | {r['start_mb']:.1f} MB "
            f"({r['start_s']:.0f} s) | {r['end_mb']:.1f} MB | {r['max_mb']:.1f} MB | "
            f"{r['growth_mb']:+.1f} MB ({r['growth_pct']:+.1f} %) | "
            f"{_slope(r['slope_mb_per_min'])} | {verdict} |"
        )
    lines += ["", *_minute_table(mem["series"])]
    return lines


def _slope(value: float) -> str:
    return f"{value:+.2f} MB/min" if math.isfinite(value) else "n/a (too few samples)"


def _minute_table(series: dict[str, list]) -> list[str]:
    """Return RSS at each whole minute (the sample nearest to it), per process."""
    names = list(series)
    last = max((t for points in series.values() for t, _ in points), default=0)
    lines = [
        "| minute | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for minute in range(int(last // 60) + 1):
        cells = []
        for name in names:
            _t, mb = min(series[name], key=lambda p, m=minute: abs(p[0] - 60 * m))
            cells.append(f"{mb:.1f}")
        lines.append(f"| {minute} | " + " | ".join(cells) + " |")
    return lines
