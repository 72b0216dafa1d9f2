"""The real thing: gunicorn with several workers serves one answer on every channel."""

from __future__ import annotations

import json
import re
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import SAMPLE_CONTENT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import serve  # bench/serve.py starts the real servers

pytestmark = pytest.mark.slow
QUESTION = "can I cancel my order before it ships?"


@pytest.fixture
def server(tmp_path):
    if not (serve.BIN / "gunicorn").exists():
        pytest.skip("gunicorn is not installed (pip install -e '.[test]')")
    shutil.copytree(SAMPLE_CONTENT, tmp_path / "content")
    env = serve.kb_env(tmp_path / "content", tmp_path / "data")
    token = serve.make_token(env, "agent", "agent")
    with serve.gunicorn(
        env, workers=3, log_dir=tmp_path / "logs", ready_path="/api/v1/openapi.json", timeout=60
    ) as running:
        yield running.base, tmp_path, token


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


def test_a_vote_and_a_receipt_find_an_answer_another_worker_just_gave(server):
    # answers reach the journal in batches, per worker: a vote or a receipt that
    # lands on another worker waits for that worker's batch instead of a 404
    base, tmp_path, _ = server
    env = serve.kb_env(tmp_path / "content", tmp_path / "data")
    editor = serve.make_token(env, "editor", "editor")
    for n in range(8):  # new connections: the requests spread over the workers
        first, second = (
            json.loads(get(f"{base}/api/v1/answer?q={quote(f'{QUESTION} {n}{m}')}&lang=en"))["ref"]
            for m in "ab"
        )
        status, _, text = serve.http(f"{base}/api/v1/receipts/{first}", token=editor)
        assert status == 200 and json.loads(text)["ref"] == first, text
        status, _, text = serve.http(
            f"{base}/api/v1/feedback", method="POST", body={"ref": second, "helpful": True}
        )
        assert status == 201, text
