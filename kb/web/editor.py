"""The web editor: article list, edit with live preview, proposals, history, review dates.

Views stay thin: the form becomes an article file (``kb.content.compose``),
and ``kb.publish`` / ``kb.drafts`` do the work and raise typed errors, which
become a page with the reason (a conflict page with both versions' diff for
stale edits). Every route needs an editor; publishing ones need a publisher.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from kb import answer_tests, content, drafts, publish, render, store, translations
from kb import lang as langs
from kb.content import Article, ArticleInvalid, Problem
from kb.diff import line_diff
from kb.errors import ArticleNotFound, BadRequest
from kb.index import Entry
from kb.web import current_kb, get_db
from kb.web.account import require_role

bp = Blueprint("editor", __name__, url_prefix="/editor")

STATUS_FILTERS = {
    "": "any",
    "stale": "review overdue or due soon",
    "overdue": "review overdue",
    "draft": "has a draft or proposal",
    "outdated": "outdated translation",
}


@bp.before_request
@require_role("editor")
def _editors_only():
    """Every editor page needs an editor sign-in (publishing needs a publisher)."""


# --- form <-> article file ---------------------------------------------------


@dataclass
class Submission:
    """An edit form as posted: the composed file text and what the form carried besides."""

    text: str
    base_revision: int
    note: str
    draft_id: int | None
    article_id: str
    lang: str


def _int_field(name: str, default: int | None = None) -> int | None:
    raw = request.form.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number") from None
    if value < 0:
        raise BadRequest(f"'{name}' must not be negative")
    if value > store.MAX_INTEGER:
        raise BadRequest(f"'{name}' is too large")
    return value


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def _review_date(raw: str) -> Any:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return raw  # the parser reports it, with the field's name


def submission(article_id: str | None = None, lang: str | None = None) -> Submission:
    """Build the article file from the posted form fields.

    :param article_id: the article being edited (None: a new one, id and language from the form)
    :raises ArticleInvalid: when the "other front matter" box is not a YAML mapping
    """
    form = request.form
    article_id = article_id or form.get("id", "").strip()
    lang = lang or form.get("lang", "").strip()
    front: dict[str, Any] = {"id": article_id, "title": form.get("title", "").strip(), "lang": lang}
    questions = _lines(form.get("questions", ""))
    if questions:
        front["questions"] = questions
    front["category"] = form.get("category", "").strip()
    tags = [t.strip() for t in form.get("tags", "").split(",") if t.strip()]
    if tags:
        front["tags"] = tags
    front["audience"] = form.get("audience", "public")
    review_by = _review_date(form.get("review_by", ""))
    if review_by:
        front["review_by"] = review_by
    front.update(content.parse_extra_front_matter(form.get("extra", "")))
    return Submission(
        text=content.compose(front, form.get("body", "")),
        base_revision=_int_field("base_revision", 0),
        note=form.get("note", "").strip(),
        draft_id=_int_field("draft_id"),
        article_id=article_id,
        lang=lang,
    )


def form_values(article: Article | None) -> dict[str, str]:
    """Return the edit form's field values for ``article`` (empty for a new one)."""
    if article is None:
        return {"audience": "public", "category": "general"}
    extra = content.compose(article.extra, "").split("---\n")[1] if article.extra else ""
    return {
        "id": article.id,
        "lang": article.lang,
        "title": article.title,
        "questions": "\n".join(article.questions),
        "category": article.category,
        "tags": ", ".join(article.tags),
        "audience": article.audience,
        "review_by": article.review_by.isoformat() if article.review_by else "",
        "extra": extra if extra.strip() != "{}" else "",
        "body": article.body,
    }


def _values_from_text(text: str) -> dict[str, str]:
    """Best effort form values from a stored file text (a draft may not parse)."""
    try:
        return form_values(content.parse_article(text))
    except ArticleInvalid:
        try:
            _, body, _ = content.split_front_matter(text)
        except ArticleInvalid:
            body = text
        return {"body": body, "audience": "public"}


def _where(problem: Problem, text: str) -> Problem:
    """Point a problem at the form: "answer" line N or "front matter", not a line of the file."""
    try:
        _, _, body_line = content.split_front_matter(text)
    except ArticleInvalid:
        return problem
    if problem.line >= body_line:
        return Problem("answer", problem.line - body_line + 1, problem.message, problem.level)
    return Problem("front matter", 0, problem.message, problem.level)


