"""requirements.lock pins everything pyproject.toml declares; CI's audit step decides right."""

from __future__ import annotations

import importlib.util
import re
import tomllib

import pytest
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


@pytest.fixture(scope="module")
def audit():
    """The CI audit step (.ci/audit.py) as a module."""
    spec = importlib.util.spec_from_file_location("ci_audit", REPO / ".ci" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def skip(name: str) -> dict:
    return {"name": name, "skip_reason": f"Dependency not found on PyPI: {name}"}


def clean(name: str) -> dict:
    return {"name": name, "version": "1.0", "vulns": []}


VULNERABLE = {
    "name": "flask",
    "version": "0.12",
    "vulns": [{"id": "PYSEC-2019-179", "fix_versions": ["1.0"], "aliases": []}],
}


@pytest.mark.parametrize(
    ("deps", "status", "says"),
    [
        ([clean("a"), clean("b")], 0, "no known vulnerabilities in 2 of 2"),
        ([clean("a"), VULNERABLE], 1, "VULNERABLE flask==0.12: PYSEC-2019-179 (fixed in 1.0)"),
        ([skip("a"), VULNERABLE], 1, "1 of 2 pinned packages are vulnerable"),
        ([skip("a"), skip("b")], 2, "NOT AUDITED"),
        ([clean("a"), skip("b")], 0, "skipped b"),
    ],
)
def test_the_audit_step_fails_on_vulnerabilities_and_says_when_it_audited_nothing(
    audit, deps, status, says
):
    got, lines = audit.verdict({"dependencies": deps, "fixes": []})
    assert got == status
    assert any(says in line for line in lines), lines
