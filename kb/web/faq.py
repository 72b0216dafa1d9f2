"""The public FAQ: home, categories, articles and search, per language."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from kb import lang as langs
from kb import store
from kb.errors import BadRequest
from kb.web import current_kb, get_db, request_lang
from kb.web.caching import shared

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
@shared(vary_language=True)
def root():
    return redirect(url_for("faq.home", lang=request_lang(None)))


@bp.get("/<lang>/")
@shared(stored=True)
def home(lang: str):
    catalog = current_kb().engine.catalog(lang)
    return render_template("faq/home.html", lang=lang, catalog=catalog)


@bp.get("/<lang>/categories/<category>")
@shared(stored=True)
def category(lang: str, category: str):
    entries = current_kb().engine.catalog(lang).get(category)
    if not entries:
        abort(404)
    return render_template(
        "faq/category.html", lang=lang, category=category, entries=entries, jsonld=faq_page(entries)
    )


@bp.get("/<lang>/articles/<article_id>")
@shared(stored=True)
def article(lang: str, article_id: str):
    entry, translations = current_kb().engine.article_versions(article_id, lang)
    return render_template(
        "faq/article.html",
        lang=lang,
        entry=entry,
        translations=translations,
        jsonld=faq_page([entry]),
    )


@bp.get("/<lang>/search")
@shared(recorded=True)
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
    ref = form.get("ref") or _page_view_ref(lang, form.get("article"), form.get("revision"))
    record_vote(
        current_kb(),
        ref=ref,
        helpful=helpful,
        reason=form.get("reason") or None,
        comment=form.get("comment") or None,
    )
    return render_template("faq/thanks.html", lang=lang)


def _page_view_ref(lang: str, article_id: str | None, revision: str | None) -> str | None:
    """Record the view of the article page a vote comes from; return its ref.

    An article page names its article and revision instead of carrying a ref,
    so the page is the same for every reader and shared caches can keep it.
    """
    if not article_id:
        return None
    entry = current_kb().engine.article(article_id, lang)
    try:
        number = int(revision or "")
    except ValueError:
        raise BadRequest("'revision' must be a whole number") from None
    content_hash = entry.content_hash if number == entry.revision else None
    if content_hash is None:
        old = store.get_revision(get_db(), entry.id, entry.lang, number)
        if old is None:
            raise BadRequest(f"revision {number} of {entry.lang}:{entry.id} does not exist")
        content_hash = old.content_hash or ""
    return current_kb().record_view(entry.id, entry.lang, number, content_hash)
