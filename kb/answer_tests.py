"""Answer tests: the customer questions in ``content/_tests`` and the article each must get.

Editors keep question sets (``question,expected,lang``; an empty ``expected``
means no article should answer) next to the articles. ``kb check`` runs them
against an index built from the content folder, and the web editor asks
``AnswerTests.impact`` what a draft would break or fix before it is published.
Every question goes through ``kb.evaluate.run``, that is through
``AnswerEngine.answer``, exactly as a channel asks it.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb import content, evaluate, publish, store
from kb import lang as langs
from kb.answers import AnswerEngine
from kb.content import Article, Problem
from kb.evaluate import Outcome, Question
from kb.index import Entry, SearchIndex

SETS = (".csv", ".jsonl")  # other files in _tests are reported by content.check_answer_test_files


@dataclass(frozen=True)
class AnswerTest:
    """One question of a question set, with where it is written."""

    question: Question
    path: str  # relative to content/, e.g. "_tests/en.csv"
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Result:
    """What the answer function did with one answer test."""

    test: AnswerTest
    outcome: Outcome

    @property
    def passed(self) -> bool:
        return self.outcome.passed


@dataclass
class Suite:
    """The answer tests of a content folder and the rows that cannot be run."""

    tests: list[AnswerTest] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def got(outcome: Outcome) -> str:
    """Return what a question got, in words: an article id or the kind of handoff."""
    if outcome.answered:
        return outcome.answered
    if outcome.status == "ambiguous" and len(outcome.ranked) > 1:
        return f"a choice between {outcome.ranked[0]} and {outcome.ranked[1]}"
    return "a handoff"


def expected(question: Question) -> str:
    return question.expected or "a handoff (no article)"


def load(content_dir: Path, *, default_lang: str = "en", max_query: int = 500) -> Suite:
    """Read every question set in ``content_dir/_tests``.

    Files that do not parse are skipped (``content.check_answer_test_files``
    reports them); rows in an unknown language or too long to ask are reported.

    :param default_lang: language of rows that name none
    :param max_query: the longest question the answer function accepts
    """
    suite = Suite()
    for path in content.answer_test_files(content_dir):
        if path.suffix not in SETS:
            continue
        rel = path.relative_to(content_dir).as_posix()
        try:
            rows = content.read_question_set(path)
            lines = content.question_set_lines(path)
        except (ValueError, UnicodeDecodeError):
            continue
        for line, row in zip(lines, rows, strict=False):
            for question in evaluate.questions_from_rows([row], default_lang):
                if question.lang not in langs.LANGUAGES:
                    suite.problems.append(
                        Problem(rel, line, f"unknown language {question.lang!r}", "warning")
                    )
                elif len(question.question) > max_query:
                    suite.problems.append(
                        Problem(
                            rel, line, f"question longer than {max_query} characters", "warning"
                        )
                    )
                else:
                    suite.tests.append(AnswerTest(question, rel, line))
    return suite


def run(engine: AnswerEngine, tests: list[AnswerTest]) -> list[Result]:
    """Ask every test's question through the answer function, as a customer."""
    report = evaluate.run(engine, [t.question for t in tests])
    return [Result(t, o) for t, o in zip(tests, report.outcomes, strict=True)]


def failures(results: Iterable[Result], *, keys: set[str] | None = None) -> list[Problem]:
    """Return a warning for every failed answer test, at its file and line.

    :param keys: ``lang:id`` of existing articles; tests expecting another one are left
        out (``content.check_answer_test_files`` already reports them as errors)
    """
    problems = []
    for r in results:
        q = r.test.question
        if r.passed or (keys is not None and q.expected and f"{q.lang}:{q.expected}" not in keys):
            continue
        message = (
            f'answer test fails: "{q.question}" should get {expected(q)}, '
            f"got {got(r.outcome)} (confidence {r.outcome.confidence:.2f})"
        )
        problems.append(Problem(r.test.path, r.test.line, message, "warning"))
    return problems


def summary(results: list[Result]) -> str:
    """Return the one-line summary ``kb check`` prints."""
    return f"answer tests: {sum(r.passed for r in results)}/{len(results)} pass"


