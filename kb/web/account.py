"""Sign-in, sign-out and password change; Flask-Login and CSRF wiring."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, g, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect, generate_csrf

from kb import auth
from kb.errors import BadRequest
from kb.web import get_db
from kb.web.caching import signed_in

bp = Blueprint("account", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()


def bearer_token(req) -> str | None:
    """Return the API token of ``Authorization: Bearer <token>``, or None without one."""
    header = req.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def token_request() -> bool:
    """True when the request is signed by an API token alone (no session cookie)."""
    return bearer_token(request) is not None and not signed_in()


def form_token() -> str:
    """Return the CSRF token for a form, or "" for a request signed by an API token.

    Forms post with a signed-in session only (API tokens write through the
    API): a token client cannot post them, so a page it reads needs no token,
    and making one would start a session and send a cookie with every reply.
    """
    return "" if token_request() else generate_csrf()


class _SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS.

    Most requests (customers, the chatbot) carry no cookie: they get an empty
    session without building a signing serializer, and, when nothing was put
    in it, nothing is saved.
    """

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def open_session(self, app, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if not session and not session.modified and not session.accessed:
            return
        super().save_session(app, session, response)


def safe_next(target: str | None, default: str = "/") -> str:
    """Return ``target`` if it is a local path (one leading ``/``, no scheme, host or backslash)."""
    if not target or not isinstance(target, str):
        return default
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 or ord(c) == 127 for c in target)
        or ":" in target.split("?", 1)[0].split("#", 1)[0].split("/", 2)[1]
    ):
        return default
    return target


def _client_address() -> str:
    return request.remote_addr or "unknown"


@login_manager.user_loader
def _load(session_id: str):
    return auth.load_session_user(get_db(), session_id)


@login_manager.request_loader
def _from_token(req):
    token = bearer_token(req)
    return auth.user_for_token(get_db(), token) if token is not None else None


@login_manager.unauthorized_handler
def _unauthorized():
    from kb.web.errors import error_response, wants_json

    if wants_json():
        return error_response(401, "unauthorized", "sign in or send an API token")
    g.lang = "en"
    return render_template("account/login.html", lang="en", next=request.full_path.rstrip("?")), 401


def require_role(role: str):
    """Decorate a view: signed-in users with ``role`` (or above) only; 401 or 403 otherwise."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(role):
                raise auth.Forbidden(f"this needs the {role} role")
            return view(*args, **kwargs)

        return wrapped

    return decorator


@bp.route("/login", methods=["GET", "POST"])
def login():
    g.lang = "en"
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("account/login.html", lang="en", next=target)
    name = request.form.get("name", "")
    password = request.form.get("password", "")
    if (
        not isinstance(name, str)
        or not isinstance(password, str)
        or len(password) > auth.MAX_PASSWORD
    ):
        raise BadRequest("name and password are required")
    try:
        user = auth.authenticate(get_db(), name, password, address=_client_address())
    except (auth.AuthError, auth.Throttled) as exc:
        return render_template(
            "account/login.html", lang="en", next=target, error=exc.message
        ), exc.status
    login_user(user)
    return redirect(target)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        auth.end_sessions(get_db(), current_user)
        from kb import store

        store.audit(get_db(), actor=current_user.name, action="signout", target=current_user.name)
    logout_user()
    return redirect(url_for("account.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@require_role("agent")
def password():
    g.lang = "en"
    if request.method == "GET":
        return render_template("account/password.html", lang="en")
    db = get_db()
    try:
        auth.authenticate(
            db, current_user.name, request.form.get("current", ""), address=_client_address()
        )
        if request.form.get("new", "") != request.form.get("confirm", ""):
            raise auth.UserError("the new passwords do not match")
        auth.set_password(db, current_user, request.form.get("new", ""), actor=current_user.name)
    except (auth.AuthError, auth.Throttled, auth.UserError) as exc:
        return render_template("account/password.html", lang="en", error=exc.message), exc.status
    login_user(auth.get_user(db, current_user.id))  # this session continues with the new version
    return redirect(url_for("agent.sidebar"))


def init_app(app: Flask) -> None:
    """Bind Flask-Login, CSRF and cookie settings to ``app``."""
    # Flask's defaults already hold these keys (SameSite None), so set, not setdefault
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life
    app.session_interface = _SessionInterface()
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    # after Flask-WTF's own: templates ask ``form_token`` whatever name they use
    app.jinja_env.globals["csrf_token"] = form_token
    app.context_processor(lambda: {"csrf_token": form_token})
    app.register_blueprint(bp)
