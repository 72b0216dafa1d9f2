"""The agent sidebar: a narrow page with search as you type, answers inline."""

from __future__ import annotations

import datetime as dt
import time

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from kb import feedback
from kb.answers import INTERNAL, PUBLIC, Answer, Candidate, expired
from kb.index import Entry
from kb.web import current_kb, get_journal, request_lang
from kb.web.account import require_role
from kb.web.caching import worker_lru

bp = Blueprint("agent", __name__, url_prefix="/agent")
RESULTS = 8
MIN_LIVE = 3  # as-you-type requests start at the third character ("c" and "ca" match everything)
RESULT_BLOCKS = 2048  # rendered results kept per worker (a few KB each)
PER_REQUEST_FIELDS = "<!--per-request fields-->"


@bp.before_request
@require_role("agent")
def _signed_in_agents_only():
    """Every sidebar route needs an agent sign-in (or an API token of an agent)."""


def _lookup() -> tuple[str, Answer | None, list[Candidate], str]:
    """Answer the request's question as customers get it, plus internal guidance for agents.

    The best result is the public answer, exactly what the FAQ and the
    chatbot serve, so an agent never tells a customer something else;
    internal articles that match follow it, marked, then the other results.
    """
    g.lang = request_lang(request.args.get("lang"))
    question = request.args.get("q", "").strip()[: current_app.config["MAX_QUERY_LENGTH"]]
    live = request.args.get("live") == "1"
    if not question or (live and len(question) < MIN_LIVE):
        return question, None, [], ""
    kb = current_kb()
    engine = kb.engine
    started = time.perf_counter()
    # agents see articles customers are not served (review overdue), with a warning
    public = engine.answer(question, g.lang, audience=PUBLIC, limit=RESULTS, withhold_expired=False)
    internal = [
        c
        for c in engine.answer(question, g.lang, audience=INTERNAL, limit=RESULTS).candidates
        if not c.entry.is_public
    ]
    best = list(public.candidates[:1]) if public.entry else []
    rest = public.candidates[len(best) :]
    # as-you-type requests (live=1) are not recorded: the script asks once more, to be
    # recorded, when the agent stops typing, so the journal holds questions, not keystrokes
    ref = ""
    if not live:
        elapsed = 1000 * (time.perf_counter() - started)
        ref = kb.record(public, channel="sidebar", audience=INTERNAL, latency_ms=elapsed)
    return question, public, (best + internal + list(rest))[:RESULTS], ref


def _render(template: str, **extra) -> str:
    """Answer the request's question and render it with ``template`` (page or fragment)."""
    question, answer, results, ref = _lookup()
    return render_template(
        template,
        lang=g.lang,
        q=question,
        answer=answer,
        results=results,
        ref=ref,
        result_parts=result_parts,
        **_shared(),
        **extra,
    )


def result_parts(entry: Entry, lang: str) -> tuple[Markup, Markup]:
    """Return a result's HTML before and after its per-request form fields.

    Agents type: every keystroke renders up to eight results, and rendering
    them cost more than the search. What a result shows depends only on the
    article version, the interface language, the day (review warnings, "3 days
    ago") and the withholding setting, so it is rendered once per those and
    kept; the CSRF token, receipt and question are filled in per request.
    """
    kb = current_kb()
    days = days_ago(entry.updated_at)
    is_overdue = expired(entry, dt.date.today().isoformat())
    is_withheld = kb.engine.withheld(entry)
    key = (
        entry.id,
        entry.lang,
        entry.revision,
        entry.content_hash,
        entry.updated_at,
        entry.review_by,
        entry.outdated,
        lang,
        days,
        is_overdue,
        is_withheld,
        request.script_root,
    )
    cache = worker_lru("kb_result_blocks", RESULT_BLOCKS)
    parts = cache.get(key)
    if parts is None:
        html = render_template(
            "agent/_result.html",
            e=entry,
            lang=lang,
            days=days,
            is_overdue=is_overdue,
            is_withheld=is_withheld,
            source_lang=kb.source_lang,
        )
        head, tail = html.split(PER_REQUEST_FIELDS)
        parts = (Markup(head), Markup(tail))
        cache.put(key, parts)
    return parts


def days_ago(iso: str | None) -> int | None:
    """Return how many whole days ago ``iso`` (UTC when it names no zone) was, or None."""
    if not iso:
        return None
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0, (dt.datetime.now(dt.UTC) - when).days)


@bp.get("")
def sidebar():
    return _render("agent/sidebar.html", flagged=request.args.get("flagged") == "1")


@bp.get("/search")
def search():
    return _render("agent/_results.html")


@bp.post("/flag")
def flag():
    """An agent flags an article revision as wrong, outdated or unclear (CSRF-protected form)."""
    kb = current_kb()
    form = request.form
    code = request_lang(form.get("lang") or None)
    entry = kb.engine.article(form.get("article_id", ""), code, audience=INTERNAL)
    feedback.flag(
        get_journal(),
        article_id=entry.id,
        lang=entry.lang,
        revision=form.get("revision"),
        current_revision=entry.revision,
        reason=form.get("reason"),
        comment=form.get("comment"),
        author=current_user.name,
        ref=form.get("ref") or None,
    )
    back = {"q": form.get("q", ""), "lang": code, "flagged": "1"}
    return redirect(url_for("agent.sidebar", **back), code=303)


def _shared() -> dict:
    kb = current_kb()
    return {"withheld": kb.engine.withheld, "source_lang": kb.source_lang}