def validate(text: str) -> tuple[Article | None, list[Problem]]:
    """Check a file as ``kb check`` would: parse problems, then links, category, review date."""
    try:
        article = content.parse_article(text)
    except ArticleInvalid as exc:
        return None, [_where(p, text) for p in exc.problems]
    kb = current_kb()
    entries = live_entries()
    keys = {e.key for e in entries}
    ids = {key.split(":", 1)[1] for key in keys} | {article.id}
    source_ids = {key.split(":", 1)[1] for key in keys if key.startswith(f"{kb.source_lang}:")}
    if article.lang == kb.source_lang:
        source_ids.add(article.id)
    problems = content.check_articles(
        [article],
        categories=kb.categories or None,
        source_lang=kb.source_lang,
        ids=ids,
        source_ids=source_ids,
        phrases=content.phrase_map(
            e for e in entries if e.lang == article.lang and e.key != article.key
        ),
    )
    problems = [_where(p, text) for p in problems]
    return article, problems


def what_if(article: Article | None) -> answer_tests.Impact | None:
    """Return what publishing ``article`` would break and fix among the answer tests."""
    if article is None:
        return None
    return current_kb().answer_tests.impact(live_entries(), article)


def live_entries() -> list[Entry]:
    """Every live index entry, read once per request (checks, what-if and preview all need them)."""
    if "live_entries" not in g:
        g.live_entries = current_kb().index.entries()
    return g.live_entries


def preview_html(article: Article) -> str:
    """Render ``article`` exactly as the channels will (same renderer, same link resolution)."""
    kb = current_kb()
    keys = {e.key for e in live_entries()} | {article.key}
    return render.render(article, resolve=publish.resolver(keys, article.lang, kb.source_lang)).html


# --- pages -------------------------------------------------------------------


def _latest(article_id: str, lang: str) -> store.Revision:
    if lang not in langs.LANGUAGES:
        abort(404)
    latest = store.latest_revision(get_db(), article_id, lang)
    if latest is None:
        raise ArticleNotFound(f"no article {article_id!r} in {lang!r}")
    return latest


def _today() -> dt.date:
    return dt.date.today()


@bp.get("")
def articles():
    kb = current_kb()
    db = get_db()
    args = request.args
    lang, category = args.get("lang", ""), args.get("category", "")
    audience, status = args.get("audience", ""), args.get("status", "")
    q = args.get("q", "").strip().casefold()[:200]
    soon = (_today() + dt.timedelta(days=current_app.config["REVIEW_SOON_DAYS"])).isoformat()
    today = _today().isoformat()
    open_drafts: dict[str, int] = {}
    for d in store.list_drafts(db, status=store.OPEN_DRAFT_STATES):
        open_drafts[d.key] = open_drafts.get(d.key, 0) + 1
    rows = []
    for entry in kb.index.entries():
        if (lang and entry.lang != lang) or (category and entry.category != category):
            continue
        if audience and entry.audience != audience:
            continue
        if q and q not in entry.title.casefold() and q != entry.id:
            continue
        review = entry.review_by or ""
        if status == "stale" and not (review and review <= soon):
            continue
        if status == "overdue" and not (review and review < today):
            continue
        if status == "draft" and entry.key not in open_drafts:
            continue
        if status == "outdated" and not entry.outdated:
            continue
        rows.append((entry, open_drafts.get(entry.key, 0)))
    rows.sort(
        key=lambda row: (row[0].category, row[0].id, row[0].lang != kb.source_lang, row[0].lang)
    )
    return render_template(
        "editor/articles.html",
        lang="en",
        rows=rows,
        filters={
            "lang": lang,
            "category": category,
            "audience": audience,
            "status": status,
            "q": args.get("q", ""),
        },
        categories=sorted(kb.categories) or sorted({e.category for e, _ in rows}),
        status_filters=STATUS_FILTERS,
        today=today,
        soon=soon,
    )


