"""End to end: customers, agents and editors in a real browser against a real gunicorn.

Playwright for Python drives Debian's Chromium (``apt-get install chromium``;
never a downloaded browser) against gunicorn started by ``bench/serve.py`` on
loopback, over a copy of the sample ``content/`` and a temporary data folder.
Users are made with the app's own ``auth.create_user``. Each test checks what the
product stored or served (the journal's vote, the answer API's receipt, the
clipboard's text, the revision the other channels serve), not only what the
page shows.

When a test fails, a full-page PNG of every page it had open is saved in
``test-artifacts/e2e/`` (git-ignored), named after the test.

Skips the module, with the reason, when ``chromium`` is not on the PATH or the
``playwright`` package is missing; ``.ci/run`` installs both, so CI runs it.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kb import create_app
from tests.conftest import REPO, SAMPLE_CONTENT, add_user

sys.path.insert(0, str(REPO / "bench"))
import serve  # bench/serve.py starts the real servers

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip(
        "no chromium on the PATH: the browser tests need Debian's Chromium "
        "(apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)
expect = sync_api.expect

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (serve.BIN / "gunicorn").exists(), reason="gunicorn is not installed"),
]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
PASSWORD = "e2e-password-1"
CANCEL = "cancel-before-shipping"
CANCEL_EN = "can I cancel my order before it ships?"
CANCEL_AR = "هل يمكنني إلغاء طلبي قبل شحنه؟"
# an agent's question: the public answer (refund-timeline) first, then an internal article
LATE_REFUND = "customer returned late, can we still refund"
INTERNAL = "manual-refund-exceptions"
WAIT_MS = 15_000

expect.set_options(timeout=WAIT_MS)


@dataclass
class Site:
    """The running knowledge base: its address and its folders."""

    base: str
    content_dir: Path
    data_dir: Path

    def api(self, path: str, **params: str) -> dict:
        """GET an API path (no credentials) and return its JSON; fail on an error status."""
        url = f"{self.base}{path}?{urllib.parse.urlencode(params)}"
        status, _, body = serve.http(url)
        assert status == 200, (url, status, body)
        return json.loads(body)

    def answer(self, question: str, lang: str = "en") -> dict:
        """Return the answer API's ``answer`` object for ``question``."""
        found = self.api("/api/v1/answer", q=question, lang=lang)
        assert found["status"] == "answered", found
        return found["answer"]

    def feedback(self, **where: str) -> list[dict]:
        """Return the stored votes and flags matching ``where`` (column = value), from the journal."""
        clauses = " AND ".join(f"{column} = ?" for column in where)
        conn = sqlite3.connect(self.data_dir / "journal.sqlite")
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute(
                f"SELECT * FROM feedback WHERE {clauses}", tuple(where.values())
            ).fetchall()
        finally:
            conn.close()
        return [dict(row) for row in rows]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """One gunicorn for the module (tests edit different articles).

    One worker with threads: a publish then finds the answer-test check its
    preview already ran (kept per process), instead of two more index builds.
    test_gunicorn.py covers several workers.
    """
    root = tmp_path_factory.mktemp("e2e")
    shutil.copytree(SAMPLE_CONTENT, root / "content")
    # the app's own functions make the users (and the index, which the workers then find
    # up to date): seconds faster than one `kb users create` process per user
    app = create_app({"CONTENT_DIR": root / "content", "DATA_DIR": root / "data"})
    for name, role in (("agent1", "agent"), ("pub1", "publisher"), ("pub2", "publisher")):
        add_user(app, name, role, PASSWORD)
    env = serve.kb_env(root / "content", root / "data")
    with serve.gunicorn(env, workers=1, threads=4, log_dir=root / "logs", timeout=60) as running:
        yield Site(running.base, root / "content", root / "data")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, started once for the module."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, site, request) -> Iterator[Callable[..., object]]:
    """Return ``open_page(permissions=())``: a page in a fresh browser context (own cookies).

    On failure, saves a full-page screenshot of every page the test opened.
    """
    contexts = []

    def make(permissions: tuple[str, ...] = ()):
        context = browser.new_context(base_url=site.base, locale="en-US")
        context.set_default_timeout(WAIT_MS)
        if permissions:
            context.grant_permissions(list(permissions), origin=site.base)
        contexts.append(context)
        return context.new_page()

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        save_screenshots(request.node.name, [p for c in contexts for p in c.pages])
    for context in contexts:
        context.close()


