"""Publish-to-everywhere time under gunicorn with several workers, on the sample content (loopback only).

    python bench/propagation.py [--workers 4] [--publishes 20]

Copies the sample content to a temp folder, creates a publisher with the
real ``kb`` command, starts ``gunicorn -w N`` on 127.0.0.1, then publishes
edits through ``PUT /api/v1/articles/...`` and polls the article API, the
FAQ article page and the sidebar until ``--confirm`` requests in a row on
each channel serve the new revision (requests land on whichever worker
accepts them, so a run of them covers the workers). The publishing and
watching is ``load.publish_and_watch``, as in the load benchmark.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # bench/ is a folder of scripts: its siblings import by name
import serve
from load import publish_and_watch

ARTICLE = corpus.Generated(
    id="refund-timeline",
    lang="en",
    category="refunds",
    title="How long does it take to get my refund?",
    questions=(),
    audience="public",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--publishes", type=int, default=20)
    parser.add_argument(
        "--confirm", type=int, default=8, help="requests in a row per channel that must agree"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(serve.REPO / "content", content)
        env = serve.kb_env(content, Path(tmp) / "data")
        token = serve.make_token(env, "pub", "publisher")
        with serve.gunicorn(env, workers=args.workers, log_dir=Path(tmp) / "logs") as server:
            figures = publish_and_watch(
                server.base,
                token,
                content,
                [ARTICLE],
                publishes=args.publishes,
                confirm=args.confirm,
            )
    call_ms, visible_ms = figures.call_ms, figures.visible_ms
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
