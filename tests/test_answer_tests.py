"""Answer tests: load question sets, run them, and what a change would break or fix."""

from __future__ import annotations

import pytest

from kb import answer_tests, content
from kb.content import Problem
from tests.conftest import article_text, write_article

TESTS = """question,expected,lang
when will I get my money back,refund-time,en
where is my parcel,track-order,en
can I pay with paypal,payment-methods,en
what is the weather on mars,,en
"""


@pytest.fixture
def tiny(content_dir):
    """Three articles and four answer tests; the PayPal question fails (no article says so)."""
    write_article(
        content_dir,
        "refund-time",
        "How long does a refund take?",
        "Five days.",
        category="refunds",
        questions=["When do I get my money back?"],
    )
    write_article(
        content_dir,
        "track-order",
        "Where is my parcel?",
        "On the tracking page.",
        category="orders",
        questions=["How can I track my package?"],
    )
    write_article(
        content_dir,
        "payment-methods",
        "Which cards do you accept?",
        "Visa and Mastercard.",
        category="payments",
    )
    (content_dir / "_tests").mkdir()
    (content_dir / "_tests" / "en.csv").write_text(TESTS, encoding="utf-8")
    return content_dir


def parse(*args, **kw):
    return content.parse_article(article_text(*args, **kw))


STEAL = ("refund-status", "Where is my refund?", "Check your account.")
STEAL_KW = {"questions": ["When will I get my money back?"], "category": "refunds"}
FIX = ("payment-methods", "Which cards do you accept?", "Visa, Mastercard and PayPal.")
FIX_KW = {"questions": ["Can I pay with PayPal?"], "category": "payments"}


