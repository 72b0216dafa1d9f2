"""Article files written so that a crash leaves the old file or the new one, never half.

A write goes to a hidden temp file beside the article (``.name.<hex>.tmp``),
is flushed to disk, then renamed over it. ``FileChanges`` keeps the files a
change replaced until the change is recorded, so a failure can put them
back; ``remove_leftovers`` deletes what a killed process left behind.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from kb.errors import WriteFailed

TEMP_SUFFIX = ".tmp"
_LEFTOVER = re.compile(r"^\..+\.[0-9a-f]{32}\.tmp$")  # what _temp_name makes


def failed_message(what: str, exc: BaseException) -> str:
    """Return what an editor is told when ``what`` could not be saved (e.g. a full disk)."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"could not save {what}: {reason}. Nothing was changed; try again later."


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_name(path: Path) -> Path:
    """Return a fresh hidden temp name beside ``path`` (``.name.<hex>.tmp``; start-up removes leftovers)."""
    return path.parent / f".{path.name}.{uuid.uuid4().hex}{TEMP_SUFFIX}"


def write_temp(path: Path, text: str) -> Path:
    """Write ``text`` to a new temp file beside ``path``, flushed to disk; return the temp file.

    :raises WriteFailed: on any OS error (disk full, permissions); the temp file is removed
    """
    tmp = _temp_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise WriteFailed(failed_message(path.name, exc)) from None
    return tmp


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half.

    Temp file in the same folder, flush, fsync, ``os.replace``, fsync the folder.

    :raises WriteFailed: on any OS error (disk full, permissions); the temp file is removed
    """
    tmp = write_temp(path, text)
    try:
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise WriteFailed(failed_message(path.name, exc)) from None


class FileChanges:
    """Files replaced or removed by a change that is not committed yet, and how to put them back.

    The old file is kept as a hard link (a rename puts it back, even on a full
    disk) until ``commit``; ``undo`` restores every file as it was. A process
    killed in between leaves the new files in place and a hidden ``.tmp``
    link, which ``remove_leftovers`` deletes at the next start.
    """

    def __init__(self) -> None:
        self._kept: list[tuple[Path, Path | None, bytes | None]] = []

    def replace(self, tmp: Path, path: Path) -> None:
        """Move the temp file ``tmp`` over ``path``."""
        self._change(path, lambda: os.replace(tmp, path))

    def remove(self, path: Path) -> None:
        """Delete ``path``."""
        self._change(path, lambda: path.unlink(missing_ok=True))

    def _change(self, path: Path, change: Callable[[], None]) -> None:
        self._kept.append(self._keep(path))
        change()
        fsync_dir(path.parent)

    @staticmethod
    def _keep(path: Path) -> tuple[Path, Path | None, bytes | None]:
        if not path.exists():
            return path, None, None
        backup = _temp_name(path)
        try:
            os.link(path, backup)
        except OSError:  # a file system without hard links: keep the bytes instead
            return path, None, path.read_bytes()
        return path, backup, None

    def undo(self) -> None:
        """Put every file back as it was, newest change first."""
        while self._kept:
            path, backup, data = self._kept.pop()
            if backup is not None:
                if path.exists() and os.path.samefile(path, backup):
                    backup.unlink()  # the change never happened
                else:
                    os.replace(backup, path)
            elif data is not None:
                tmp = _temp_name(path)
                tmp.write_bytes(data)
                os.replace(tmp, path)
            else:
                path.unlink(missing_ok=True)
            fsync_dir(path.parent)

    def commit(self) -> None:
        """Forget the old files (the change is recorded)."""
        while self._kept:
            _forget(self._kept.pop())


def _forget(kept: tuple[Path, Path | None, bytes | None]) -> None:
    backup = kept[1]
    if backup is not None:
        with suppress(OSError):  # a leftover link is removed at the next start
            backup.unlink(missing_ok=True)


def remove_leftovers(content_dir: Path) -> list[Path]:
    """Delete the temp files and kept old files of writes that died half-way; return them.

    Call it under the index write lock: every write holds that lock while its
    temp files exist, so any found then are leftovers.
    """
    found = []
    for folder, dirs, files in os.walk(content_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # never look into .git
        found += [Path(folder) / name for name in files if _LEFTOVER.match(name)]
    for path in found:
        with suppress(OSError):
            path.unlink()
    return found
