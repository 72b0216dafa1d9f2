"""What editors should write or fix next, computed from the journal.

- ``overview``: questions per day and channel, answered and handoff rates,
  latency percentiles, top articles, top unanswered questions.
- ``gaps``: questions that got no answer or a weak one, grouped so that
  near-identical questions count together.
- ``article_stats``: one article's views by channel, helpful rate per
  revision, flags, and the weak questions that landed on it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlite_utils

from kb import journal
from kb import lang as langs

WEAK_MARGIN = 0.1  # answered, but with confidence under threshold + this: worth a look
MAX_GAP_ROWS = 20_000  # distinct questions read per gaps report (bounded work)


def since_iso(days: int, now: dt.datetime | None = None) -> str:
    return journal.utc_iso((now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days))


def _percentile(db: sqlite_utils.Database, where: str, params: list, share: float) -> float | None:
    count = db.execute(f"SELECT COUNT(*) FROM asks WHERE {where}", params).fetchone()[0]
    if not count:
        return None
    offset = min(count - 1, int(share * count))
    row = db.execute(
        f"SELECT latency_ms FROM asks WHERE {where} ORDER BY latency_ms LIMIT 1 OFFSET ?",
        [*params, offset],
    ).fetchone()
    return round(row[0], 2)


@dataclass
class Overview:
    days: int
    questions: int = 0
    answered_rate: float | None = None  # share answered (self-service deflection)
    handoff_rate: float | None = None
    latency_p50: float | None = None
    latency_p95: float | None = None
    per_day: list[dict] = field(default_factory=list)  # {"day", channel: count...}
    per_channel: list[dict] = field(default_factory=list)
    top_articles: list[dict] = field(default_factory=list)
    top_unanswered: list[dict] = field(default_factory=list)


def overview(
    db: sqlite_utils.Database, days: int = 30, *, now: dt.datetime | None = None
) -> Overview:
    """Return the overview of the last ``days`` days (questions only, not article views)."""
    since = since_iso(days, now)
    where, params = "kind = 'question' AND at >= ?", [since]
    out = Overview(days=days)
    total, answered = db.execute(
        f"SELECT COUNT(*), SUM(status = 'answered') FROM asks WHERE {where}", params
    ).fetchone()
    out.questions = total
    if total:
        out.answered_rate = round((answered or 0) / total, 4)
        out.handoff_rate = round(1 - out.answered_rate, 4)
    out.latency_p50 = _percentile(db, where, params, 0.5)
    out.latency_p95 = _percentile(db, where, params, 0.95)
    days_rows: dict[str, dict] = {}
    for day, channel, count in db.execute(
        f"""SELECT substr(at, 1, 10) AS day, channel, COUNT(*) FROM asks WHERE {where}
            GROUP BY day, channel ORDER BY day""",
        params,
    ).fetchall():
        days_rows.setdefault(day, {"day": day, **dict.fromkeys(journal.CHANNELS, 0)})[channel] = (
            count
        )
    out.per_day = list(days_rows.values())
    out.per_channel = [
        {
            "channel": channel,
            "questions": count,
            "answered_rate": round((ok or 0) / count, 4),
            "latency_p50": _percentile(db, where + " AND channel = ?", [*params, channel], 0.5),
            "latency_p95": _percentile(db, where + " AND channel = ?", [*params, channel], 0.95),
        }
        for channel, count, ok in db.execute(
            f"""SELECT channel, COUNT(*), SUM(status = 'answered') FROM asks WHERE {where}
                GROUP BY channel ORDER BY channel""",
            params,
        ).fetchall()
    ]
    out.top_articles = [
        {"article_id": a, "lang": lang, "served": n}
        for a, lang, n in db.execute(
            """SELECT article_id, article_lang, COUNT(*) AS n FROM asks
               WHERE at >= ? AND article_id IS NOT NULL AND status IN ('answered', 'view')
               GROUP BY article_id, article_lang ORDER BY n DESC, article_id LIMIT 20""",
            [since],
        ).fetchall()
    ]
    out.top_unanswered = [
        {"query": q, "lang": lang, "asked": n}
        for q, lang, n in db.execute(
            f"""SELECT query, lang, COUNT(*) AS n FROM asks
                WHERE {where} AND status != 'answered'
                GROUP BY query, lang ORDER BY n DESC, query LIMIT 20""",
            params,
        ).fetchall()
    ]
    return out


@dataclass
class Gap:
    """Near-identical questions without a good answer, counted together."""

    lang: str
    example: str  # the most asked wording
    asked: int
    channels: Counter
    wordings: list[str]
    no_answer: int  # of ``asked``, how many got no single answer (the rest: weak answers)
    served: Counter  # weak answers: which articles they got


def _signature(query: str, code: str) -> frozenset[str]:
    return frozenset(langs.terms(query, code) or langs.terms(query, code, keep_stopwords=True))


def gaps(
    db: sqlite_utils.Database,
    *,
    threshold: float,
    days: int = 30,
    limit: int = 100,
    similarity: float = 0.6,
    now: dt.datetime | None = None,
) -> list[Gap]:
    """Return the questions most worth a new or better article, most asked first.

    Questions count together when their analysed words (stemmed, folded, no
    stop words) are the same, then groups whose word sets overlap by at least
    ``similarity`` (Jaccard) are merged into the more asked one.

    :param threshold: the answer threshold; answers under ``threshold + WEAK_MARGIN`` are weak
    """
    rows = db.execute(
        """SELECT lang, query, channel, status, article_id, COUNT(*) AS n FROM asks
           WHERE kind = 'question' AND at >= ? AND query != ''
             AND (status != 'answered' OR confidence < ?)
           GROUP BY lang, query, channel, status, article_id ORDER BY n DESC LIMIT ?""",
        [since_iso(days, now), threshold + WEAK_MARGIN, MAX_GAP_ROWS],
    ).fetchall()
    exact: dict[tuple[str, frozenset], Gap] = {}
    wording_counts: dict[tuple[str, frozenset], Counter] = {}
    for code, query, channel, status, article_id, n in rows:
        if code not in langs.LANGUAGES:
            continue
        key = (code, _signature(query, code))
        gap = exact.get(key)
        if gap is None:
            gap = exact[key] = Gap(code, query, 0, Counter(), [], 0, Counter())
            wording_counts[key] = Counter()
        gap.asked += n
        gap.channels[channel] += n
        wording_counts[key][query] += n
        if status == "answered":
            gap.served[article_id] += n
        else:
            gap.no_answer += n
    for key, gap in exact.items():
        gap.wordings = [w for w, _ in wording_counts[key].most_common(5)]
        gap.example = gap.wordings[0]
    merged: list[tuple[frozenset, Gap]] = []
    for (_, words), gap in sorted(exact.items(), key=lambda kv: -kv[1].asked):
        for other_words, other in merged:
            if other.lang != gap.lang or not words or not other_words:
                continue
            if len(words & other_words) / len(words | other_words) >= similarity:
                other.asked += gap.asked
                other.no_answer += gap.no_answer
                other.channels.update(gap.channels)
                other.served.update(gap.served)
                other.wordings = (other.wordings + gap.wordings)[:5]
                break
        else:
            merged.append((words, gap))
    result = sorted((g for _, g in merged), key=lambda g: (-g.asked, g.example))
    return result[:limit]


@dataclass
class ArticleStats:
    article_id: str
    lang: str
    views: Counter  # channel -> times served or opened
    revisions: list[dict]  # {"revision", "yes", "no", "helpful_rate"}
    flags: list  # feedback.Feedback rows of kind flag
    comments: list  # "no" votes with their reason and comment
    weak_questions: list[dict]  # {"query", "asked", "confidence"}


def article_stats(
    db: sqlite_utils.Database,
    article_id: str,
    lang: str,
    *,
    threshold: float,
    days: int = 90,
    now: dt.datetime | None = None,
) -> ArticleStats:
    """Return what the journal knows about one article."""
    from kb import feedback  # feedback imports the journal; keep the modules acyclic

    since = since_iso(days, now)
    views = Counter(
        dict(
            db.execute(
                """SELECT channel, COUNT(*) FROM asks WHERE article_id = ? AND article_lang = ?
                   AND at >= ? AND status IN ('answered', 'view') GROUP BY channel""",
                [article_id, lang, since],
            ).fetchall()
        )
    )
    revisions = []
    for revision, yes, no in db.execute(
        """SELECT revision, SUM(helpful = 1), SUM(helpful = 0) FROM feedback
           WHERE article_id = ? AND lang = ? AND kind = 'vote'
           GROUP BY revision ORDER BY revision DESC""",
        [article_id, lang],
    ).fetchall():
        total = (yes or 0) + (no or 0)
        revisions.append(
            {
                "revision": revision,
                "yes": yes or 0,
                "no": no or 0,
                "helpful_rate": round((yes or 0) / total, 4) if total else None,
            }
        )
    items = feedback.for_article(db, article_id, lang)
    weak = [
        {"query": q, "asked": n, "confidence": round(c, 4)}
        for q, n, c in db.execute(
            """SELECT query, COUNT(*) AS n, AVG(confidence) FROM asks
               WHERE kind = 'question' AND article_id = ? AND article_lang = ? AND at >= ?
                 AND confidence < ? GROUP BY query ORDER BY n DESC LIMIT 50""",
            [article_id, lang, since, threshold + WEAK_MARGIN],
        ).fetchall()
    ]
    return ArticleStats(
        article_id,
        lang,
        views,
        revisions,
        [f for f in items if f.kind == "flag"],
        [f for f in items if f.kind == "vote" and f.helpful == 0],
        weak,
    )
