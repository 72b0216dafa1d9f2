"""CI step: audit requirements.lock with pip-audit; a known vulnerability fails the build.

pip-audit asks a vulnerability service (by default PyPI's JSON API, one request
per pinned version). When that service cannot be reached or answers for none
of the packages, nothing was audited: this step says so in capitals and lets
CI go on, because an outage or a network without the service must not block
every change; the next run that reaches it audits again. ``--strict`` makes
an audit that could not be done fail too (use it where the service is known
to be reachable). pip-audit's own "not found, skipped" is otherwise silent
and exits 0, and a connection error is a traceback with exit 1: both are
turned into that one plain message.

To ignore a vulnerability that does not apply, add ``--ignore-vuln ID`` to
``IGNORED`` below with a comment saying why.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"
# (vulnerability id, why it does not apply): none so far.
IGNORED: list[tuple[str, str]] = []
NETWORK_ERRORS = ("ConnectionError", "ConnectTimeout", "ReadTimeout", "ServiceError", "SSLError")


def verdict(report: dict) -> tuple[int, list[str]]:
    """Return (exit status, lines to print) for a pip-audit JSON report.

    :param report: pip-audit's ``--format json`` output
    """
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if "skip_reason" in d]
    audited = len(deps) - len(skipped)
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            lines.append(
                f"VULNERABLE {dep['name']}=={dep['version']}: {vuln['id']} (fixed in {fixed})"
            )
    if vulnerable:
        lines.append(f"pip-audit: {len(vulnerable)} of {len(deps)} pinned packages are vulnerable")
        return 1, lines
    if deps and audited == 0:
        lines.append(
            f"pip-audit: NOT AUDITED: the vulnerability service answered for none of the "
            f"{len(deps)} pinned packages ({skipped[0]['skip_reason']})"
        )
        return 2, lines
    lines += [f"pip-audit: skipped {d['name']}: {d['skip_reason']}" for d in skipped]
    lines.append(f"pip-audit: no known vulnerabilities in {audited} of {len(deps)} pinned packages")
    return 0, lines


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    ignores = [arg for vuln_id, _why in IGNORED for arg in ("--ignore-vuln", vuln_id)]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        command = [sys.executable, "-m", "pip_audit", "-r", str(LOCK), "--no-deps"]
        command += ["--disable-pip", "--progress-spinner", "off", "--format", "json"]
        command += ["--output", str(out), *ignores]
        done = subprocess.run(command, capture_output=True, text=True)
        report = json.loads(out.read_text()) if out.exists() and out.stat().st_size else None
    if report is None:
        if any(name in done.stderr for name in NETWORK_ERRORS):
            last = done.stderr.strip().splitlines()[-1]
            print(f"pip-audit: NOT AUDITED: the vulnerability service is unreachable ({last})")
            return 1 if strict else 0
        sys.stderr.write(done.stderr)
        return done.returncode or 1
    status, lines = verdict(report)
    print("\n".join(lines))
    if status == 2:
        return 1 if strict else 0
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
