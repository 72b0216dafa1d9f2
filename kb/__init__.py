"""The unified knowledge base: one source of truth, one answer function, many channels."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from kb import config

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def _secret_key(data_dir: Path) -> str:
    """Return the secret key kept in ``DATA_DIR/secret_key``, creating it on first run."""
    path = data_dir / "secret_key"
    try:
        return path.read_text("utf-8").strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = data_dir / f".secret_key.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    try:
        os.link(tmp, path)  # first writer wins when several workers start at once
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text("utf-8").strip()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the application: settings, storage, index, channels.

    :param test_config: settings applied last (tests pass paths on ``tmp_path``)
    """
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(config.DEFAULTS)
    app.config.update(config.from_environ())
    if test_config:
        app.config.update(test_config)
    content_dir = Path(app.config["CONTENT_DIR"]).resolve()
    data_dir = Path(app.config["DATA_DIR"]).resolve()
    app.config["CONTENT_DIR"], app.config["DATA_DIR"] = content_dir, data_dir
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(data_dir)

    from kb.web import init_app

    init_app(app)
    return app
