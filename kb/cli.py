"""The ``kb`` command: ``kb run``, ``kb reindex``, ``kb check`` and friends."""

from __future__ import annotations

import secrets
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, run_command, shell_command, with_appcontext

from kb import auth, config, content, store


def _create_app():
    from kb import create_app

    return create_app()


@click.group(
    cls=FlaskGroup, create_app=_create_app, add_version_option=False, add_default_commands=False
)
def main() -> None:
    """The knowledge base: one source of truth for every support channel."""


def _settings() -> dict:
    return {**config.DEFAULTS, **config.from_environ()}


def ensure_first_admin(echo=click.echo) -> None:
    """On the very first run (no users), create ``admin`` with a random password and print it once."""
    db = store.connect(Path(_settings()["DATA_DIR"]).resolve() / "kb.sqlite")
    try:
        store.migrate(db)
        if auth.count_users(db):
            return
        password = secrets.token_urlsafe(15)
        try:
            auth.create_user(db, "admin", password, "admin", actor="first-run")
        except auth.UserError:  # another process created it meanwhile
            return
        echo("First run: created user 'admin' with the role admin.")
        echo(f"Its password, shown only this once: {password}")
        echo("Change it at /account/password after signing in at /login.")
    finally:
        db.conn.close()


@main.command("run", params=run_command.params, help=run_command.help)
@click.pass_context
def run(ctx: click.Context, **kwargs) -> None:
    ensure_first_admin()
    ctx.invoke(run_command, **kwargs)


main.add_command(shell_command)
main.add_command(routes_command)


def _content_dir() -> Path:
    return Path(_settings()["CONTENT_DIR"]).resolve()


@main.command("check")
@click.option(
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Content folder (default: KB_CONTENT_DIR or ./content).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--no-answer-tests", "skip_tests", is_flag=True, help="Do not run the answer tests in _tests."
)
def check_command(content_dir: Path | None, strict: bool, skip_tests: bool) -> None:
    """Validate every article file and run the answer tests; exit 1 if there are errors.

    A failing answer test is a warning (a fail with --strict).
    """
    folder = content_dir or _content_dir()
    if not folder.is_dir():
        raise click.ClickException(f"no content folder at {folder}")
    settings = _settings()
    problems = content.check(folder, source_lang=settings["SOURCE_LANG"])
    articles = content.scan(folder).articles
    tested = None
    if not skip_tests:
        tested = _run_answer_tests(folder, articles, settings)
        problems = sorted(
            problems + tested.problems, key=lambda p: (p.level != "error", p.path, p.line)
        )
    for problem in problems:
        click.echo(str(problem), err=problem.level == "error")
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    if tested is not None and tested.results:
        from kb import answer_tests

        click.echo(answer_tests.summary(tested.results))
    click.echo(f"{len(articles)} articles, {errors} errors, {warnings} warnings")
    if errors or (strict and warnings):
        sys.exit(1)


def _run_answer_tests(folder: Path, articles: list, settings: dict):
    """Run ``content/_tests`` against a throw-away index of ``articles``, with the app's settings."""
    from kb import answer_tests
    from kb.answers import engine_options

    return answer_tests.check(
        folder,
        articles,
        source_lang=settings["SOURCE_LANG"],
        default_lang=settings["DEFAULT_LANG"],
        **engine_options(settings),
    )


@main.command("eval")
@click.argument("question_set", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option(
    "--lang", default=None, help="Language of rows that name none (default: KB_DEFAULT_LANG)."
)
@click.option(
    "--audience",
    type=click.Choice(["public", "internal"]),
    default="public",
    help="Ask as customers (public) or as agents (internal).",
)
@click.option(
    "--failures", default=20, show_default=True, help="How many failed questions to list."
)
@with_appcontext
def eval_command(
    question_set: Path, as_json: bool, lang: str | None, audience: str, failures: int
) -> None:
    """Run a question set (CSV or JSONL: question, expected, lang) through the answer function.

    Prints top-1 accuracy, MRR@5, recall@5, no-answer recall, wrongly refused
    questions and the most frequent confusions.
    """
    import json

    from kb import evaluate

    try:
        rows = content.read_question_set(question_set)
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from None
    questions = evaluate.questions_from_rows(rows, lang or current_app.config["DEFAULT_LANG"])
    unknown = sorted({q.lang for q in questions} - set(config_languages()))
    if unknown:
        raise click.ClickException(f"unknown language(s) in the question set: {', '.join(unknown)}")
    report = evaluate.run(current_app.extensions["kb"].engine, questions, audience=audience)
    if as_json:
        click.echo(json.dumps(report.summary(), ensure_ascii=False, indent=2))
    else:
        click.echo(evaluate.format_report(report, failures=failures))


def config_languages() -> list[str]:
    from kb import lang as langs

    return list(langs.LANGUAGES)


@main.command("prune")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Keep this many days (default: KB_RETENTION_DAYS).",
)
def prune_command(days: int | None) -> None:
    """Delete recorded questions and feedback older than the retention period (run it daily)."""
    from kb import journal

    settings = _settings()
    keep = days or int(settings["RETENTION_DAYS"])
    db = journal.connect(Path(settings["DATA_DIR"]).resolve() / "journal.sqlite")
    try:
        done = journal.prune(db, keep)
    finally:
        db.conn.close()
    click.echo(
        f"deleted {done['asks']} recorded answers and {done['feedback']} feedback rows "
        f"older than {done['cutoff']} ({keep} days)"
    )


