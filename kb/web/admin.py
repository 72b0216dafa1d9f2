"""Admin pages: users, roles, API tokens and the audit log.

Every form posts with a CSRF token and redirects back (303) with a flash
message; a refused change re-renders the users page with the reason and the
error's 4xx status. A new API token is shown once, in the response to the
POST that created it, and is never stored in plain text (not even in the
session or a flash cookie).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from kb import auth, store
from kb.errors import BadRequest
from kb.web import get_db
from kb.web.account import require_role

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE = 100
CSV_COLUMNS = ("at", "actor", "action", "target", "detail")
# a spreadsheet runs a cell starting with one of these as a formula (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MAX_FILTER = 200


@bp.before_request
@require_role("admin")
def _admins_only():
    """Every admin page needs an admin sign-in."""


@bp.before_request
def _english():
    g.lang = "en"  # staff pages are in English; error pages follow g.lang


# --- users and tokens -------------------------------------------------------------------


def _users_page(*, error: str | None = None, status: int = 200, form: dict | None = None):
    db = get_db()
    tokens: dict[int, list[auth.Token]] = defaultdict(list)
    for token in auth.list_tokens(db):
        tokens[token.user_id].append(token)
    html = render_template(
        "admin/users.html",
        lang="en",
        users=auth.list_users(db),
        tokens=tokens,
        roles=auth.ROLES,
        error=error,
        form=form or {},
    )
    return html, status


@bp.errorhandler(auth.UserError)
@bp.errorhandler(auth.TokenNotFound)
def _refused(exc: auth.UserError | auth.TokenNotFound):
    form = None
    if request.endpoint == "admin.create_user":
        form = {"name": request.form.get("name", ""), "role": request.form.get("role", "")}
    return _users_page(error=exc.message, status=exc.status, form=form)


def _done(message: str):
    flash(message, "ok")
    return redirect(url_for("admin.users"), 303)


@bp.get("/users")
def users():
    return _users_page()


@bp.post("/users")
def create_user():
    form = request.form
    if form.get("password", "") != form.get("confirm", ""):
        raise auth.UserError("the passwords do not match")
    user = auth.create_user(
        get_db(),
        form.get("name", ""),
        form.get("password", ""),
        form.get("role", ""),
        actor=current_user.name,
    )
    return _done(f"Created {user.name} ({user.role}).")


@bp.post("/users/<name>/role")
def set_role(name: str):
    user = auth.set_role(get_db(), name, request.form.get("role", ""), actor=current_user.name)
    return _done(f"{user.name} is now {user.role}; their sessions have ended.")


@bp.post("/users/<name>/disable")
def disable(name: str):
    user = auth.set_disabled(get_db(), name, True, actor=current_user.name)
    return _done(f"Disabled {user.name}: their sessions have ended and their tokens are refused.")


@bp.post("/users/<name>/enable")
def enable(name: str):
    user = auth.set_disabled(get_db(), name, False, actor=current_user.name)
    return _done(f"Enabled {user.name}.")


@bp.post("/users/<name>/tokens")
def create_token(name: str):
    db = get_db()
    user = auth.require_user(db, name)
    label = request.form.get("label", "")
    token = auth.create_token(db, user, label=label, actor=current_user.name)
    label = label.strip()[: auth.LABEL_MAX]  # as stored
    html = render_template("admin/token.html", lang="en", user=user, label=label, token=token)
    response = Response(html, status=201)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    auth.revoke_token(get_db(), token_id, actor=current_user.name)
    return _done(f"Revoked token #{token_id}.")


# --- audit log --------------------------------------------------------------------------


def _date_arg(name: str) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a real date written YYYY-MM-DD") from None


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def _text_arg(name: str) -> str:
    return request.args.get(name, "").strip()[:_MAX_FILTER]


def _audit_filters() -> tuple[dict[str, Any], dict[str, str]]:
    """Return the ``store.audit_entries`` filters of the request, and its query args for links.

    :raises BadRequest: for a malformed date or a ``from`` after ``to``
    """
    start, end = _date_arg("from"), _date_arg("to")
    if start and end and start > end:
        raise BadRequest("'from' must not be after 'to'")
    filters = {
        "actor": _text_arg("actor") or None,
        "action_prefix": _text_arg("action") or None,
        "since": _midnight(start) if start else None,
        # 'to' is inclusive: everything before the next midnight (9999-12-31 has none)
        "until": _midnight(end + dt.timedelta(days=1)) if end and end < dt.date.max else None,
    }
    args = {
        "actor": _text_arg("actor"),
        "action": _text_arg("action"),
        "from": start.isoformat() if start else "",
        "to": end.isoformat() if end else "",
    }
    return filters, {k: v for k, v in args.items() if v}


def _before_arg() -> int | None:
    raw = request.args.get("before", "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:  # SQLite integers are 64-bit
        raise BadRequest("'before' must be an entry number")
    return int(raw)


@bp.get("/audit")
def audit_log():
    filters, args = _audit_filters()
    before = _before_arg()
    entries = store.audit_entries(get_db(), **filters, before_id=before, limit=AUDIT_PAGE + 1)
    older = None
    if len(entries) > AUDIT_PAGE:
        entries = entries[:AUDIT_PAGE]
        older = url_for("admin.audit_log", **args, before=entries[-1].id)
    return render_template(
        "admin/audit.html",
        lang="en",
        entries=entries,
        args=args,
        before=before,
        older=older,
        newest=url_for("admin.audit_log", **args),
        csv_url=url_for("admin.audit_csv", **args),
    )


def csv_cell(value: str) -> str:
    """Return ``value`` safe for a spreadsheet: a leading formula character gets an apostrophe."""
    return "'" + value if value.startswith(FORMULA_START) else value


def audit_csv_text(entries: list[store.AuditEntry]) -> str:
    """Return audit entries as CSV text with a header row, every cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([csv_cell(str(getattr(entry, column))) for column in CSV_COLUMNS])
    return out.getvalue()


@bp.get("/audit.csv")
def audit_csv():
    filters, _ = _audit_filters()
    body = audit_csv_text(store.audit_entries(get_db(), **filters))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
