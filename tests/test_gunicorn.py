"""The real thing: gunicorn with several workers serves one answer on every channel."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE_CONTENT

pytestmark = pytest.mark.slow
QUESTION = "can I cancel my order before it ships?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    if shutil.which("gunicorn", path=os.path.dirname(sys.executable)) is None:
        pytest.skip("gunicorn is not installed (pip install -e '.[test]')")
    shutil.copytree(SAMPLE_CONTENT, tmp_path / "content")
    port = free_port()
    env = {
        **os.environ,
        "KB_CONTENT_DIR": str(tmp_path / "content"),
        "KB_DATA_DIR": str(tmp_path / "data"),
    }
    kb = os.path.join(os.path.dirname(sys.executable), "kb")
    subprocess.run(
        [kb, "users", "create", "agent", "--role", "agent"],
        input="agent-password-1\nagent-password-1\n",
        text=True,
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    made = subprocess.run(
        [kb, "tokens", "create", "agent"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    token = made.stdout.strip().splitlines()[-1]
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed at teardown)
    proc = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "-w",
            "3",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                log.close()
                pytest.fail(
                    "gunicorn did not start:\n" + Path(tmp_path / "gunicorn.log").read_text()
                )
            time.sleep(0.2)
    yield base, tmp_path, token
    proc.send_signal(signal.SIGTERM)
    proc.wait(20)
    log.close()


def get(url: str, token: str | None = None) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
        return r.read().decode()


def receipts(base: str, question: str, token: str) -> set[tuple[str, ...]]:
    q = urllib.parse.quote(question)
    api = json.loads(get(f"{base}/api/v1/answer?q={q}&lang=en"))["answer"]
    faq = get(f"{base}/en/search?q={q}")
    side = get(f"{base}/agent/search?q={q}&lang=en", token)
    pattern = r'data-article-id="([^"]+)" data-lang="([^"]+)" data-revision="([^"]+)" data-content-hash="([^"]+)"'
    return {
        (api["id"], api["lang"], str(api["revision"]), api["content_hash"]),
        re.search(r'class="answer"[^>]*' + pattern, faq).groups(),
        re.search(r'class="result best"[^>]*' + pattern, side, re.S).groups(),
    }


def test_every_worker_and_channel_agree(server):
    base, _, token = server
    seen = set()
    for _ in range(12):  # enough requests to reach every worker
        seen |= receipts(base, QUESTION, token)
    assert len(seen) == 1
    (receipt,) = seen
    assert receipt[0] == "cancel-before-shipping"


def test_workers_share_one_history(server):
    _, tmp_path, _ = server
    import sqlite3

    conn = sqlite3.connect(tmp_path / "data" / "kb.sqlite")
    total, distinct = conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT lang || article_id) FROM revisions"
    ).fetchone()
    conn.close()
    assert total == distinct >= 100  # three workers started, each file recorded once


def test_sidebar_refuses_without_sign_in_on_every_worker(server):
    base, _, _ = server
    for _ in range(6):
        with pytest.raises(urllib.error.HTTPError) as info:
            get(f"{base}/agent/search?q=refund&lang=en")
        assert info.value.code == 401
        info.value.close()
