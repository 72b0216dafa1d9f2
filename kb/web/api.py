"""The chatbot answer API, ``/api/v1``: JSON in, JSON out, described by ``openapi.json``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from kb import auth, drafts, feedback, i18n, journal, publish
from kb.answers import Answer, Candidate
from kb.errors import BadRequest, UnknownLanguage
from kb.index import Entry
from kb.publish import faq_url
from kb.web import client_key, current_kb, get_db, get_journal, request_lang
from kb.web.account import bearer_token
from kb.web.caching import shared
from kb.web.openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_SESSION = 200


def absolute(path: str) -> str:
    """Return ``path`` prefixed with the configured public base URL, if any."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def entry_json(entry: Entry) -> dict[str, Any]:
    """Return the API form of an article: content plus its consistency receipt."""
    return {
        "id": entry.id,
        "lang": entry.lang,
        "title": entry.title,
        "summary": entry.summary_text,
        "html": entry.html,
        "url": absolute(faq_url(entry.lang, entry.id)),
        "revision": entry.revision,
        "content_hash": entry.content_hash,
        "updated_at": entry.updated_at,
    }


def candidate_json(candidate: Candidate) -> dict[str, Any]:
    entry = candidate.entry
    return {
        "id": entry.id,
        "title": entry.title,
        "url": absolute(faq_url(entry.lang, entry.id)),
        "confidence": candidate.confidence,
    }


def answer_json(answer: Answer, ref: str) -> dict[str, Any]:
    """Return the API form of an answer (the same object every channel renders).

    :param ref: the recorded answer's reference (for feedback and receipts)
    """
    return {
        "ref": ref,
        "status": answer.status,
        "handoff": answer.handoff,
        "reason": answer.reason or None,
        "confidence": answer.confidence,
        "question": answer.question,
        "lang": answer.lang,
        "answer": entry_json(answer.entry) if answer.entry else None,
        "alternatives": [candidate_json(c) for c in answer.alternatives],
    }


def chat_reply(answer: Answer) -> str:
    """Return a ready reply for a chatbot: the short answer and its link, or a handoff."""
    code = answer.lang
    if answer.entry is not None:
        url = absolute(faq_url(answer.entry.lang, answer.entry.id))
        return f"{answer.entry.summary_text}\n\n{i18n.t(code, 'more_at', url=url)}"
    if answer.status == "ambiguous":
        lines = [i18n.t(code, "which_one")]
    else:
        lines = [i18n.t(code, "handoff")]
        if answer.alternatives:
            lines.append(i18n.t(code, "handoff_suggestions"))
    lines += [f"{n}. {c.entry.title}" for n, c in enumerate(answer.alternatives, 1)]
    return "\n".join(lines)


def json_body() -> dict[str, Any]:
    """Return the request's JSON object, or raise a 4xx that says what is wrong."""
    if not request.is_json:
        from werkzeug.exceptions import UnsupportedMediaType

        raise UnsupportedMediaType("send the body as application/json")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # "[[[[..." a thousand deep, in 2 KB, overflowed the decoder
        raise BadRequest("the body is nested too deeply") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    if _has_lone_surrogate(data):
        # JSON may escape one ("\\ud800"); such text cannot be stored or written as UTF-8,
        # and a recorded question holding one made the journal drop its whole batch
        raise BadRequest("the body holds text that is not valid Unicode (a lone surrogate)")
    return data


def _has_lone_surrogate(data: Any) -> bool:
    stack = [data]
    while stack:  # iterative: the decoder allows nesting deeper than our own stack has room for
        value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _text_field(data: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"'{name}' is required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string")
    return value


def api_lang(value: str | None) -> str:
    """Return the language a call asks for: ``value``, or the fallback when it names none.

    An empty ``lang`` is rejected rather than taken as missing: the document
    says ``lang`` is one of the language codes, and a client sending ``lang=``
    has a bug it should hear about (the HTML forms keep treating it as missing).

    :raises UnknownLanguage: for an empty or unsupported code
    """
    if value == "":
        raise UnknownLanguage("'lang' is empty: leave it out or use a language code")
    return request_lang(value)


def _question(value: str | None, name: str = "q") -> str:
    if value is None or not value.strip():
        raise BadRequest(f"'{name}' must not be empty")
    return value


@bp.get("/answer")
@shared(recorded=True, vary_language=True)
def answer_get():
    question = _question(request.args.get("q"))
    answer, ref = current_kb().ask(question, api_lang(request.args.get("lang")), channel="api")
    return jsonify(answer_json(answer, ref))


@bp.post("/answer")
def answer_post():
    data = json_body()
    question = _question(_text_field(data, "question", required=True), "question")
    code = api_lang(_text_field(data, "lang", required=False))
    return jsonify(answer_json(*current_kb().ask(question, code, channel="api")))


@bp.post("/chat")
def chat():
    data = json_body()
    message = _question(_text_field(data, "message", required=True), "message")
    code = api_lang(_text_field(data, "lang", required=False))
    session = _text_field(data, "session", required=False)
    if session is not None and len(session) > MAX_SESSION:
        raise BadRequest(f"'session' is longer than {MAX_SESSION} characters")
    answer, ref = current_kb().ask(message, code, channel="chat")
    body = {"reply": chat_reply(answer), "session": session, **answer_json(answer, ref)}
    return jsonify(body)


