"""Answer quality: run a question set through the answer function and score it.

Used by ``kb eval``, by ``kb check`` (the answer tests in ``content/_tests``)
and by ``bench/quality.py``. Every question goes through
``AnswerEngine.answer``, exactly as a channel asks it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kb.answers import ANSWERED, PUBLIC, AnswerEngine

RANKED = 5  # MRR and recall are computed over the first five candidates


@dataclass(frozen=True)
class Question:
    """One line of a question set: ``expected`` is empty when no article should answer."""

    question: str
    expected: str
    lang: str


@dataclass(frozen=True)
class Outcome:
    """What the answer function did with one question."""

    question: Question
    status: str
    ranked: tuple[str, ...]  # article ids, best first (up to RANKED)
    confidence: float
    confidences: tuple[float, ...] = ()  # of the ranked articles, best first

    @property
    def answerable(self) -> bool:
        return bool(self.question.expected)

    @property
    def answered(self) -> str | None:
        """The article served, or None when the answer was a handoff."""
        return self.ranked[0] if self.status == ANSWERED and self.ranked else None

    @property
    def rank(self) -> int | None:
        """1-based position of the expected article among the ranked ones, or None."""
        try:
            return self.ranked.index(self.question.expected) + 1
        except ValueError:
            return None

    @property
    def passed(self) -> bool:
        """Right article served, or (no article expected) a handoff."""
        if self.answerable:
            return self.answered == self.question.expected
        return self.answered is None


@dataclass
class Report:
    """Scores of a question set; fractions between 0 and 1."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.answerable]

    @property
    def unanswerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.answerable]

    @staticmethod
    def _share(items: Sequence[Any], test) -> float | None:
        return sum(1 for i in items if test(i)) / len(items) if items else None

    @property
    def top1(self) -> float | None:
        """Share of answerable questions whose expected article ranks first."""
        return self._share(self.answerable, lambda o: o.rank == 1)

    @property
    def answered_correctly(self) -> float | None:
        """Share of answerable questions served the expected article (not handed off)."""
        return self._share(self.answerable, lambda o: o.answered == o.question.expected)

    @property
    def mrr(self) -> float | None:
        items = self.answerable
        return sum(1 / o.rank for o in items if o.rank) / len(items) if items else None

    @property
    def recall(self) -> float | None:
        """Share of answerable questions with the expected article in the first five."""
        return self._share(self.answerable, lambda o: o.rank is not None)

    @property
    def no_answer_recall(self) -> float | None:
        """Share of questions no article answers that were handed off."""
        return self._share(self.unanswerable, lambda o: o.answered is None)

    @property
    def false_refusals(self) -> float | None:
        """Share of answerable questions handed off although an article answers them."""
        return self._share(self.answerable, lambda o: o.answered is None)

    @property
    def wrong_answers(self) -> float | None:
        """Share of all questions served an article that is not the expected one."""
        return self._share(
            self.outcomes, lambda o: o.answered is not None and o.answered != o.question.expected
        )

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]

    def confusions(self, limit: int = 10) -> list[tuple[str, str, int]]:
        """Most frequent (expected, served instead, count); "" stands for a handoff or no article."""
        counts = Counter(
            (o.question.expected, o.answered or "")
            for o in self.outcomes
            if not o.passed and (o.answered or o.answerable)
        )
        return [(e, g, n) for (e, g), n in counts.most_common(limit)]

    def summary(self) -> dict[str, Any]:
        """The figures as a JSON-ready mapping (``None`` where a figure has no questions)."""

        def pct(value: float | None) -> float | None:
            return None if value is None else round(100 * value, 2)

        return {
            "questions": len(self.outcomes),
            "answerable": len(self.answerable),
            "unanswerable": len(self.unanswerable),
            "top1": pct(self.top1),
            "answered_correctly": pct(self.answered_correctly),
            "mrr@5": None if self.mrr is None else round(self.mrr, 4),
            "recall@5": pct(self.recall),
            "no_answer_recall": pct(self.no_answer_recall),
            "false_refusals": pct(self.false_refusals),
            "wrong_answers": pct(self.wrong_answers),
            "confusions": [
                {"expected": e, "served": g, "count": n} for e, g, n in self.confusions()
            ],
        }


def questions_from_rows(rows: Iterable[dict[str, str]], default_lang: str = "en") -> list[Question]:
    """Turn rows of ``content.read_question_set`` into questions."""
    return [
        Question(r["question"], r.get("expected", "") or "", r.get("lang", "") or default_lang)
        for r in rows
        if r.get("question", "").strip()
    ]


def run(engine: AnswerEngine, questions: Iterable[Question], *, audience: str = PUBLIC) -> Report:
    """Ask every question through the answer function and collect the outcomes."""
    report = Report()
    for q in questions:
        answer = engine.answer(q.question, q.lang, audience=audience, limit=RANKED)
        report.outcomes.append(
            Outcome(
                question=q,
                status=answer.status,
                ranked=tuple(c.entry.id for c in answer.candidates[:RANKED]),
                confidence=answer.confidence,
                confidences=tuple(c.confidence for c in answer.candidates[:RANKED]),
            )
        )
    return report


def format_report(report: Report, *, failures: int = 20) -> str:
    """Return the report as the text ``kb eval`` prints."""
    s = report.summary()

    def show(value: float | None, suffix: str = " %") -> str:
        return "n/a" if value is None else f"{value}{suffix}"

    lines = [
        f"questions {s['questions']} (answerable {s['answerable']}, no answer expected {s['unanswerable']})",
        f"top-1 accuracy        {show(s['top1'])}",
        f"answered correctly    {show(s['answered_correctly'])}",
        f"MRR@5                 {show(s['mrr@5'], '')}",
        f"recall@5              {show(s['recall@5'])}",
        f"no-answer recall      {show(s['no_answer_recall'])}",
        f"wrongly refused       {show(s['false_refusals'])}",
        f"wrong answers served  {show(s['wrong_answers'])}",
    ]
    if s["confusions"]:
        lines.append("confusions (expected -> served instead):")
        for c in s["confusions"]:
            lines.append(
                f"  {c['expected'] or '(none)'} -> {c['served'] or '(handoff)'}: {c['count']}"
            )
    shown = report.failures[:failures]
    if shown:
        lines.append(f"failures (first {len(shown)} of {len(report.failures)}):")
        for o in shown:
            got = o.answered or f"handoff ({o.status})"
            lines.append(
                f"  [{o.question.lang}] {o.question.question!r}: expected "
                f"{o.question.expected or '(none)'}, got {got} ({o.confidence:.2f})"
            )
    return "\n".join(lines)
