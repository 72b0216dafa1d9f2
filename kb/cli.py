"""The ``kb`` command: ``kb run``, ``kb reindex``, ``kb check`` and friends."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from kb import config, content


def _create_app():
    from kb import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """The knowledge base: one source of truth for every support channel."""


def _content_dir() -> Path:
    settings = {**config.DEFAULTS, **config.from_environ()}
    return Path(settings["CONTENT_DIR"]).resolve()


@main.command("check")
@click.option(
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Content folder (default: KB_CONTENT_DIR or ./content).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check_command(content_dir: Path | None, strict: bool) -> None:
    """Validate every article file; exit 1 if there are errors."""
    folder = content_dir or _content_dir()
    if not folder.is_dir():
        raise click.ClickException(f"no content folder at {folder}")
    problems = content.check(folder)
    for problem in problems:
        click.echo(str(problem), err=problem.level == "error")
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    articles = len(content.scan(folder).articles)
    click.echo(f"{articles} articles, {errors} errors, {warnings} warnings")
    if errors or (strict and warnings):
        sys.exit(1)


@main.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Record files changed outside the app and rebuild the search index from scratch."""
    from kb import publish

    kb = current_app.extensions["kb"]
    started = time.perf_counter()
    db = kb.connect()
    try:
        report = publish.reconcile(
            kb.content_dir, db, kb.index, source_lang=kb.source_lang, full=True
        )
    finally:
        db.conn.close()
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(
        f"indexed {kb.index.doc_count()} articles in {time.perf_counter() - started:.2f}s "
        f"({len(report.added)} new, {len(report.changed)} changed, {len(report.retired)} retired)"
    )