def save_screenshots(test_name: str, pages: list) -> None:
    """Save a full-page PNG of each page in ``test-artifacts/e2e/<test>-<n>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", test_name)
    for n, page in enumerate(pages, 1):
        try:
            page.screenshot(path=str(ARTIFACTS / f"{stem}-{n}.png"), full_page=True)
        except sync_api.Error as exc:  # a crashed page must not hide the test's own failure
            print(f"no screenshot of page {n} ({page.url}): {exc}")


def sign_in(page, name: str, next_url: str) -> None:
    """Sign in through the real form, with the keyboard (the name box has autofocus)."""
    page.goto(f"/login?next={urllib.parse.quote(next_url)}")
    expect(page.locator("input[name=name]")).to_be_focused()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urllib.parse.urlsplit(url).path == next_url)


def wait_for(check: Callable[[], list], what: str, timeout: float = 5) -> list:
    """Poll ``check`` until it returns something (the journal is written in batches)."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: nothing after {timeout:.0f}s")
        time.sleep(0.1)
    return found


def direction(locator) -> str:
    """Return the CSS direction the browser computed for an element."""
    return locator.evaluate("el => getComputedStyle(el).direction")


def test_customer_finds_the_answer_and_votes_in_english_and_arabic(open_page, site):
    page = open_page()
    # English: search from the home page, the best answer on top, vote under it
    page.goto("/en/")
    box = page.locator("form.search-form input[name=q]")
    box.fill(CANCEL_EN)
    box.press("Enter")
    best = page.locator("section.answer")
    expect(best).to_have_attribute("data-article-id", CANCEL)
    api = site.answer(CANCEL_EN)
    expect(best.locator(".short-answer")).to_have_text(api["summary"])
    ref = page.locator("form.feedback input[name=ref]").get_attribute("value")
    page.get_by_role("button", name="Yes", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Thank you")
    (vote,) = wait_for(
        lambda: site.feedback(kind="vote", ref=ref), "the English vote in the journal"
    )
    assert (vote["article_id"], vote["lang"], vote["revision"], vote["helpful"]) == (
        CANCEL,
        "en",
        api["revision"],
        1,
    )

    # Arabic: the page is right to left; search, open the article, vote on the article page
    page.goto("/ar/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    assert direction(page.locator("body")) == "rtl"
    box.fill(CANCEL_AR)
    box.press("Enter")
    card = page.locator("section.answer")
    expect(card).to_have_attribute("data-article-id", CANCEL)
    expect(card).to_have_attribute("data-lang", "ar")
    card.locator(".answer-title a").click()
    page.wait_for_url(f"**/ar/articles/{CANCEL}")
    expect(html).to_have_attribute("dir", "rtl")
    article = page.locator("article.answer")
    assert direction(article.locator(".short-answer")) == "rtl"
    api_ar = site.answer(CANCEL_AR, "ar")
    assert api_ar["id"] == CANCEL
    expect(article.locator(".short-answer")).to_have_text(api_ar["summary"])
    expect(article).to_have_attribute("data-revision", str(api_ar["revision"]))
    page.locator("form.feedback").get_by_role("button", name="نعم", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("شكرًا")
    assert direction(page.get_by_role("status")) == "rtl"
    (vote,) = wait_for(
        lambda: site.feedback(kind="vote", article_id=CANCEL, lang="ar"),
        "the Arabic vote in the journal",
    )
    assert (vote["revision"], vote["helpful"], vote["channel"]) == (api_ar["revision"], 1, "faq")


def test_chat_widget_gives_the_answer_apis_short_answer(open_page, site):
    page = open_page()
    page.goto("/en/")
    chat = page.locator("#chat")
    chat.locator("input[name=message]").fill(CANCEL_EN)
    chat.locator("input[name=message]").press("Enter")
    expect(chat.locator("li.chat-user")).to_have_text(CANCEL_EN)
    reply = chat.locator("li.chat-bot")
    expect(reply).to_have_attribute("data-article-id", CANCEL)
    api = site.answer(CANCEL_EN)
    receipt = [reply.get_attribute(f"data-{k}") for k in ("article-id", "revision", "content-hash")]
    assert receipt == [api["id"], str(api["revision"]), api["content_hash"]]
    text = reply.locator("p").first.text_content()
    assert text.split("\n\n")[0] == api["summary"]
    assert text.rstrip().endswith(api["url"])


def tab_to(page, target, most: int = 8) -> None:
    """Press Tab until ``target`` has the focus (at most ``most`` times)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    expect(target).to_be_focused()


def read_clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def clipboard_becomes(page, text: str, timeout: float = 5) -> None:
    """Wait until the clipboard holds ``text`` (copying is asynchronous); fail with what it holds."""
    deadline = time.monotonic() + timeout
    while (held := read_clipboard(page)) != text:
        if time.monotonic() > deadline:
            assert held == text
        time.sleep(0.05)


def test_agent_uses_the_sidebar_with_the_keyboard_only(open_page, site):
    page = open_page(permissions=("clipboard-read", "clipboard-write"))
    sign_in(page, "agent1", "/agent")
    box = page.locator("#agent-q")
    expect(box).to_be_focused()  # autofocus: the agent can type at once
    page.keyboard.press("Tab")  # away from the box ...
    expect(box).not_to_be_focused()
    page.keyboard.press("/")  # ... and "/" brings the focus back
    expect(box).to_be_focused()
    page.keyboard.type(LATE_REFUND, delay=15)
    results = page.locator("#agent-results li.result")
    api = site.answer(LATE_REFUND)
    best = results.first
    expect(best).to_have_attribute("data-article-id", api["id"])
    expect(best).to_have_class(re.compile(r"\bbest\b"))
    expect(best).to_have_attribute("data-revision", str(api["revision"]))

    # open the best result and copy its short answer: exactly the API's text
    page.keyboard.press("ArrowDown")
    expect(best).to_be_focused()
    expect(best).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(best.locator("details.detail")).to_have_attribute("open", "")
    page.keyboard.press("c")
    clipboard_becomes(page, api["summary"])

    # the internal article follows, marked, and only agents can read it
    internal = page.locator(f"#agent-results li.result[data-article-id={INTERNAL}]")
    page.keyboard.press("ArrowDown")
    expect(internal).to_be_focused()
    expect(internal).to_have_class(re.compile(r"\binternal\b"))
    expect(internal.locator(".badge.internal")).to_have_text("Internal")
    page.keyboard.press("Enter")
    expect(internal.locator("details.detail")).to_have_attribute("open", "")
    expect(internal.locator("details.detail")).to_contain_text("Allowed cases")
    status, _, _ = serve.http(f"{site.base}/api/v1/articles/{INTERNAL}?lang=en")
    assert status == 404

    # results are reachable with Tab too, and Enter on the focused button copies
    page.evaluate("navigator.clipboard.writeText('')")
    page.keyboard.press("ArrowUp")
    expect(best).to_be_focused()
    copy = best.locator("button.copy")
    tab_to(page, copy)
    page.keyboard.press("Enter")
    clipboard_becomes(page, api["summary"])

    # flag it, still by keyboard: letters typed in the comment ("c", "/") are text, not shortcuts
    flag = best.locator("details.flag")
    tab_to(page, flag.locator("summary"))
    page.keyboard.press("Enter")
    expect(flag).to_have_attribute("open", "")
    page.keyboard.press("Tab")  # into the reasons: the first one, "Wrong"
    page.keyboard.press("ArrowDown")  # the radio group's own arrows: "Outdated"
    expect(flag.get_by_label("Outdated")).to_be_checked()
    page.keyboard.press("Tab")
    comment = "c/o the bank: up to 10 days now"
    page.keyboard.type(comment)
    expect(flag.locator("textarea")).to_have_value(comment)
    expect(box).to_have_value(LATE_REFUND)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Flagged")
    (stored,) = wait_for(
        lambda: site.feedback(kind="flag", author="agent1"), "the agent's flag in the journal"
    )
    assert (stored["article_id"], stored["reason"], stored["comment"]) == (
        api["id"],
        "outdated",
        comment,
    )


def edit_body(page, body: str, shows: str) -> None:
    """Replace the edit form's Markdown body and wait for the live preview to show ``shows``."""
    page.locator("#edit-form textarea[name=body]").fill(body)  # with its input event
    expect(page.locator("#preview article.preview")).to_contain_text(shows)


def test_published_edit_reaches_an_agents_sidebar(open_page, site):
    article, question = "track-order", "how can I track my order"
    agent = open_page()
    sign_in(agent, "agent1", "/agent")
    agent.keyboard.type(question)
    best = agent.locator("#agent-results li.result.best")
    expect(best).to_have_attribute("data-article-id", article)
    before = int(best.get_attribute("data-revision"))

    editor = open_page()
    sign_in(editor, "pub1", f"/editor/en/{article}")
    body = editor.locator("textarea[name=body]").input_value()
    new_line = "Tracking now also works in our app under Orders, with live updates."
    edit_body(editor, f"{new_line} {body}", shows=new_line)  # the live preview
    editor.locator("#edit-form input[name=note]").fill("mention the app")
    editor.get_by_role("button", name="Publish", exact=True).click()
    expect(editor.locator("p.flash.ok")).to_contain_text(f"Published revision {before + 1}")

    # the agent asks again (Esc clears, then type): the new revision, as the API serves it
    agent.keyboard.press("Escape")
    agent.keyboard.type(question)
    expect(best).to_have_attribute("data-revision", str(before + 1))
    expect(best.locator(".short-answer")).to_contain_text(new_line)
    expect(best.locator(".result-actions .meta")).to_contain_text(f"r{before + 1}")
    assert site.answer(question)["revision"] == before + 1


def test_stale_edit_shows_the_conflict_page(open_page, site):
    article = "shipping-costs"
    first, second = open_page(), open_page()
    sign_in(first, "pub1", f"/editor/en/{article}")
    sign_in(second, "pub2", f"/editor/en/{article}")
    body = first.locator("textarea[name=body]").input_value()
    base = int(first.locator("#edit-form input[name=base_revision]").input_value())

    theirs = "Express shipping is now 7.90 EUR everywhere in the EU."
    edit_body(first, f"{body.rstrip()}\n\n{theirs}\n", shows=theirs)
    first.locator("#edit-form input[name=note]").fill("new express price")
    first.get_by_role("button", name="Publish", exact=True).click()
    expect(first.locator("p.flash.ok")).to_contain_text(f"Published revision {base + 1}")

    mine = "Orders over 50 EUR ship free to Norway too."
    edit_body(second, f"{body.rstrip()}\n\n{mine}\n", shows=mine)
    second.locator("#edit-form input[name=note]").fill("free shipping to Norway")
    with second.expect_response(lambda r: r.url.endswith(f"/editor/en/{article}")) as posted:
        second.get_by_role("button", name="Publish", exact=True).click()
    assert posted.value.status == 409
    expect(second.locator("h1")).to_contain_text(f"en:{article} changed since you started")
    expect(second.get_by_role("alert")).to_contain_text(
        f"You edited revision {base}, but the article is now at revision {base + 1}"
    )
    expect(second.get_by_role("alert")).to_contain_text("pub1")
    diffs = second.locator("table.diff")
    # what the other publisher added; then mine against the current text: mine in, theirs out
    expect(diffs.nth(0).locator("tr.added td.text")).to_contain_text([theirs])
    expect(diffs.nth(0)).not_to_contain_text(mine)
    expect(diffs.nth(1).locator("tr.added td.text")).to_contain_text([mine])
    expect(diffs.nth(1).locator("tr.removed td.text")).to_contain_text([theirs])
    expect(second.locator("textarea[name=body]")).to_contain_text(mine)
    # nothing of the stale edit was written
    current = site.api(f"/api/v1/articles/{article}", lang="en")
    assert current["revision"] == base + 1
    assert theirs in current["html"]
    assert mine not in current["html"]