# --- throw-away indexes ------------------------------------------------------------


def entry_for(article: Article, *, keys: set[str], source_lang: str = "en") -> Entry:
    """Return the index entry of an unpublished article (a synthetic revision 0)."""
    revision = store.Revision(
        article.id, article.lang, 0, "check", None, None, article.path, "check", "", ""
    )
    return publish.make_entry(article, revision, keys=keys | {article.key}, source_lang=source_lang)


def entries_for(articles: list[Article], *, source_lang: str = "en") -> list[Entry]:
    """Return index entries of parsed articles, as ``kb check`` indexes a content folder."""
    keys = {a.key for a in articles}
    return [entry_for(a, keys=keys, source_lang=source_lang) for a in articles]


@contextmanager
def scratch_engine(entries: Iterable[Entry], **options: Any) -> Iterator[AnswerEngine]:
    """Build an index of ``entries`` in a temporary folder and yield an answer engine over it.

    The folder is removed afterwards. Building takes about half a second for
    the sample content (113 articles); larger knowledge bases are measured
    separately.

    :param options: ``AnswerEngine`` settings (threshold, margin, ...); nothing is cached
    """
    with tempfile.TemporaryDirectory(prefix="kb-answer-tests-") as folder:
        index = SearchIndex(Path(folder))
        index.build(entries)
        try:
            yield AnswerEngine(index, **{**options, "cache_size": 0})
        finally:
            index.searcher().close()  # this thread's searcher holds files in the folder


# --- kb check ------------------------------------------------------------------------


@dataclass
class Checked:
    """What ``check`` found: the results and the problems to report."""

    results: list[Result]
    problems: list[Problem]


def check(
    content_dir: Path,
    articles: list[Article],
    *,
    source_lang: str = "en",
    default_lang: str = "en",
    **options: Any,
) -> Checked:
    """Run the answer tests of ``content_dir`` against an index of ``articles`` (no database).

    :param articles: the valid articles of the folder (``content.scan``)
    :param options: ``AnswerEngine`` settings, as the app uses them (threshold, margin)
    """
    suite = load(content_dir, default_lang=default_lang, max_query=options.get("max_query", 500))
    if not suite.tests:
        return Checked([], suite.problems)
    with scratch_engine(entries_for(articles, source_lang=source_lang), **options) as engine:
        results = run(engine, suite.tests)
    keys = {a.key for a in articles}
    return Checked(results, suite.problems + failures(results, keys=keys))


# --- what a change would do ----------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """An answer test whose result a change flips."""

    test: AnswerTest
    before: Outcome
    after: Outcome

    @property
    def question(self) -> str:
        return self.test.question.question

    @property
    def expected(self) -> str:
        return expected(self.test.question)

    @property
    def now(self) -> str:
        return got(self.after)

    def describe(self) -> str:
        """Return one line: the question, what it should get and what it gets after the change."""
        return f'{self.test.where} "{self.question}": expected {self.expected}, now {self.now}'


@dataclass
class Impact:
    """What a change does to the answer tests: which ones it breaks and which it fixes."""

    tests: int = 0
    breaks: list[Difference] = field(default_factory=list)
    fixes: list[Difference] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.breaks or self.fixes)

    def describe(self) -> str:
        """Return the breaks as one line (for the audit log)."""
        n = len(self.breaks)
        return f"breaks {n} answer test{'s' * (n != 1)}: " + "; ".join(
            d.describe() for d in self.breaks
        )


def _searchable(entry: Entry) -> tuple:
    """Return what of an entry the answer function can see (to skip changes it cannot)."""
    return (
        entry.key,
        entry.title,
        entry.questions,
        entry.tags,
        entry.text,
        entry.audience,
        entry.category,
    )


def _unchanged(entries: list[Entry], change: Entry) -> bool:
    live = next((e for e in entries if e.key == change.key), None)
    return live is not None and _searchable(live) == _searchable(change)


def _as_entry(change: Entry | Article, entries: list[Entry], source_lang: str) -> Entry:
    if isinstance(change, Article):
        return entry_for(change, keys={e.key for e in entries}, source_lang=source_lang)
    return change