def _edit_page(
    *,
    values: dict[str, str],
    article_id: str | None,
    lang: str | None,
    base_revision: int,
    draft_id: int | None = None,
    problems: list[Problem] | None = None,
    preview: str | None = None,
    note: str = "",
    status: int = 200,
    impact: answer_tests.Impact | None = None,
):
    kb = current_kb()
    return render_template(
        "editor/edit.html",
        lang="en",
        values=values,
        article_id=article_id,
        article_lang=lang,
        base_revision=base_revision,
        draft_id=draft_id,
        problems=problems or [],
        preview=preview,
        impact=impact,
        note=note,
        categories=sorted(kb.categories),
        history=store.history(get_db(), article_id, lang)[:5] if article_id else [],
        open_drafts=store.list_drafts(
            get_db(), status=store.OPEN_DRAFT_STATES, key=f"{lang}:{article_id}"
        )
        if article_id
        else [],
        existing={e.lang for e in kb.index.entries(id=article_id)} if article_id else set(),
        state=translations.states(get_db(), kb.source_lang, article_id).get(f"{lang}:{article_id}")
        if article_id
        else None,
    ), status


@bp.get("/new")
def new():
    values = form_values(None)
    values["lang"] = request.args.get("lang", current_kb().source_lang)
    if request.args.get("translate"):  # start a translation from the source article
        source = store.latest_revision(
            get_db(), request.args["translate"], current_kb().source_lang
        )
        if source and source.text:
            values = _values_from_text(source.text)
            values["lang"] = request.args.get("lang", "")
    question = request.args.get("question", "").strip()[:500]
    if question and not request.args.get("translate"):  # "write an article for this" (insights)
        values["title"] = question
        values["questions"] = "\n".join(request.args.getlist("question")[:20])
    return _edit_page(values=values, article_id=None, lang=None, base_revision=0)[0]


@bp.get("/<lang>/<article_id>")
def edit(lang: str, article_id: str):
    draft_id = request.args.get("draft", type=int)
    if draft_id is not None:
        draft = drafts.get_open(get_db(), draft_id)
        if draft.key != f"{lang}:{article_id}":
            abort(404)
        return _edit_page(
            values=_values_from_text(draft.text),
            article_id=article_id,
            lang=lang,
            base_revision=draft.base_revision,
            draft_id=draft.id if draft.author == current_user.name else None,
            note=draft.note,
        )[0]
    latest = _latest(article_id, lang)
    values = _values_from_text(latest.text) if latest.text else form_values(None)
    article, problems = validate(latest.text) if latest.text else (None, [])
    return _edit_page(
        values=values,
        article_id=article_id,
        lang=lang,
        base_revision=latest.revision,
        problems=problems,
        preview=preview_html(article) if article else None,
    )[0]


@bp.post("/new")
def create():
    return _save(None, None)


@bp.post("/<lang>/<article_id>")
def save(lang: str, article_id: str):
    if lang not in langs.LANGUAGES:
        abort(404)
    return _save(article_id, lang)


def _save(article_id: str | None, lang: str | None):
    """Handle the edit form's buttons: preview, save draft, propose, publish."""
    action = request.form.get("action", "preview")
    if action not in {"preview", "draft", "propose", "publish"}:
        raise BadRequest(f"unknown action {action!r}")
    try:
        sub = submission(article_id, lang)
    except ArticleInvalid as exc:
        return _edit_page(
            values=dict(request.form),
            article_id=article_id,
            lang=lang,
            base_revision=_int_field("base_revision", 0),
            problems=exc.problems,
            status=422,
        )
    article, problems = validate(sub.text)
    page = dict(
        values=dict(request.form),
        article_id=article_id,
        lang=lang,
        base_revision=sub.base_revision,
        draft_id=sub.draft_id,
        problems=problems,
        note=sub.note,
        preview=preview_html(article) if article else None,
    )
    if action == "preview":
        return _edit_page(**page, impact=what_if(article))
    db, kb = get_db(), current_kb()
    if action == "draft":
        draft_id = drafts.save(
            db,
            text=sub.text,
            base_revision=sub.base_revision,
            author=current_user.name,
            note=sub.note,
            draft_id=sub.draft_id,
            article_id=sub.article_id or "new",
            lang=sub.lang or kb.source_lang,
        )
        flash(f"Draft {draft_id} saved. Only the editors see it; no channel does.", "ok")
        return redirect(
            url_for(
                "editor.edit",
                lang=sub.lang or kb.source_lang,
                article_id=sub.article_id or "new",
                draft=draft_id,
            )
            if sub.article_id and sub.lang in langs.LANGUAGES
            else url_for("editor.proposals")
        )
    errors = [p for p in problems if p.level == "error"]
    if article is None or errors:
        return _edit_page(**{**page, "status": 422})
    expect = (article_id, lang) if article_id else None
    if action == "publish" and not current_user.can("publisher"):
        from kb.auth import Forbidden

        raise Forbidden("publishing needs the publisher role; propose the change instead")
    change = what_if(article)
    try:
        if action == "propose":
            proposal = drafts.propose(
                db,
                text=sub.text,
                base_revision=sub.base_revision,
                author=current_user.name,
                note=sub.note,
                expect=expect,
                draft_id=sub.draft_id,
            )
            flash(f"Proposal {proposal} is waiting for a publisher.", "ok")
            if change and change.breaks:
                flash(_breaks_message(change, "It would break"), "warning")
            return redirect(url_for("editor.proposal", draft_id=proposal))
        done = publish.publish(
            kb.content_dir,
            db,
            kb.index,
            text=sub.text,
            base_revision=sub.base_revision,
            author=current_user.name,
            note=sub.note,
            source_lang=kb.source_lang,
            expect=expect,
        )
    except publish.Conflict as exc:
        return conflict_page(exc, sub)
    except (BadRequest, publish.WriteFailed) as exc:  # a missing note; a full disk
        # the form comes back with the text as typed, so nothing the editor wrote is lost
        return _edit_page(
            **{
                **page,
                "problems": [Problem("form", 0, exc.message), *problems],
                "status": exc.status,
            }
        )
    if sub.draft_id is not None:
        store.decide_draft(db, sub.draft_id, status=store.APPROVED, by=current_user.name)
    rev = done.revision
    flash(
        f"Published revision {rev.revision} of {rev.key}: every channel serves it now "
        f"(content hash {rev.content_hash[:12]}).",
        "ok",
    )
    _record_breaks(db, change, rev)
    return redirect(url_for("editor.edit", lang=rev.lang, article_id=rev.article_id))


