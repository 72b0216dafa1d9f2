"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors {ancestors}"
)


_COMMON = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
_PAGES = (
    ("Content-Security-Policy", CSP.format(ancestors="'none'")),
    *_COMMON,
    ("X-Frame-Options", "DENY"),
)


def _headers(response: Response) -> Response:
    sidebar = request.path == "/agent" or request.path.startswith("/agent/")
    headers = response.headers
    if sidebar:
        ancestors = current_app.config["SIDEBAR_FRAME_ANCESTORS"]
        defaults = (("Content-Security-Policy", CSP.format(ancestors=ancestors)), *_COMMON)
    else:
        defaults = _PAGES
    present = {name.lower() for name, _value in headers.items()}
    headers.extend([(k, v) for k, v in defaults if k.lower() not in present])
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if getattr(g, "_login_user", None) is not None or "session" in request.cookies:
        # pages for signed-in people must never sit in a shared cache
        headers.setdefault("Cache-Control", "private, no-store")
    return response


def init_app(app: Flask) -> None:
    """Register the header hook."""
    app.after_request(_headers)
