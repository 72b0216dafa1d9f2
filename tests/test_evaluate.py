"""kb eval: question sets through the answer function, scored."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kb import evaluate
from kb.cli import main
from tests.conftest import write_article


@pytest.fixture
def kb_dir(content_dir):
    write_article(
        content_dir,
        "cancel-order",
        "Can I cancel my order?",
        "Yes, until it ships.",
        questions=["How do I cancel?", "stop my order"],
    )
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    write_article(content_dir, "gift-cards", "Do you sell gift cards?", "Yes, from 10 EUR.")
    return content_dir


@pytest.fixture
def engine(make_app, kb_dir):
    return make_app().extensions["kb"].engine


def outcome(expected, ranked, status="answered"):
    return evaluate.Outcome(
        evaluate.Question("q", expected, "en"), status, tuple(ranked), 0.5, (0.5,)
    )


def test_metrics_from_known_outcomes():
    report = evaluate.Report(
        [
            outcome("a", ["a", "b"]),  # right, rank 1
            outcome("a", ["b", "a"]),  # wrong answer, rank 2
            outcome("b", ["c", "d"], status="no_answer"),  # refused, not in the ranking
            outcome("", ["a"], status="no_answer"),  # correctly refused
            outcome("", ["a"]),  # answered although nothing should
        ]
    )
    s = report.summary()
    assert (s["answerable"], s["unanswerable"]) == (3, 2)
    assert s["top1"] == pytest.approx(33.33, abs=0.01)
    assert s["mrr@5"] == pytest.approx((1 + 0.5 + 0) / 3, abs=1e-4)
    assert s["recall@5"] == pytest.approx(66.67, abs=0.01)
    assert s["no_answer_recall"] == 50.0
    assert s["false_refusals"] == pytest.approx(33.33, abs=0.01)
    assert s["wrong_answers"] == 40.0
    assert {(c["expected"], c["served"]) for c in s["confusions"]} == {
        ("a", "b"),
        ("b", ""),
        ("", "a"),
    }


def test_empty_question_set_has_no_figures():
    s = evaluate.Report().summary()
    assert s["questions"] == 0 and s["top1"] is None and s["mrr@5"] is None


def test_run_asks_the_answer_function(engine):
    questions = [
        evaluate.Question("can I cancel my order", "cancel-order", "en"),
        evaluate.Question("how long does a refund take", "refund-time", "en"),
        evaluate.Question("what is the capital of peru", "", "en"),
    ]
    report = evaluate.run(engine, questions)
    assert [o.passed for o in report.outcomes] == [True, True, True]
    for o, q in zip(report.outcomes, questions, strict=True):
        answer = engine.answer(q.question, q.lang)
        assert o.status == answer.status
        assert o.ranked[0] == answer.candidates[0].entry.id if answer.candidates else not o.ranked


def run_cli(*args, env):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_kb_eval_prints_figures_and_json(kb_dir, tmp_path):
    questions = tmp_path / "q.csv"
    questions.write_text(
        "question,expected,lang\n"
        "can I cancel my order,cancel-order,en\n"
        "how long does a refund take,cancel-order,en\n"
        "what is the capital of peru,,en\n",
        encoding="utf-8",
    )
    env = {"KB_CONTENT_DIR": str(kb_dir), "KB_DATA_DIR": str(tmp_path / "data")}
    text = run_cli("eval", str(questions), env=env)
    assert text.exit_code == 0, text.output
    assert "top-1 accuracy        50.0 %" in text.output
    assert "no-answer recall      100.0 %" in text.output
    assert "cancel-order -> refund-time: 1" in text.output
    data = json.loads(run_cli("eval", str(questions), "--json", env=env).output)
    assert (data["questions"], data["top1"], data["no_answer_recall"]) == (3, 50.0, 100.0)


def test_kb_eval_reads_jsonl_and_refuses_bad_files(kb_dir, tmp_path):
    env = {"KB_CONTENT_DIR": str(kb_dir), "KB_DATA_DIR": str(tmp_path / "data")}
    good = tmp_path / "q.jsonl"
    good.write_text('{"question": "stop my order", "expected": "cancel-order"}\n', "utf-8")
    data = json.loads(run_cli("eval", str(good), "--json", env=env).output)
    assert data["top1"] == 100.0
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nhello,x\n", "utf-8")
    result = run_cli("eval", str(bad), env=env)
    assert result.exit_code != 0 and "header" in result.output
    wrong_lang = tmp_path / "lang.csv"
    wrong_lang.write_text("question,expected,lang\nhello,x,xx\n", "utf-8")
    result = run_cli("eval", str(wrong_lang), env=env)
    assert result.exit_code != 0 and "unknown language" in result.output