def _breaks_message(change: answer_tests.Impact, lead: str) -> str:
    n = len(change.breaks)
    return f"{lead} {n} answer test{'s' * (n != 1)}: " + "; ".join(
        f'"{d.question}" (expected {d.expected}, now {d.now})' for d in change.breaks
    )


def _record_breaks(db, change: answer_tests.Impact | None, rev: store.Revision) -> None:
    """Audit and announce a publish that breaks answer tests (publishers may, knowingly)."""
    if not change or not change.breaks:
        return
    store.audit(
        db,
        actor=current_user.name,
        action="article.publish_with_failing_tests",
        target=rev.key,
        detail=f"r{rev.revision}: {change.describe()}",
    )
    flash(_breaks_message(change, "Published although it breaks"), "warning")


def conflict_page(exc: publish.Conflict, sub: Submission):
    """Show why a save was refused: what changed since the base, and how the two versions differ."""
    db = get_db()
    current = exc.current
    base = (
        store.get_revision(db, sub.article_id, sub.lang, sub.base_revision)
        if sub.base_revision
        else None
    )
    current_text = current.text if current and current.text else ""
    return render_template(
        "editor/conflict.html",
        lang="en",
        current=current,
        base_revision=sub.base_revision,
        theirs=line_diff(base.text if base and base.text else "", current_text),
        yours=line_diff(current_text, sub.text),
        text=sub.text,
        sub=sub,
        values=_values_from_text(sub.text),
    ), 409


@bp.post("/preview")
def preview():
    """Live preview for the edit form's script: rendered article and problems, as HTML."""
    try:
        sub = submission(request.form.get("id") or None, request.form.get("lang") or None)
    except ArticleInvalid as exc:
        return render_template("editor/_preview.html", preview=None, problems=exc.problems)
    article, problems = validate(sub.text)
    return render_template(
        "editor/_preview.html",
        preview=preview_html(article) if article else None,
        problems=problems,
        article=article,
        impact=what_if(article),
    )


# --- history, diff, rollback, retire, verify -------------------------------------


@bp.get("/<lang>/<article_id>/history")
def history(lang: str, article_id: str):
    latest = _latest(article_id, lang)
    revisions = store.history(get_db(), article_id, lang)
    return render_template(
        "editor/history.html",
        lang="en",
        latest=latest,
        revisions=revisions,
        article_id=article_id,
        article_lang=lang,
    )


