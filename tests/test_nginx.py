"""Past one machine: Debian's nginx in front of two nodes, each with its own data directory.

The primary publishes; ``kb sync --commit`` there and ``kb sync`` on the
replica carry the change with git; nginx caches FAQ pages and revalidates
them with their ETags. Loopback only, real processes (``bench/serve.py``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb import sync
from tests.conftest import SAMPLE_CONTENT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import serve  # bench/serve.py starts the real servers

pytestmark = [
    pytest.mark.skipif(
        shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
        reason="nginx is not installed (apt-get install nginx-light); .ci/run installs it",
    ),
    pytest.mark.skipif(not (serve.BIN / "gunicorn").exists(), reason="gunicorn is not installed"),
]
ARTICLE = "refund-timeline"
URL = f"/en/articles/{ARTICLE}"


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *sync.AUTHOR, *args], cwd=folder, check=True, capture_output=True)


def revision(base: str) -> int:
    status, _, body = serve.http(f"{base}/api/v1/articles/{ARTICLE}?lang=en")
    assert status == 200, body
    return json.loads(body)["revision"]


def page_revision(base: str) -> tuple[int, str]:
    status, headers, body = serve.http(base + URL)
    assert status == 200
    marker = f'data-article-id="{ARTICLE}" data-lang="en" data-revision="'
    at = body.index(marker) + len(marker)
    return int(body[at:].split('"', 1)[0]), headers.get("X-Cache-Status", "")


@pytest.fixture
def cluster(tmp_path):
    primary_content = tmp_path / "primary" / "content"
    shutil.copytree(SAMPLE_CONTENT, primary_content)
    git(primary_content, "init", "--quiet", "-b", "main")
    git(primary_content, "add", "-A")
    git(primary_content, "commit", "--quiet", "-m", "sample content")
    replica_content = tmp_path / "replica" / "content"
    subprocess.run(
        ["git", "clone", "--quiet", str(primary_content), str(replica_content)], check=True
    )
    primary_env = serve.kb_env(primary_content, tmp_path / "primary" / "data")
    replica_env = serve.kb_env(replica_content, tmp_path / "replica" / "data", READ_ONLY="1")
    token = serve.make_token(primary_env, "pub", "publisher")
    with (
        serve.gunicorn(primary_env, workers=2, log_dir=tmp_path / "logs") as primary,
        serve.gunicorn(replica_env, workers=2, log_dir=tmp_path / "logs") as replica,
        serve.nginx(
            [primary.base.removeprefix("http://"), replica.base.removeprefix("http://")],
            tmp_path / "nginx",
        ) as proxy,
    ):
        yield {
            "primary": primary,
            "replica": replica,
            "nginx": proxy,
            "token": token,
            "primary_env": primary_env,
            "replica_env": replica_env,
            "primary_content": primary_content,
        }


def test_nginx_serves_cached_pages_and_revalidates_them(cluster):
    base = cluster["nginx"].base
    statuses = [page_revision(base)[1] for _ in range(3)]
    assert statuses[0] in {"MISS", "EXPIRED", "REVALIDATED"}
    assert "HIT" in statuses[1:]  # served by nginx without asking a node
    # past s-maxage=1 (nginx counts whole seconds, so up to 2 s): nginx asks again with
    # If-None-Match, gets a 304 and keeps serving its copy
    time.sleep(2.1)
    assert page_revision(base)[1] == "REVALIDATED"
    assert page_revision(base)[1] == "HIT"
    # the API's question answers are not stored (each carries its own receipt)
    _, headers, _ = serve.http(base + "/api/v1/answer?q=refund&lang=en")
    assert headers.get("X-Cache-Status") in {"MISS", "BYPASS", "EXPIRED", None}
    _, headers, _ = serve.http(base + "/api/v1/answer?q=refund&lang=en")
    assert headers.get("X-Cache-Status") != "HIT"


def test_a_publish_on_the_primary_is_served_by_both_nodes_once_synced(cluster):
    primary, replica, proxy = cluster["primary"], cluster["replica"], cluster["nginx"]
    before = revision(primary.base)
    assert revision(replica.base) == before
    page_revision(proxy.base)  # nginx now holds the old page
    path = cluster["primary_content"] / "en" / "refunds" / f"{ARTICLE}.md"
    text = path.read_text("utf-8").replace("\n---\n", "\n---\nUpdated policy: ", 1)
    status, _, body = serve.http(
        f"{primary.base}/api/v1/articles/{ARTICLE}?lang=en",
        token=cluster["token"],
        method="PUT",
        body={"markdown": text, "base_revision": before, "note": "policy change"},
    )
    assert status == 200, body
    new = json.loads(body)["revision"]
    # a replica refuses writes: they go to the primary
    status, _, _ = serve.http(
        f"{replica.base}/api/v1/articles/{ARTICLE}?lang=en",
        token=cluster["token"],
        method="PUT",
        body={"markdown": text, "base_revision": before, "note": "x"},
    )
    assert status == 403
    assert "committed" in serve.kb(cluster["primary_env"], "sync", "--commit")
    assert "1 changed" in serve.kb(cluster["replica_env"], "sync")
    synced = time.monotonic()
    seen: dict[str, float] = {}
    while len(seen) < 3 and time.monotonic() - synced < 5:
        for name, base in (("primary", primary.base), ("replica", replica.base)):
            if name not in seen and revision(base) == new and page_revision(base)[0] == new:
                seen[name] = time.monotonic() - synced
        if "nginx" not in seen and page_revision(proxy.base)[0] == new:
            seen["nginx"] = time.monotonic() - synced
        time.sleep(0.05)
    print(f"visible after sync (s): {seen}")
    assert set(seen) == {"primary", "replica", "nginx"}, seen
    assert seen["primary"] <= 1.0 and seen["replica"] <= 1.0, seen
    assert seen["nginx"] <= 1.0 + 2.0, seen  # at most s-maxage later, in nginx's whole seconds
    # every worker of both nodes agrees (requests spread over the workers)
    for base in (primary.base, replica.base):
        assert {revision(base) for _ in range(12)} == {new}