def substitute(entries: list[Entry], change: Entry) -> list[Entry]:
    """Return ``entries`` with ``change`` in place of the entry with its key (or added)."""
    return [e for e in entries if e.key != change.key] + [change]


def compare(before: list[Result], after: list[Result]) -> Impact:
    """Return the tests that passed before and fail after (breaks), and the other way (fixes)."""
    impact = Impact(tests=len(after))
    for b, a in zip(before, after, strict=True):
        if b.passed != a.passed:
            diff = Difference(a.test, b.outcome, a.outcome)
            (impact.fixes if a.passed else impact.breaks).append(diff)
    return impact


def what_if(
    entries: list[Entry],
    change: Entry | Article,
    tests: list[AnswerTest],
    *,
    before: list[Result] | None = None,
    source_lang: str = "en",
    **options: Any,
) -> Impact:
    """Return what publishing ``change`` would break and fix among ``tests``.

    Builds throw-away indexes of every entry (before, unless given, and after
    the change), so it costs two index builds of the whole knowledge base
    (about a second for the sample content; the 10k-article case is measured
    separately).

    :param entries: the live index entries
    :param change: the changed or new article, or its entry
    :param before: results of ``tests`` on ``entries`` (saves one build)
    :param options: ``AnswerEngine`` settings as the app uses them (threshold, margin)
    """
    change = _as_entry(change, entries, source_lang)
    if not tests or _unchanged(entries, change):
        return Impact(tests=len(tests))
    if before is None:
        with scratch_engine(entries, **options) as engine:
            before = run(engine, tests)
    with scratch_engine(substitute(entries, change), **options) as engine:
        after = run(engine, tests)
    return compare(before, after)


class AnswerTests:
    """The answer tests of one app's content folder, run with the app's answer settings.

    Keeps the results on the live entries (for the last set of entries and
    tests seen), so a what-if costs one index build instead of two.

    :param content_dir: the ``content/`` folder holding ``_tests``
    :param default_lang: language of rows that name none
    :param source_lang: the language translations are made from
    :param options: ``AnswerEngine`` settings (threshold, margin, time_limit, max_query)
    """

    def __init__(
        self, content_dir: Path, *, default_lang: str = "en", source_lang: str = "en", **options
    ):
        self.content_dir = content_dir
        self.default_lang = default_lang
        self.source_lang = source_lang
        self.options = options
        self._lock = threading.Lock()
        self._baseline: tuple[Any, list[Result]] | None = None
        self._last: tuple[Any, Impact] | None = None  # a preview, then its publish

    def load(self) -> Suite:
        """Read the question sets (they may change under the app, e.g. by a git pull)."""
        return load(
            self.content_dir,
            default_lang=self.default_lang,
            max_query=self.options.get("max_query", 500),
        )

    def _before(self, stamp: Any, entries: list[Entry], tests: list[AnswerTest]) -> list[Result]:
        with self._lock:
            if self._baseline is not None and self._baseline[0] == stamp:
                return self._baseline[1]
        with scratch_engine(entries, **self.options) as engine:
            results = run(engine, tests)
        with self._lock:
            self._baseline = (stamp, results)
        return results

    def impact(self, entries: list[Entry], change: Entry | Article) -> Impact:
        """Return what publishing ``change`` over the live ``entries`` would break and fix.

        :param entries: the live index entries (``SearchIndex.entries()``)
        :param change: the changed or new article, or its entry
        """
        tests = self.load().tests
        change = _as_entry(change, entries, self.source_lang)
        if not tests or _unchanged(entries, change):
            return Impact(tests=len(tests))
        stamp = (tuple(sorted(_searchable(e) for e in entries)), tuple(tests))
        with self._lock:
            if self._last is not None and self._last[0] == (stamp, _searchable(change)):
                return self._last[1]
        impact = what_if(
            entries,
            change,
            tests,
            before=self._before(stamp, entries, tests),
            source_lang=self.source_lang,
            **self.options,
        )
        with self._lock:
            self._last = ((stamp, _searchable(change)), impact)
        return impact
