"""Fixtures: apps built on ``tmp_path`` from the sample content or from articles a test writes."""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from kb import auth, create_app

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = REPO / "content"
SHARED = REPO.parent / "shared"


def article_text(
    article_id: str,
    title: str,
    body: str = "A short answer.",
    *,
    lang: str = "en",
    questions: list[str] | None = None,
    category: str = "general",
    audience: str = "public",
    tags: list[str] | None = None,
    extra: str = "",
) -> str:
    """Return the text of an article file, for tests that write their own content."""
    lines = ["---", f"id: {article_id}", f"title: {title!r}" if ":" in title else f"title: {title}"]
    lines.append(f"lang: {lang}")
    if questions:
        lines.append("questions:")
        lines += [f"  - {q!r}" if ":" in q else f"  - {q}" for q in questions]
    lines.append(f"category: {category}")
    if tags:
        lines.append(f"tags: [{', '.join(tags)}]")
    lines.append(f"audience: {audience}")
    if extra:
        lines.append(textwrap.dedent(extra).strip())
    lines.append("---")
    lines.append(textwrap.dedent(body).strip())
    return "\n".join(lines) + "\n"


def write_article(
    content_dir: Path, article_id: str, title: str, body: str = "A short answer.", **kw
) -> Path:
    """Write an article file at ``<lang>/<category>/<id>.md`` and return its path."""
    lang = kw.get("lang", "en")
    category = kw.get("category", "general")
    path = content_dir / lang / category / f"{article_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(article_text(article_id, title, body, **kw), encoding="utf-8")
    return path


@pytest.fixture
def make_app(tmp_path: Path) -> Callable:
    """Return a builder: ``make_app(content=None, **settings)`` -> app on ``tmp_path``.

    ``content`` is a folder to copy (default: an empty one the test fills first).
    """

    def build(content: Path | None = None, **settings):
        content_dir = tmp_path / "content"
        if content is not None and not content_dir.exists():
            shutil.copytree(content, content_dir)
        content_dir.mkdir(exist_ok=True)
        config = {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "DATA_DIR": tmp_path / "data",
            "SECRET_KEY": "test-secret",
            # merges right after each publish, not in a process racing the test
            # (tests/test_index.py starts the real process; gunicorn tests use the default)
            "MERGE_IN_BACKGROUND": False,
        }
        config.update(settings)
        return create_app(config)

    return build


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """An empty content folder on ``tmp_path`` (what ``make_app`` uses)."""
    path = tmp_path / "content"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def kb(make_app, content_dir):
    """The knowledge base of an app with one article, ``en:refund-time`` (revision 1).

    ``kb.db`` is an open connection and ``kb.app`` the Flask app.
    """
    write_article(
        content_dir, "refund-time", "How long does a refund take?", "Five days.", category="refunds"
    )
    app = make_app()
    knowledge = app.extensions["kb"]
    knowledge.db = knowledge.connect()
    knowledge.app = app
    yield knowledge
    knowledge.db.conn.close()


REFUND_TEXT = article_text(
    "refund-time", "How long does a refund take?", "Five days.", category="refunds"
)


def sample_app_in(root: Path, **settings):
    """Return an app over a copy of the shipped sample content in ``root``."""
    shutil.copytree(SAMPLE_CONTENT, root / "content")
    return create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": root / "content",
            "DATA_DIR": root / "data",
            "SECRET_KEY": "test-secret",
            "MERGE_IN_BACKGROUND": False,
            **settings,
        }
    )


@pytest.fixture(scope="session")
def sample_app(tmp_path_factory):
    """One app over a copy of the shipped sample content, shared by read-only tests."""
    return sample_app_in(tmp_path_factory.mktemp("sample"))


@pytest.fixture
def sample_client(sample_app):
    return sample_app.test_client()


@pytest.fixture
def engine(sample_app):
    return sample_app.extensions["kb"].engine


PASSWORD = "correct-horse-battery"


def add_user(app, name: str, role: str, password: str = PASSWORD):
    """Create a user in ``app``'s database."""
    db = app.extensions["kb"].connect()
    try:
        return auth.create_user(db, name, password, role, actor="test")
    finally:
        db.conn.close()


def api_token(app, name: str) -> str:
    """Create an API token for the existing user ``name`` in ``app``'s database."""
    db = app.extensions["kb"].connect()
    try:
        return auth.create_token(db, auth.find_user(db, name), actor="test")
    finally:
        db.conn.close()


def csrf_token(client, url: str = "/login") -> str:
    """Return the CSRF token of the form on ``url`` (as a browser would find it)."""
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, name: str, password: str = PASSWORD, next_url: str = "/agent"):
    """Sign in through the real form, CSRF token included; return the response."""
    token = csrf_token(client)
    return client.post(
        "/login", data={"name": name, "password": password, "csrf_token": token, "next": next_url}
    )


@pytest.fixture(scope="session")
def sample_users(sample_app):
    """One user per role in the sample app (password ``PASSWORD``)."""
    return {role: add_user(sample_app, f"{role}1", role) for role in auth.ROLES}


@pytest.fixture
def agent_client(sample_app, sample_users):
    """A test client signed in as an agent."""
    client = sample_app.test_client()
    assert login(client, "agent1").status_code == 302
    return client


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test apart.

    (``tests/test_e2e.py`` saves screenshots of the browser's pages when a test fails.)
    """
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
