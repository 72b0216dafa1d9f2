"""``/insights``: what customers and agents asked, what to write or fix next, and answer receipts.

Editors and above only. Every table has a CSV export. Charts are SVG drawn
by the template from numbers computed here (no script, no build step).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from kb import feedback, insights, journal
from kb import lang as langs
from kb.errors import BadRequest
from kb.web import current_kb, get_db, get_journal
from kb.web.account import require_role
from kb.web.admin import csv_cell

bp = Blueprint("insights", __name__, url_prefix="/insights")
MAX_DAYS = 365


@bp.before_request
@require_role("editor")
def _editors_only():
    """Every insights route needs the editor role (or above)."""
    kb = current_kb()
    if kb.recorder is not None:
        kb.recorder.flush()  # this worker's last answers are in the tables before we read


def _days() -> int:
    raw = request.args.get("days", "30")
    try:
        days = int(raw)
    except ValueError:
        raise BadRequest("'days' must be a whole number") from None
    if not 1 <= days <= MAX_DAYS:
        raise BadRequest(f"'days' must be between 1 and {MAX_DAYS}")
    return days


def _threshold() -> float:
    return current_kb().engine.threshold


def chart(per_day: list[dict], *, width: int = 720, height: int = 180) -> dict[str, Any]:
    """Return stacked bars (one per day, one colour per channel) as numbers for the SVG template."""
    if not per_day:
        return {"width": width, "height": height, "bars": [], "max": 0, "labels": []}
    top = max(sum(d[c] for c in journal.CHANNELS) for d in per_day) or 1
    slot = width / len(per_day)
    bars = []
    for i, day in enumerate(per_day):
        y = height
        for channel in journal.CHANNELS:
            h = height * day[channel] / top
            if h:
                y -= h
                bars.append(
                    {
                        "x": round(i * slot + 1, 1),
                        "y": round(y, 1),
                        "w": round(max(slot - 2, 1), 1),
                        "h": round(h, 1),
                        "channel": channel,
                        "title": f"{day['day']} {channel}: {day[channel]}",
                    }
                )
    step = max(1, len(per_day) // 6)
    labels = [
        {"x": round(i * slot, 1), "text": d["day"][5:]}
        for i, d in enumerate(per_day)
        if i % step == 0
    ]
    return {"width": width, "height": height, "bars": bars, "max": top, "labels": labels}


@bp.get("")
def overview():
    days = _days()
    data = insights.overview(get_journal(), days)
    gaps = insights.gaps(get_journal(), threshold=_threshold(), days=days, limit=10)
    return render_template(
        "insights/overview.html",
        lang="en",
        days=days,
        data=data,
        chart=chart(data.per_day),
        channels=journal.CHANNELS,
        gaps=gaps,
        queue_size=len(feedback.open_items(get_journal())),
    )


@bp.get("/gaps")
def gaps_page():
    days = _days()
    return render_template(
        "insights/gaps.html",
        lang="en",
        days=days,
        gaps=insights.gaps(get_journal(), threshold=_threshold(), days=days, limit=200),
    )


def _review_items() -> list:
    soon = (
        dt.date.today() + dt.timedelta(days=int(current_app.config["REVIEW_SOON_DAYS"]))
    ).isoformat()
    return sorted(
        (e for e in current_kb().index.entries() if e.review_by and e.review_by <= soon),
        key=lambda e: (e.review_by, e.key),
    )


@bp.get("/queue")
def queue():
    """One list of what to fix next: agent flags, customers' "no" votes, reviews due."""
    return render_template(
        "insights/queue.html",
        lang="en",
        items=feedback.open_items(get_journal()),
        reviews=_review_items(),
        today=dt.date.today().isoformat(),
    )


@bp.post("/feedback/<int:feedback_id>/resolve")
def resolve(feedback_id: int):
    feedback.resolve(get_journal(), feedback_id, current_user.name)
    flash(f"Feedback #{feedback_id} marked as dealt with.", "ok")
    return redirect(url_for("insights.queue"), code=303)


@bp.get("/articles/<lang>/<article_id>")
def article(lang: str, article_id: str):
    if lang not in langs.LANGUAGES:
        abort(404)
    days = _days()
    stats = insights.article_stats(
        get_journal(), article_id, lang, threshold=_threshold(), days=days
    )
    entry = current_kb().index.get(f"{lang}:{article_id}")
    return render_template("insights/article.html", lang="en", days=days, stats=stats, entry=entry)


@bp.get("/receipts")
def receipts():
    """Find what was served: by ref, or by channel and a time window (UTC)."""
    ref = request.args.get("ref", "").strip()
    if ref:
        return redirect(url_for("insights.receipt", ref=ref))
    channel = request.args.get("channel") or None
    if channel is not None and channel not in journal.CHANNELS:
        raise BadRequest(f"'channel' must be one of {', '.join(journal.CHANNELS)}")
    since, until = _when("since"), _when("until")
    asks = (
        journal.find_asks(get_journal(), channel=channel, since=since, until=until)
        if request.args
        else []
    )
    return render_template(
        "insights/receipts.html",
        lang="en",
        asks=asks,
        searched=bool(request.args),
        channels=journal.CHANNELS,
        args=request.args,
    )


def _when(name: str) -> str | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a date or time like 2026-03-03T14:00") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return journal.utc_iso(when)


@bp.get("/receipts/<ref>")
def receipt(ref: str):
    found = current_kb().once_recorded(ref, lambda: journal.receipt(get_journal(), get_db(), ref))
    return render_template("insights/receipt.html", lang="en", receipt=found)


# --- CSV exports ---------------------------------------------------------------------


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """Return rows as a CSV download, every cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell("" if v is None else str(v)) for v in row])
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'},
    )


@bp.get("/<table>.csv")
def export(table: str):
    days = _days()
    db = get_journal()
    if table == "gaps":
        gaps = insights.gaps(db, threshold=_threshold(), days=days, limit=1000)
        return csv_response(
            "gaps",
            ["lang", "question", "asked", "no_answer", "channels", "weak_answers", "wordings"],
            (
                [
                    g.lang,
                    g.example,
                    g.asked,
                    g.no_answer,
                    " ".join(f"{c}:{n}" for c, n in sorted(g.channels.items())),
                    " ".join(f"{a}:{n}" for a, n in g.served.most_common()),
                    " | ".join(g.wordings),
                ]
                for g in gaps
            ),
        )
    if table == "queue":
        return csv_response(
            "queue",
            ["id", "at", "kind", "article", "lang", "revision", "reason", "comment", "author"],
            (
                [
                    f.id,
                    f.at,
                    f.kind,
                    f.article_id,
                    f.lang,
                    f.revision,
                    f.reason,
                    f.comment,
                    f.author,
                ]
                for f in feedback.open_items(db, limit=100_000)
            ),
        )
    data = insights.overview(db, days)
    if table == "daily":
        return csv_response(
            "daily",
            ["day", *journal.CHANNELS],
            ([d["day"], *(d[c] for c in journal.CHANNELS)] for d in data.per_day),
        )
    if table == "channels":
        columns = ["channel", "questions", "answered_rate", "latency_p50", "latency_p95"]
        return csv_response(
            "channels", columns, ([c[k] for k in columns] for c in data.per_channel)
        )
    if table == "articles":
        return csv_response(
            "top-articles",
            ["article", "lang", "served"],
            ([a["article_id"], a["lang"], a["served"]] for a in data.top_articles),
        )
    if table == "unanswered":
        return csv_response(
            "unanswered",
            ["question", "lang", "asked"],
            ([u["query"], u["lang"], u["asked"]] for u in data.top_unanswered),
        )
    abort(404)