@bp.get("/<lang>/<article_id>/diff")
def diff(lang: str, article_id: str):
    latest = _latest(article_id, lang)
    try:
        old_no = int(request.args.get("from", max(latest.revision - 1, 1)))
        new_no = int(request.args.get("to", latest.revision))
    except ValueError:
        raise BadRequest("'from' and 'to' must be revision numbers") from None
    db = get_db()
    old = store.get_revision(db, article_id, lang, old_no)
    new = store.get_revision(db, article_id, lang, new_no)
    if old is None or new is None:
        raise ArticleNotFound(
            f"{lang}:{article_id} has no revision {old_no if old is None else new_no}"
        )
    return render_template(
        "editor/diff.html",
        lang="en",
        old=old,
        new=new,
        diff=line_diff(old.text or "", new.text or ""),
        article_id=article_id,
        article_lang=lang,
        latest=latest,
    )


@bp.post("/<lang>/<article_id>/rollback")
@require_role("publisher")
def rollback(lang: str, article_id: str):
    kb = current_kb()
    to_revision = _int_field("revision")
    if to_revision is None:
        raise BadRequest("say which revision to roll back to")
    try:
        done = publish.rollback(
            kb.content_dir,
            get_db(),
            kb.index,
            article_id=article_id,
            lang=lang,
            to_revision=to_revision,
            base_revision=_int_field("base_revision", 0),
            author=current_user.name,
            note=request.form.get("note", "") or "rolled back",
            source_lang=kb.source_lang,
        )
    except publish.Conflict as exc:
        flash(f"Not rolled back: {exc.message}", "error")
        return redirect(url_for("editor.history", lang=lang, article_id=article_id)), 303
    flash(f"Rolled back to r{to_revision}: published as revision {done.revision.revision}.", "ok")
    return redirect(url_for("editor.history", lang=lang, article_id=article_id))


@bp.post("/<lang>/<article_id>/retire")
@require_role("publisher")
def retire(lang: str, article_id: str):
    kb = current_kb()
    note = request.form.get("note", "")
    try:
        publish.retire(
            kb.content_dir,
            get_db(),
            kb.index,
            article_id=article_id,
            lang=lang,
            author=current_user.name,
            note=note,
            base_revision=_int_field("base_revision"),
            source_lang=kb.source_lang,
        )
    except (publish.Conflict, publish.WriteFailed) as exc:
        flash(f"Not retired: {exc.message}", "error")
        return redirect(url_for("editor.history", lang=lang, article_id=article_id)), 303
    flash(
        f"{lang}:{article_id} retired: no channel serves it any more. Roll back to restore it.",
        "ok",
    )
    return redirect(url_for("editor.history", lang=lang, article_id=article_id))


@bp.post("/<lang>/<article_id>/verify")
@require_role("publisher")
def verify(lang: str, article_id: str):
    kb = current_kb()
    raw = request.form.get("review_by", "").strip()
    interval = int(current_app.config["REVIEW_INTERVAL_DAYS"])
    try:
        review_by = dt.date.fromisoformat(raw) if raw else _today() + dt.timedelta(days=interval)
    except ValueError:
        raise BadRequest(f"the review date must look like 2027-01-31, not {raw!r}") from None
    try:
        done = publish.verify(
            kb.content_dir,
            get_db(),
            kb.index,
            article_id=article_id,
            lang=lang,
            review_by=review_by,
            base_revision=_int_field("base_revision", 0),
            author=current_user.name,
            source_lang=kb.source_lang,
        )
    except publish.Conflict as exc:
        flash(f"Not verified: {exc.message}. Reload and check the new revision.", "error")
        return redirect(url_for("editor.reviews")), 303
    flash(
        f"Verified {lang}:{article_id}; next review by {review_by.isoformat()} (revision {done.revision.revision}).",
        "ok",
    )
    if request.form.get("back") == "edit":
        return redirect(url_for("editor.edit", lang=lang, article_id=article_id))
    return redirect(url_for("editor.reviews"))


@bp.get("/reviews")
def reviews():
    kb = current_kb()
    today = _today().isoformat()
    soon = (_today() + dt.timedelta(days=current_app.config["REVIEW_SOON_DAYS"])).isoformat()
    due = sorted(
        (e for e in kb.index.entries() if e.review_by and e.review_by <= soon),
        key=lambda e: (e.review_by, e.key),
    )
    return render_template(
        "editor/reviews.html",
        lang="en",
        overdue=[e for e in due if e.review_by < today],
        soon_list=[e for e in due if e.review_by >= today],
        soon=soon,
        withhold=current_app.config["WITHHOLD_EXPIRED"],
        next_date=(
            _today() + dt.timedelta(days=int(current_app.config["REVIEW_INTERVAL_DAYS"]))
        ).isoformat(),
    )


