"""The public FAQ: home, categories, articles and search, per language."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from kb import lang as langs
from kb.web import current_kb, request_lang

bp = Blueprint("faq", __name__)


@bp.url_value_preprocessor
def _language(endpoint, values):
    if values and "lang" in values:
        if values["lang"] not in langs.LANGUAGES:
            abort(404)
        g.lang = values["lang"]


def faq_page(entries) -> dict:
    """Return schema.org ``FAQPage`` JSON-LD for published public entries."""
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": e.title,
                "acceptedAnswer": {"@type": "Answer", "text": e.summary_text},
            }
            for e in entries
        ],
    }


@bp.get("/")
def root():
    return redirect(url_for("faq.home", lang=request_lang(None)))


@bp.get("/<lang>/")
def home(lang: str):
    catalog = current_kb().engine.catalog(lang)
    return render_template("faq/home.html", lang=lang, catalog=catalog)


@bp.get("/<lang>/categories/<category>")
def category(lang: str, category: str):
    entries = current_kb().engine.catalog(lang).get(category)
    if not entries:
        abort(404)
    return render_template(
        "faq/category.html", lang=lang, category=category, entries=entries, jsonld=faq_page(entries)
    )


@bp.get("/<lang>/articles/<article_id>")
def article(lang: str, article_id: str):
    kb = current_kb()
    entry = kb.engine.article(article_id, lang)
    return render_template(
        "faq/article.html",
        lang=lang,
        entry=entry,
        translations=kb.engine.translations(article_id),
        jsonld=faq_page([entry]),
        ref=kb.record_view(entry),
    )


@bp.get("/<lang>/search")
def search(lang: str):
    question = request.args.get("q", "").strip()[: current_app.config["MAX_QUERY_LENGTH"]]
    answer, ref = (
        current_kb().ask(question, lang, channel="faq", limit=10, snippets=True)
        if question
        else (None, "")
    )
    return render_template("faq/search.html", lang=lang, q=question, answer=answer, ref=ref)


@bp.post("/<lang>/feedback")
def feedback(lang: str):
    """The "was this helpful?" form under an answer or article.

    Exempt from CSRF (see ``init_app``): an anonymous vote acts with nobody's
    credentials, and only the unguessable ref of a served answer authorises it.
    """
    from kb.web.api import record_vote

    form = request.form
    helpful = {"yes": True, "no": False}.get(form.get("helpful", ""), form.get("helpful"))
    record_vote(
        current_kb(),
        ref=form.get("ref"),
        helpful=helpful,
        reason=form.get("reason") or None,
        comment=form.get("comment") or None,
    )
    return render_template("faq/thanks.html", lang=lang)
