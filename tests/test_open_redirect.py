"""Open redirects: every ``next`` from tests/data/open_redirects.txt stays on our origin (issue 7).

Each line is tried as it is and percent-decoded once (what the server receives when
an attacker puts it in a link's query string). After a real sign-in the Location
must resolve, the way a browser resolves it, to a path on the app's own origin.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from argon2 import PasswordHasher

from kb import auth
from tests.conftest import add_user, csrf_token, login
from tests.html_oracle import unsafe_response

ORIGIN = "http://localhost"
SPECIAL = {"http", "https", "ws", "wss", "ftp", "file"}
LINES = (Path(__file__).resolve().parent / "data" / "open_redirects.txt").read_text("utf-8")
PAYLOADS = list(dict.fromkeys(v for line in LINES.splitlines() for v in (line, unquote(line))))
LOCAL = ["/agent?q=refund", "/editor/en/refund-time", "/en/search?q=a:b", "/insights#gaps", "/"]


def browser_url(location: str) -> tuple[str, str]:
    """Return the (scheme, host) a browser goes to for ``location`` on our origin.

    The WHATWG URL parser strips leading and trailing C0 controls and spaces,
    drops tabs and newlines anywhere, reads ``\\`` as ``/`` in http(s) URLs, and
    takes ``https:evil`` (a special scheme other than the page's) as ``https://evil``;
    ``urljoin`` does the rest.
    """
    cleaned = location.strip("".join(map(chr, range(33))))
    cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):/*", cleaned)
    if scheme and scheme.group(1).lower() in SPECIAL - {urlsplit(ORIGIN).scheme}:
        cleaned = f"{scheme.group(1)}://{cleaned[scheme.end() :]}"
    split = urlsplit(urljoin(ORIGIN + "/login", cleaned))
    return split.scheme, split.netloc.lower()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """An app with one agent; argon2 at its cheapest so ~200 sign-ins take a second, not 20."""
    from kb import create_app

    root = tmp_path_factory.mktemp("redirects")
    (root / "content").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        application = create_app(
            {
                "TESTING": True,
                "CONTENT_DIR": root / "content",
                "DATA_DIR": root / "data",
                "SECRET_KEY": "test-secret",
            }
        )
        add_user(application, "ann", "agent")
        yield application


def test_the_list_is_big_and_the_browser_model_can_fail():
    assert len(LINES.splitlines()) >= 60 and len(PAYLOADS) > 120
    assert browser_url("/\\evil.example") == ("http", "evil.example")
    assert browser_url(" \t//evil.example") == ("http", "evil.example")
    assert browser_url("https:evil.example") == ("https", "evil.example")
    assert browser_url("HTTPS:/\\evil.example") == ("https", "evil.example")
    assert browser_url("http:evil.example") == ("http", "localhost")  # a path, same scheme
    assert browser_url("javascript:alert(1)")[0] == "javascript"
    assert browser_url("/agent?q=x") == ("http", "localhost")


@pytest.mark.parametrize("target", PAYLOADS)
def test_next_after_sign_in_stays_on_our_origin(app, target):
    response = login(app.test_client(), "ann", next_url=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert browser_url(location) == ("http", "localhost"), location
    assert location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.mark.parametrize("target", PAYLOADS)
def test_the_sign_in_form_carries_only_a_safe_next(app, target):
    page = app.test_client().get("/login", query_string={"next": target})
    assert page.status_code == 200
    assert unsafe_response(page) == []
    html = page.get_data(as_text=True)
    kept = unescape(html.split('name="next" value="', 1)[1].split('"', 1)[0])
    assert browser_url(kept) == ("http", "localhost"), kept


@pytest.mark.parametrize("target", LOCAL)
def test_local_paths_are_kept(app, target):
    # the other side: the tests above would pass if every next went to "/"
    response = login(app.test_client(), "ann", next_url=target)
    assert response.headers["Location"] == target


def test_the_401_page_reflects_the_path_safely(app):
    client = app.test_client()
    for target in PAYLOADS[:40]:
        page = client.get("/agent", query_string={"q": target})
        assert page.status_code == 401
        assert unsafe_response(page) == []
    assert csrf_token(client)  # the sign-in form is there to use
