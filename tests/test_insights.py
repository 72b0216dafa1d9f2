"""Insights: overview figures, gap grouping, per-article statistics."""

from __future__ import annotations

import datetime as dt

from kb import feedback, insights, journal
from tests.test_journal import ask

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)


def at(days_ago: float) -> str:
    return journal.utc_iso(NOW - dt.timedelta(days=days_ago))


def handoff(ref, query, channel="chat", lang="en", days_ago=1.0):
    return ask(
        ref,
        at=at(days_ago),
        query=query,
        channel=channel,
        lang=lang,
        status="no_answer",
        article_id=None,
        article_lang=None,
        revision=None,
        content_hash=None,
        confidence=0.2,
    )


def test_overview_counts_rates_and_latency(tmp_path):
    db = journal.connect(tmp_path / "j.sqlite")
    rows = [ask(f"a{i}", at=at(1), latency_ms=float(i + 1)) for i in range(8)]
    rows += [handoff("h1", "gift wrapping"), handoff("h2", "gift wrapping", channel="faq")]
    rows += [ask("old", at=at(40))]  # outside a 30-day window
    rows += [ask("v", at=at(1), kind="view", status="view", query="")]  # views are not questions
    journal.write(db, rows)
    data = insights.overview(db, 30, now=NOW)
    assert data.questions == 10
    assert data.answered_rate == 0.8 and data.handoff_rate == 0.2
    assert data.latency_p50 is not None and data.latency_p95 >= data.latency_p50
    assert sum(d["api"] + d["chat"] + d["faq"] for d in data.per_day) == 10
    assert data.top_unanswered[0] == {"query": "gift wrapping", "lang": "en", "asked": 2}
    assert data.top_articles[0]["served"] == 9  # 8 answers and one page view


def test_near_identical_questions_count_together(tmp_path):
    db = journal.connect(tmp_path / "j.sqlite")
    journal.write(
        db,
        [
            handoff("1", "do you offer gift wrapping"),
            handoff("2", "do you offer gift wrapping?", channel="faq"),
            handoff("3", "gift wrapping offered"),  # same stems, other order
            handoff("4", "can you gift wrap my order please", channel="sidebar"),
            handoff("5", "подарочная упаковка", lang="ru"),
            handoff("6", "what is the capital of peru"),
            ask("7", at=at(1), query="gift wrap order", confidence=0.5),  # weak answer
            ask("8", at=at(1), query="where is my parcel", confidence=0.95),  # confident: no gap
        ],
    )
    gaps = insights.gaps(db, threshold=0.485, now=NOW)
    by_example = {g.example: g for g in gaps}
    wrapping = next(g for g in gaps if "wrapping" in g.example)
    assert wrapping.asked == 3 and wrapping.channels == {"chat": 2, "faq": 1}
    assert "where is my parcel" not in by_example
    assert any(g.lang == "ru" for g in gaps)
    # the weak answer is a gap, with the article it got
    weak = next(g for g in gaps if g.served)
    assert weak.served == {"track-order": 1}
    assert gaps[0].asked == max(g.asked for g in gaps)


def test_article_stats_per_revision_flags_and_weak_questions(tmp_path):
    db = journal.connect(tmp_path / "j.sqlite")
    journal.write(
        db,
        [
            ask("a", at=at(1), revision=1),
            ask("b", at=at(1), revision=2, channel="faq"),
            ask("c", at=at(1), revision=2, confidence=0.5, query="parcel lost maybe"),
        ],
    )
    feedback.vote(db, ref="a", helpful=False, reason="outdated", client="x")
    feedback.vote(db, ref="b", helpful=True, client="x")
    feedback.vote(db, ref="c", helpful=True, client="x")
    feedback.flag(
        db,
        article_id="track-order",
        lang="en",
        revision=2,
        current_revision=2,
        reason="unclear",
        comment="which courier?",
        author="agent1",
    )
    stats = insights.article_stats(db, "track-order", "en", threshold=0.485, now=NOW)
    assert stats.views == {"api": 2, "faq": 1}
    assert stats.revisions == [
        {"revision": 2, "yes": 2, "no": 0, "helpful_rate": 1.0},
        {"revision": 1, "yes": 0, "no": 1, "helpful_rate": 0.0},
    ]
    assert [f.comment for f in stats.flags] == ["which courier?"]
    assert [f.reason for f in stats.comments] == ["outdated"]
    assert stats.weak_questions == [{"query": "parcel lost maybe", "asked": 1, "confidence": 0.5}]
