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
    engine = current_kb().engine
    entry = engine.article(article_id, lang)
    return render_template(
        "faq/article.html",
        lang=lang,
        entry=entry,
        translations=engine.translations(article_id),
        jsonld=faq_page([entry]),
    )


@bp.get("/<lang>/search")
def search(lang: str):
    question = request.args.get("q", "").strip()[: current_app.config["MAX_QUERY_LENGTH"]]
    answer = (
        current_kb().engine.answer(question, lang, limit=10, snippets=True) if question else None
    )
    return render_template("faq/search.html", lang=lang, q=question, answer=answer)
