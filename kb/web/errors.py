"""One place that turns errors into HTML pages or JSON, never leaking a traceback."""

from __future__ import annotations

import json
import logging

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from kb import lang as langs
from kb.errors import KBError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """Return True for API clients: ``/api/`` paths or a request preferring JSON."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, code: str, message: str):
    """Return an error as JSON ``{"error": {"code", "message"}}`` or as an HTML page."""
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        return response
    lang = g.get("lang") or (request.view_args or {}).get("lang")
    if lang not in langs.LANGUAGES:
        lang = "en"
    html = render_template(
        "errors/error.html", status=status, code=code, message=message, lang=lang
    )
    return html, status


def _kb_error(exc: KBError):
    response = error_response(exc.status, exc.code, exc.message)
    current = getattr(exc, "current", None)
    if current is not None and wants_json():
        # a 409 says which revision is current, so a pipeline can rebase
        body = response.get_json()
        body["error"]["current_revision"] = current.revision
        body["error"]["current_hash"] = current.content_hash
        response.set_data(json.dumps(body))
    return response


def _http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    response = error_response(exc.code or 500, code, exc.description or exc.name)
    allowed = exc.get_response().headers.get("Allow") if exc.code == 405 else None
    if allowed and not isinstance(response, tuple):
        response.headers["Allow"] = allowed
    return response


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", InternalServerError.description)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(KBError, _kb_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
