"""The agent sidebar: a narrow page with search as you type, answers inline."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request

from kb.answers import PUBLIC
from kb.web import current_kb, request_lang

bp = Blueprint("agent", __name__, url_prefix="/agent")


def audience() -> str:
    """Return what the current agent may see (public until agent sign-in exists)."""
    return PUBLIC


@bp.get("")
def sidebar():
    g.lang = request_lang(request.args.get("lang"))
    return render_template("agent/sidebar.html", lang=g.lang, q=request.args.get("q", ""))


@bp.get("/search")
def search():
    g.lang = request_lang(request.args.get("lang"))
    question = request.args.get("q", "").strip()[: current_app.config["MAX_QUERY_LENGTH"]]
    answer = (
        current_kb().engine.answer(question, g.lang, audience=audience(), limit=8, snippets=True)
        if question
        else None
    )
    return render_template("agent/_results.html", lang=g.lang, q=question, answer=answer)
