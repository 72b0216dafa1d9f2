"""Readable line diffs between two article texts (history, conflicts, proposals)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: ``kind`` is ``same``, ``removed``, ``added`` or ``gap``."""

    kind: str
    old_no: int | None
    new_no: int | None
    text: str


@dataclass(frozen=True)
class Diff:
    lines: tuple[DiffLine, ...]
    added: int
    removed: int

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed)


def line_diff(old: str, new: str, *, context: int = 3) -> Diff:
    """Return the line diff of ``old`` -> ``new``, with ``context`` unchanged lines around changes.

    Long unchanged stretches collapse into one ``gap`` line saying how many lines it hides.
    """
    a, b = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    opcodes = matcher.get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            size = i2 - i1
            head = 0 if n == 0 else context
            tail = 0 if n == len(opcodes) - 1 else context
            if len(opcodes) > 1 and size > head + tail + 1:
                for k in range(head):
                    lines.append(DiffLine("same", i1 + k + 1, j1 + k + 1, a[i1 + k]))
                lines.append(DiffLine("gap", None, None, f"{size - head - tail} unchanged lines"))
                for k in range(size - tail, size):
                    lines.append(DiffLine("same", i1 + k + 1, j1 + k + 1, a[i1 + k]))
            else:
                for k in range(size):
                    lines.append(DiffLine("same", i1 + k + 1, j1 + k + 1, a[i1 + k]))
            continue
        for i in range(i1, i2):
            lines.append(DiffLine("removed", i + 1, None, a[i]))
            removed += 1
        for j in range(j1, j2):
            lines.append(DiffLine("added", None, j + 1, b[j]))
            added += 1
    return Diff(tuple(lines), added, removed)
