"""requirements.lock pins everything pyproject.toml declares."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO

LOCK = REPO / "requirements.lock"


def declared() -> list[Requirement]:
    """Every requirement in pyproject.toml: runtime and every extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return [Requirement(line) for line in lines]


def pinned() -> dict[str, Version]:
    """The lock file as {normalised name: version}; every line must be ``name==version``."""
    pins = {}
    for number, line in enumerate(LOCK.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line.strip())
        assert match, f"requirements.lock:{number} is not name==version: {line!r}"
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"requirements.lock pins {name} twice"
        pins[name] = Version(match.group(2))
    return pins


def test_the_lock_pins_every_declared_dependency_at_a_version_it_allows():
    pins = pinned()
    missing, outside = [], []
    for req in declared():
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name not in pins:
            missing.append(req.name)
        elif not req.specifier.contains(pins[name], prereleases=True):
            outside.append(f"{req} but the lock has {pins[name]}")
    hint = "; regenerate it with .ci/lock"
    assert not missing, f"requirements.lock lacks {', '.join(missing)}{hint}"
    assert not outside, f"requirements.lock is outside pyproject.toml: {outside}{hint}"


def test_the_lock_leaves_the_project_itself_out():
    assert "kb" not in pinned()