@main.command("reindex", with_appcontext=False)
def reindex_command() -> None:
    """Record files changed outside the app and rebuild the search index from scratch."""
    from kb import create_app

    started = time.perf_counter()
    # the app's start-up records what changed in content/ and, told to, rebuilds the
    # index instead of first repairing the one it is about to replace
    kb = create_app({"REBUILD_AT_START": True}).extensions["kb"]
    report = kb.last_reconcile
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(
        f"indexed {kb.index.doc_count()} articles in {time.perf_counter() - started:.2f}s "
        f"({len(report.added)} new, {len(report.changed)} changed, {len(report.retired)} retired)"
    )


@main.command("sync")
@click.option(
    "--commit",
    "do_commit",
    is_flag=True,
    help="On the primary: commit (and push) what was published, instead of pulling.",
)
@click.option("--no-pull", is_flag=True, help="Only reconcile with the files as they are.")
def sync_command(do_commit: bool, no_pull: bool) -> None:
    """Bring this node's content up to date with git, then its history and index.

    On a replica: pull (fast-forward only) and reconcile. On the primary, with
    --commit: commit the published files and push them (see docs/scaling.md).
    """
    from kb import sync
    from kb.errors import SyncFailed

    folder = _content_dir()
    started = time.perf_counter()
    try:
        if do_commit:
            made = sync.commit(folder, f"kb: published content as of {store.utcnow()}")
            click.echo(f"committed {made}" if made else "nothing to commit")
            return
        pulled = None if no_pull else sync.pull(folder)
    except SyncFailed as exc:
        raise click.ClickException(exc.message) from None
    app = _create_app()  # start-up reconciles history and index with the files
    report = app.extensions["kb"].last_reconcile
    for problem in report.problems:
        click.echo(str(problem), err=True)
    where = f"{pulled.before[:10]} -> {pulled.after[:10]}, " if pulled else ""
    click.echo(
        f"synced in {time.perf_counter() - started:.2f}s: {where}{len(report.added)} new, "
        f"{len(report.changed)} changed, {len(report.retired)} retired"
    )


@main.group("users")
def users() -> None:
    """Manage user accounts."""


def _db():
    return current_app.extensions["kb"].connect()


@users.command("create")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(auth.ROLES), required=True, help="agent, editor, publisher or admin"
)
@with_appcontext
def users_create(name: str, role: str) -> None:
    """Create a user; the password is asked twice (or read as two lines from stdin)."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = auth.create_user(_db(), name, password, role, actor="cli")
    except auth.UserError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created {user.name} ({user.role})")


@users.command("list")
@with_appcontext
def users_list() -> None:
    """List users with their roles."""
    for user in auth.list_users(_db()):
        click.echo(f"{user.name}\t{user.role}\t{'disabled' if user.disabled else 'active'}")


@users.command("disable")
@click.argument("name")
@with_appcontext
def users_disable(name: str) -> None:
    """Disable a user: their sessions end and their API tokens stop working."""
    try:
        auth.set_disabled(_db(), name, True, actor="cli")
    except auth.UserError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"disabled {name}")


@main.group("tokens")
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (e.g. docs pipeline).")
@with_appcontext
def tokens_create(name: str, label: str) -> None:
    """Create an API token for user NAME; the token is the last line printed."""
    db = _db()
    user = auth.find_user(db, name)
    if user is None or user.disabled:
        raise click.ClickException(f"no active user called {name!r}")
    token = auth.create_token(db, user, label=label, actor="cli")
    click.echo(f"API token for {user.name} ({user.role}); it is shown only now:")
    click.echo(token)
