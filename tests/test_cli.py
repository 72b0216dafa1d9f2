"""The kb command: check, reindex."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from kb import lang as langs
from kb.cli import main
from kb.index import SearchIndex
from tests.conftest import SAMPLE_CONTENT, write_article


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_check_passes_on_the_sample_content():
    result = run("check", "--content", str(SAMPLE_CONTENT))
    assert result.exit_code == 0, result.output
    assert " 0 errors" in result.output
    assert "answer tests: " in result.output  # failing ones are warnings, not errors


def test_check_reports_every_problem_with_file_and_line_and_fails(content_dir):
    write_article(content_dir, "good", "Good?", "See [this](kb:missing-article).")
    (content_dir / "en" / "general" / "bad.md").write_text(
        "---\nid: Bad Id\ntitle: x\n---\nText.\n"
    )
    (content_dir / "en" / "general" / "zz-dupe.md").write_text(
        "---\nid: good\ntitle: Again?\n---\nText.\n"
    )
    result = run("check", "--content", str(content_dir))
    assert result.exit_code == 1
    assert (
        "en/general/good.md:8: error: link to an article that does not exist: kb:missing-article"
        in result.output
    )
    assert "en/general/bad.md:2: error: 'id' must match" in result.output
    assert "duplicate id 'good'" in result.output


def test_check_reads_kb_content_dir(content_dir):
    write_article(content_dir, "good", "Good?", "Fine.")
    result = run("check", env={"KB_CONTENT_DIR": str(content_dir)})
    assert result.exit_code == 0
    assert "1 articles, 0 errors" in result.output


def test_check_strict_fails_on_warnings(content_dir):
    write_article(content_dir, "old", "Old?", "Old.", extra="review_by: 2001-01-01")
    assert run("check", "--content", str(content_dir)).exit_code == 0
    assert run("check", "--content", str(content_dir), "--strict").exit_code == 1


def _with_answer_tests(content_dir):
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    write_article(content_dir, "track-order", "Where is my parcel?", "Tracking page.")
    (content_dir / "_tests").mkdir()
    (content_dir / "_tests" / "en.csv").write_text(
        "question,expected,lang\nhow long does a refund take,refund-time,en\n"
        "where is my parcel,refund-time,en\n",
        encoding="utf-8",
    )


def test_check_runs_the_answer_tests_and_warns_on_failures(content_dir):
    _with_answer_tests(content_dir)
    result = run("check", "--content", str(content_dir))
    assert result.exit_code == 0, result.output
    assert (
        '_tests/en.csv:3: warning: answer test fails: "where is my parcel" should get '
        "refund-time, got track-order" in result.output
    )
    assert "answer tests: 1/2 pass\n2 articles, 0 errors, 1 warnings" in result.output
    assert run("check", "--content", str(content_dir), "--strict").exit_code == 1


def test_check_no_answer_tests_skips_them(content_dir):
    _with_answer_tests(content_dir)
    result = run("check", "--content", str(content_dir), "--strict", "--no-answer-tests")
    assert result.exit_code == 0, result.output
    assert "answer tests" not in result.output


def test_check_warns_on_duplicate_titles(content_dir):
    write_article(content_dir, "a", "Where is my refund?", "A.")
    write_article(content_dir, "b", "Refund status", "B.", questions=["where is my  refund?"])
    result = run("check", "--content", str(content_dir))
    assert result.exit_code == 0
    assert (
        'en/general/b.md:1: warning: question "where is my  refund?" is also a title or '
        "question of 'a' in 'en'" in result.output
    )


def test_reindex_rebuilds_from_content(tmp_path):
    shutil.copytree(SAMPLE_CONTENT, tmp_path / "content")
    env = {"KB_CONTENT_DIR": str(tmp_path / "content"), "KB_DATA_DIR": str(tmp_path / "data")}
    result = run("reindex", env=env)
    assert result.exit_code == 0, result.output
    assert "indexed" in result.output
    count = int(result.output.split("indexed ")[1].split()[0])
    assert count >= 100
    pointer = tmp_path / "data" / "index" / "CURRENT"
    first = pointer.read_text()

    # a file edited outside the app: recorded once, and the whole index built anew
    path = next((tmp_path / "content" / "en").rglob("*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\nZanzibarite footnote.\n", "utf-8")
    result = run("reindex", env=env)
    assert result.exit_code == 0, result.output
    assert f"indexed {count} articles in " in result.output
    assert "(0 new, 1 changed, 0 retired)" in result.output
    assert pointer.read_text() != first
    index = SearchIndex(tmp_path / "data" / "index")
    words = langs.terms("Zanzibarite", "en")
    assert [h.load().path for h in index.search("en", words, public_only=False)] == [
        str(path.relative_to(tmp_path / "content"))
    ]
