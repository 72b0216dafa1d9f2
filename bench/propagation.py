"""Publish-to-everywhere time under gunicorn with several workers (loopback only).

    python bench/propagation.py [--workers 4] [--publishes 20]

Copies the sample content to a temp folder, creates a publisher with the
real ``kb`` command, starts ``gunicorn -w N`` on 127.0.0.1, then publishes
an edit through ``PUT /api/v1/articles/...`` and polls the answer API, the
FAQ article page and the sidebar fragment until ``--confirm`` requests in a
row on each channel serve the new revision (requests land on whichever
worker accepts them, so a run of them covers the workers). Prints the
publish call time and the time until visible everywhere, per publish.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLE, LANG = "refund-timeline", "en"
QUESTION = "how long does a refund take"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(
    url: str, *, token: str, method: str = "GET", body: dict | None = None
) -> tuple[int, str]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        text = exc.read().decode()
        exc.close()
        return exc.code, text


def channel_revisions(base: str, token: str) -> tuple[int, int, int]:
    q = urllib.parse.quote(QUESTION)
    _, api = request(f"{base}/api/v1/articles/{ARTICLE}?lang={LANG}", token=token)
    _, faq = request(f"{base}/{LANG}/articles/{ARTICLE}", token=token)
    _, side = request(f"{base}/agent/search?q={q}&lang={LANG}", token=token)

    def rev(html: str) -> int:
        marker = f'data-article-id="{ARTICLE}" data-lang="{LANG}" data-revision="'
        at = html.find(marker)
        return int(html[at + len(marker) :].split('"', 1)[0]) if at >= 0 else -1

    return json.loads(api)["revision"], rev(faq), rev(side)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--publishes", type=int, default=20)
    parser.add_argument(
        "--confirm", type=int, default=8, help="requests in a row per channel that must agree"
    )
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "content", Path(tmp) / "content")
        env = {**os.environ, "KB_CONTENT_DIR": f"{tmp}/content", "KB_DATA_DIR": f"{tmp}/data"}
        subprocess.run(
            [bindir / "kb", "users", "create", "pub", "--role", "publisher"],
            env=env,
            cwd=REPO,
            input="bench-password-1\nbench-password-1\n",
            text=True,
            check=True,
            capture_output=True,
        )
        token = (
            subprocess.run(
                [bindir / "kb", "tokens", "create", "pub"],
                env=env,
                cwd=REPO,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [bindir / "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    channel_revisions(base, token)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("gunicorn did not start") from None
                    time.sleep(0.2)
            path = Path(tmp) / "content" / LANG / "refunds" / f"{ARTICLE}.md"
            original = path.read_text()
            revision = channel_revisions(base, token)[0]
            call_ms, visible_ms = [], []
            for n in range(args.publishes):
                text = original.replace("\n---\n", f"\n---\nPolicy update number {n}: ", 1)
                started = time.perf_counter()
                status, body = request(
                    f"{base}/api/v1/articles/{ARTICLE}?lang={LANG}",
                    token=token,
                    method="PUT",
                    body={"markdown": text, "base_revision": revision, "note": f"bench {n}"},
                )
                call_ms.append((time.perf_counter() - started) * 1000)
                if status not in (200, 201):
                    raise SystemExit(f"publish failed: {status} {body}")
                revision = json.loads(body)["revision"]
                streak = 0
                while streak < args.confirm:
                    seen = channel_revisions(base, token)
                    streak = streak + 1 if seen == (revision,) * 3 else 0
                    if time.perf_counter() - started > 10:
                        raise SystemExit(
                            f"revision {revision} not visible everywhere after 10 s: {seen}"
                        )
                visible_ms.append((time.perf_counter() - started) * 1000)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(20)
    print(
        f"gunicorn -w {args.workers}, {args.publishes} publishes, confirmed by {args.confirm} requests in a row per channel"
    )
    print(f"{'':<32} {'median ms':>10} {'max ms':>10}")
    print(f"{'PUT (publish) call':<32} {statistics.median(call_ms):>10.1f} {max(call_ms):>10.1f}")
    print(
        f"{'visible on every channel':<32} {statistics.median(visible_ms):>10.1f} {max(visible_ms):>10.1f}"
    )
    print("target: visible everywhere <= 1000 ms (max over the publishes)")


if __name__ == "__main__":
    main()