@bp.get("/search")
@shared(recorded=True, vary_language=True)
def search():
    question = _question(request.args.get("q"))
    raw_limit = request.args.get("limit", "10")
    try:
        limit = int(raw_limit)
    except ValueError:
        raise BadRequest("'limit' must be a whole number") from None
    if not 1 <= limit <= 50:
        raise BadRequest("'limit' must be between 1 and 50")
    code = api_lang(request.args.get("lang"))
    answer, ref = current_kb().ask(question, code, channel="api", limit=limit, snippets=True)
    results = answer.candidates[:limit]
    return jsonify(
        {
            "ref": ref,
            "query": question,
            "lang": code,
            "results": [
                {**candidate_json(c), "summary": c.entry.summary_text, "snippet": c.snippet}
                for c in results
            ],
        }
    )


@bp.get("/articles/<article_id>")
@shared(vary_language=True)
def article(article_id: str):
    code = api_lang(request.args.get("lang"))
    entry, translations = current_kb().engine.article_versions(article_id, code)
    body = entry_json(entry)
    body.update(
        {
            "category": entry.category,
            "tags": list(entry.tags),
            "questions": list(entry.questions),
            "review_by": entry.review_by,
            "translations": [
                {"lang": e.lang, "url": absolute(faq_url(e.lang, e.id))} for e in translations
            ],
        }
    )
    return jsonify(body)


@bp.post("/feedback")
def post_feedback():
    """A customer's "was this helpful?" on an answer, named by the answer's ``ref``."""
    data = json_body()
    kb = current_kb()
    stored = record_vote(
        kb,
        ref=data.get("ref"),
        helpful=data.get("helpful"),
        reason=data.get("reason"),
        comment=data.get("comment"),
        article_id=data.get("article_id"),
        revision=data.get("revision"),
    )
    return jsonify(
        {
            "status": "recorded",
            "ref": stored.ref,
            "id": stored.article_id,
            "lang": stored.lang,
            "revision": stored.revision,
            "helpful": bool(stored.helpful),
        }
    ), 201


def record_vote(kb, **fields) -> feedback.Feedback:
    """Store a vote on a recorded answer (see ``KnowledgeBase.once_recorded``)."""
    return kb.once_recorded(
        fields.get("ref"), lambda: feedback.vote(get_journal(), client=client_key(), **fields)
    )


@bp.get("/receipts/<ref>")
def get_receipt(ref: str):
    """What exactly was served for answer ``ref`` (editors' tokens)."""
    token_user("editor")
    receipt = current_kb().once_recorded(ref, lambda: journal.receipt(get_journal(), get_db(), ref))
    return jsonify(receipt.as_json())


@bp.get("/openapi.json")
@shared()
def openapi():
    return jsonify(openapi_document())


def token_user(role: str) -> auth.User:
    """Return the user of the request's Bearer token if it has ``role``.

    Writes through the API take tokens only (never the session cookie), which
    is why the API needs no CSRF token.

    :raises auth.AuthError: without a valid token
    :raises auth.Forbidden: when the token's user lacks ``role``
    """
    if bearer_token(request) is None or not current_user.is_authenticated:
        raise auth.AuthError("send an API token: Authorization: Bearer <token>")
    if not current_user.can(role):
        raise auth.Forbidden(f"this needs the {role} role")
    return current_user


def _lang_arg() -> str:
    code = request.args.get("lang")
    if not code:
        raise BadRequest("'lang' is required for writes")
    return request_lang(code)


@bp.put("/articles/<article_id>")
def put_article(article_id: str):
    user = token_user("editor")
    code = _lang_arg()
    data = json_body()
    text = _text_field(data, "markdown", required=True)
    note = _text_field(data, "note", required=True)
    base = data.get("base_revision")
    kb = current_kb()
    if user.can("publisher"):
        done = publish.publish(
            kb.content_dir,
            get_db(),
            kb.index,
            text=text,
            base_revision=base,
            author=user.name,
            note=note,
            source_lang=kb.source_lang,
            expect=(article_id, code),
        )
        rev = done.revision
        status = 201 if rev.revision == 1 else 200
        body = {
            "status": "published",
            "id": rev.article_id,
            "lang": rev.lang,
            "revision": rev.revision,
            "content_hash": rev.content_hash,
        }
        return jsonify(body), status
    draft = drafts.propose(
        get_db(),
        text=text,
        base_revision=base,
        author=user.name,
        note=note,
        expect=(article_id, code),
    )
    return jsonify({"status": "proposed", "id": article_id, "lang": code, "proposal": draft}), 202


@bp.delete("/articles/<article_id>")
def delete_article(article_id: str):
    user = token_user("publisher")
    code = _lang_arg()
    raw_base = request.args.get("base_revision")
    try:
        base = int(raw_base) if raw_base is not None else None
    except ValueError:
        raise BadRequest("'base_revision' must be a whole number") from None
    # the note is optional here: absent or blank, the retirement says where it came from
    note = (request.args.get("note") or "").strip() or "retired through the API"
    kb = current_kb()
    done = publish.retire(
        kb.content_dir,
        get_db(),
        kb.index,
        article_id=article_id,
        lang=code,
        author=user.name,
        note=note,
        base_revision=base,
        source_lang=kb.source_lang,
    )
    return jsonify(
        {
            "status": "retired",
            "id": article_id,
            "lang": code,
            "revision": done.revision.revision,
            "content_hash": None,
        }
    )