# --- translations --------------------------------------------------------------


@bp.get("/translations")
def translations_page():
    kb = current_kb()
    db = get_db()
    states = translations.states(db, kb.source_lang)
    outdated = sorted(
        (s for s in states.values() if s.outdated), key=lambda s: (s.article_id, s.lang)
    )
    titles = {e.key: e.title for e in kb.index.entries()}
    sources = [key.split(":", 1)[1] for key in titles if key.startswith(f"{kb.source_lang}:")]
    present = set(titles)
    missing = {
        code: sorted(a for a in sources if f"{code}:{a}" not in present)
        for code in langs.LANGUAGES
        if code != kb.source_lang
    }
    return render_template(
        "editor/translations.html",
        lang="en",
        outdated=outdated,
        titles=titles,
        missing=missing,
        source_lang=kb.source_lang,
    )


@bp.post("/<lang>/<article_id>/confirm")
@require_role("publisher")
def confirm(lang: str, article_id: str):
    kb = current_kb()
    state = publish.confirm_translation(
        get_db(),
        kb.index,
        article_id=article_id,
        lang=lang,
        author=current_user.name,
        source_lang=kb.source_lang,
    )
    flash(
        f"{lang}:{article_id} confirmed in step with {kb.source_lang} r{state.source_revision}.",
        "ok",
    )
    return redirect(url_for("editor.translations_page"))


# --- proposals -------------------------------------------------------------------


@bp.get("/proposals")
def proposals():
    db = get_db()
    return render_template(
        "editor/proposals.html",
        lang="en",
        proposed=store.list_drafts(db, status=store.PROPOSED),
        mine=store.list_drafts(db, status=store.DRAFT, author=current_user.name),
        decided=[d for d in store.list_drafts(db, status=(store.APPROVED, store.REJECTED))][:20],
    )


@bp.get("/proposals/<int:draft_id>")
def proposal(draft_id: int):
    db = get_db()
    draft = store.get_draft(db, draft_id)
    if draft is None or (draft.status == store.DRAFT and draft.author != current_user.name):
        raise ArticleNotFound(f"no proposal {draft_id}")
    latest = store.latest_revision(db, draft.article_id, draft.lang)
    base = (
        store.get_revision(db, draft.article_id, draft.lang, draft.base_revision)
        if draft.base_revision
        else None
    )
    article, problems = validate(draft.text)
    return render_template(
        "editor/proposal.html",
        lang="en",
        draft=draft,
        latest=latest,
        stale=(latest.revision if latest else 0) != draft.base_revision,
        diff=line_diff(base.text if base and base.text else "", draft.text),
        preview=preview_html(article) if article else None,
        problems=problems,
        impact=what_if(article) if draft.is_open else None,
    )


@bp.post("/proposals/<int:draft_id>/approve")
@require_role("publisher")
def approve(draft_id: int):
    kb = current_kb()
    db = get_db()
    draft = store.get_draft(db, draft_id)
    change = what_if(validate(draft.text)[0]) if draft and draft.is_open else None
    try:
        done = drafts.approve(
            kb.content_dir,
            db,
            kb.index,
            draft_id=draft_id,
            publisher=current_user.name,
            source_lang=kb.source_lang,
        )
    except publish.Conflict as exc:
        draft = store.get_draft(db, draft_id)
        return conflict_page(
            exc,
            Submission(
                draft.text, draft.base_revision, draft.note, None, draft.article_id, draft.lang
            ),
        )
    flash(
        f"Proposal {draft_id} published as revision {done.revision.revision} of {done.revision.key}.",
        "ok",
    )
    _record_breaks(db, change, done.revision)
    return redirect(url_for("editor.proposals"))


@bp.post("/proposals/<int:draft_id>/reject")
@require_role("publisher")
def reject(draft_id: int):
    drafts.reject(
        get_db(),
        draft_id=draft_id,
        publisher=current_user.name,
        reason=request.form.get("reason", ""),
    )
    flash(f"Proposal {draft_id} rejected; its author sees why.", "ok")
    return redirect(url_for("editor.proposals"))


@bp.post("/proposals/<int:draft_id>/withdraw")
def withdraw(draft_id: int):
    drafts.withdraw(get_db(), draft_id=draft_id, author=current_user.name)
    flash(f"Draft {draft_id} withdrawn.", "ok")
    return redirect(url_for("editor.proposals"))
