"""Distributing ``content/`` to more nodes with git: the primary commits, replicas pull.

Readers scale out, writes stay on one primary. Every node builds its own
index and history from its own copy of ``content/``; git carries the files:

- on the primary, ``kb sync --commit`` (run after publishing, e.g. from a
  hook or every few seconds) commits what the app published and pushes it if
  the repository has an upstream;
- on a replica (``KB_READ_ONLY=1``), ``kb sync`` pulls (fast-forward only) and
  reconciles: changed files become revisions and the index is updated in
  place, so every worker on that node serves them at its next request.

See ``docs/scaling.md``.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from kb.errors import SyncFailed

AUTHOR = ["-c", "user.name=kb", "-c", "user.email=kb@localhost"]


def git(content_dir: Path, *args: str) -> str:
    """Run git in ``content_dir``; return its output.

    :raises SyncFailed: when git fails (with its message)
    """
    try:
        done = subprocess.run(
            ["git", *AUTHOR, *args],
            cwd=content_dir,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SyncFailed(f"git {' '.join(args)}: {exc}") from exc
    if done.returncode:
        raise SyncFailed(f"git {' '.join(args)}: {(done.stderr or done.stdout).strip()}")
    return done.stdout.strip()


def head(content_dir: Path) -> str:
    """Return the commit ``content_dir`` is at."""
    return git(content_dir, "rev-parse", "HEAD")


def has_upstream(content_dir: Path) -> bool:
    try:
        git(content_dir, "rev-parse", "--abbrev-ref", "@{upstream}")
    except SyncFailed:
        return False
    return True


@dataclass(frozen=True)
class Pulled:
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def pull(content_dir: Path) -> Pulled:
    """Fast-forward ``content_dir`` to its upstream (a replica never has changes of its own)."""
    try:
        before = head(content_dir)
    except SyncFailed:
        raise SyncFailed(
            f"{content_dir} is not a git clone with commits: clone the primary's content "
            "repository there (see docs/scaling.md), or use --no-pull"
        ) from None
    git(content_dir, "pull", "--ff-only", "--quiet")
    return Pulled(before, head(content_dir))


def commit(content_dir: Path, message: str, *, push: bool = True) -> str | None:
    """Commit every change under ``content_dir``; return the new commit, or None if none.

    :param push: push the commit when the branch has an upstream
    """
    git(content_dir, "add", "-A", ".")
    if not git(content_dir, "status", "--porcelain", "--", "."):
        return None
    git(content_dir, "commit", "--quiet", "-m", message, "--", ".")
    if push and has_upstream(content_dir):
        git(content_dir, "push", "--quiet")
    return head(content_dir)