def test_load_reads_csv_and_jsonl_with_their_lines(content_dir):
    folder = content_dir / "_tests"
    folder.mkdir()
    (folder / "a.csv").write_text(
        'question,expected,lang\n\n"two\nlines",x,en\nno lang,y,\n,z,en\nbad,w,xx\n',
        encoding="utf-8",
    )
    (folder / "b.jsonl").write_text(
        '{"question": "one", "expected": "x", "lang": "ru"}\n\n{"question": "two"}\n',
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text("not a question set", encoding="utf-8")
    suite = answer_tests.load(content_dir, default_lang="tr")
    assert [(t.where, t.question.question, t.question.lang) for t in suite.tests] == [
        ("_tests/a.csv:3", "two\nlines", "en"),
        ("_tests/a.csv:5", "no lang", "tr"),
        ("_tests/b.jsonl:1", "one", "ru"),
        ("_tests/b.jsonl:3", "two", "tr"),
    ]
    assert suite.problems == [Problem("_tests/a.csv", 7, "unknown language 'xx'", "warning")]


def test_load_without_tests_folder(content_dir):
    assert answer_tests.load(content_dir).tests == []


def test_check_reports_failing_tests_as_warnings_at_file_and_line(tiny):
    checked = answer_tests.check(tiny, content.scan(tiny).articles)
    assert [r.passed for r in checked.results] == [True, True, False, True]
    assert answer_tests.summary(checked.results) == "answer tests: 3/4 pass"
    [problem] = checked.problems
    assert (problem.path, problem.line, problem.level) == ("_tests/en.csv", 4, "warning")
    assert '"can I pay with paypal" should get payment-methods, got a handoff' in problem.message


def test_check_leaves_tests_of_missing_articles_to_the_content_check(tiny):
    with (tiny / "_tests" / "en.csv").open("a", encoding="utf-8") as fh:
        fh.write("where is my parcel,no-such-article,en\n")
    checked = answer_tests.check(tiny, content.scan(tiny).articles)
    assert len(checked.results) == 5
    assert [p.line for p in checked.problems] == [4]


def test_check_uses_the_given_answer_settings(tiny):
    checked = answer_tests.check(tiny, content.scan(tiny).articles, threshold=1.01)
    # nothing reaches the threshold: only the question no article should answer passes
    assert [r.passed for r in checked.results] == [False, False, False, True]


def test_what_if_detects_a_break(tiny):
    articles = content.scan(tiny).articles
    entries = answer_tests.entries_for(articles)
    tests = answer_tests.load(tiny).tests
    impact = answer_tests.what_if(entries, parse(*STEAL, **STEAL_KW), tests)
    assert impact.tests == 4 and impact.fixes == []
    [broken] = impact.breaks
    assert broken.test.where == "_tests/en.csv:2"
    assert (broken.question, broken.expected) == ("when will I get my money back", "refund-time")
    assert "refund-status" in broken.now
    assert broken.before.passed and not broken.after.passed
    assert impact.describe().startswith("breaks 1 answer test: _tests/en.csv:2 ")


def test_what_if_detects_a_fix(tiny):
    entries = answer_tests.entries_for(content.scan(tiny).articles)
    tests = answer_tests.load(tiny).tests
    impact = answer_tests.what_if(entries, parse(*FIX, **FIX_KW), tests)
    assert impact.breaks == []
    [fixed] = impact.fixes
    assert (fixed.test.line, fixed.now) == (4, "payment-methods")


def test_what_if_takes_an_entry_and_skips_unchanged_articles(tiny, monkeypatch):
    articles = content.scan(tiny).articles
    entries = answer_tests.entries_for(articles)
    tests = answer_tests.load(tiny).tests
    built = []
    real = answer_tests.scratch_engine

    def counting(entries, **options):
        built.append(len(list(entries)))
        return real(entries, **options)

    monkeypatch.setattr(answer_tests, "scratch_engine", counting)
    assert not answer_tests.what_if(entries, entries[0], tests)  # same text: no index built
    assert built == []
    entry = answer_tests.entry_for(parse(*FIX, **FIX_KW), keys={e.key for e in entries})
    assert len(answer_tests.what_if(entries, entry, tests).fixes) == 1
    assert built == [3, 3]


def test_answer_tests_keep_the_baseline_of_the_live_entries(tiny, monkeypatch):
    entries = answer_tests.entries_for(content.scan(tiny).articles)
    runner = answer_tests.AnswerTests(tiny, threshold=0.45, margin=0.08)
    built = []
    real = answer_tests.scratch_engine

    def counting(entries, **options):
        built.append(options)
        return real(entries, **options)

    monkeypatch.setattr(answer_tests, "scratch_engine", counting)
    assert len(runner.impact(entries, parse(*STEAL, **STEAL_KW)).breaks) == 1
    assert len(runner.impact(entries, parse(*FIX, **FIX_KW)).fixes) == 1
    assert len(built) == 3  # the baseline once, then one build per change
    assert len(runner.impact(entries, parse(*FIX, **FIX_KW)).fixes) == 1  # preview, then publish
    assert len(built) == 3
    changed = [*entries, answer_tests.entry_for(parse("other", "Other?"), keys=set())]
    assert len(runner.impact(changed, parse(*FIX, **FIX_KW)).fixes) == 1
    assert len(built) == 5  # the live entries changed: a new baseline
    assert built[0]["threshold"] == 0.45 and built[0]["margin"] == 0.08


def test_answer_tests_without_question_sets_build_nothing(content_dir, monkeypatch):
    write_article(content_dir, "a", "A?")
    entries = answer_tests.entries_for(content.scan(content_dir).articles)
    monkeypatch.setattr(answer_tests, "scratch_engine", None)  # would fail if called
    impact = answer_tests.AnswerTests(content_dir).impact(entries, parse("b", "B?"))
    assert (impact.tests, impact.breaks, impact.fixes) == (0, [], [])


def test_new_article_with_another_articles_question_is_a_duplicate(tiny):
    problems = content.check(tiny)
    assert problems == []
    write_article(tiny, *STEAL, questions=["when do I get my  MONEY back?"], category="refunds")
    problems = content.check(tiny)
    assert [(p.path, p.level) for p in problems] == [
        ("en/refunds/refund-status.md", "warning"),
        ("en/refunds/refund-time.md", "warning"),
    ]
    assert "is also a title or question of 'refund-time'" in problems[0].message
    assert "is also a title or question of 'refund-status'" in problems[1].message
