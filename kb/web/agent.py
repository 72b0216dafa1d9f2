"""The agent sidebar: a narrow page with search as you type, answers inline."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request

from kb.answers import PUBLIC, Answer
from kb.web import current_kb, request_lang

bp = Blueprint("agent", __name__, url_prefix="/agent")
RESULTS = 8


def audience() -> str:
    """Return what the current agent may see (public until agent sign-in exists)."""
    return PUBLIC


def _lookup() -> tuple[str, Answer | None]:
    """Resolve the request's language and question; answer it if there is one."""
    g.lang = request_lang(request.args.get("lang"))
    question = request.args.get("q", "").strip()[: current_app.config["MAX_QUERY_LENGTH"]]
    if not question:
        return question, None
    engine = current_kb().engine
    return question, engine.answer(question, g.lang, audience=audience(), limit=RESULTS)


@bp.get("")
def sidebar():
    question, answer = _lookup()
    return render_template("agent/sidebar.html", lang=g.lang, q=question, answer=answer)


@bp.get("/search")
def search():
    question, answer = _lookup()
    return render_template("agent/_results.html", lang=g.lang, q=question, answer=answer)
