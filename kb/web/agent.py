"""The agent sidebar: a narrow page with search as you type, answers inline."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request

from kb.answers import INTERNAL, PUBLIC, Answer, Candidate
from kb.web import current_kb, request_lang
from kb.web.account import require_role

bp = Blueprint("agent", __name__, url_prefix="/agent")
RESULTS = 8


@bp.before_request
@require_role("agent")
def _signed_in_agents_only():
    """Every sidebar route needs an agent sign-in (or an API token of an agent)."""


def _lookup() -> tuple[str, Answer | None, list[Candidate]]:
    """Answer the request's question as customers get it, plus internal guidance for agents.

    The best result is the public answer, exactly what the FAQ and the
    chatbot serve, so an agent never tells a customer something else;
    internal articles that match follow it, marked, then the other results.
    """
    g.lang = request_lang(request.args.get("lang"))
    question = request.args.get("q", "").strip()[: current_app.config["MAX_QUERY_LENGTH"]]
    if not question:
        return question, None, []
    engine = current_kb().engine
    # agents see articles customers are not served (review overdue), with a warning
    public = engine.answer(question, g.lang, audience=PUBLIC, limit=RESULTS, withhold_expired=False)
    internal = [
        c
        for c in engine.answer(question, g.lang, audience=INTERNAL, limit=RESULTS).candidates
        if not c.entry.is_public
    ]
    best = list(public.candidates[:1]) if public.entry else []
    rest = public.candidates[len(best) :]
    return question, public, (best + internal + list(rest))[:RESULTS]


@bp.get("")
def sidebar():
    question, answer, results = _lookup()
    return render_template(
        "agent/sidebar.html", lang=g.lang, q=question, answer=answer, results=results, **_shared()
    )


@bp.get("/search")
def search():
    question, answer, results = _lookup()
    return render_template(
        "agent/_results.html", lang=g.lang, q=question, answer=answer, results=results, **_shared()
    )


def _shared() -> dict:
    kb = current_kb()
    return {"withheld": kb.engine.withheld, "source_lang": kb.source_lang}
