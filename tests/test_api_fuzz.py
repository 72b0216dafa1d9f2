"""Fuzz ``/api/v1`` with schemathesis against its own OpenAPI document, in process.

Schemathesis loads ``/api/v1/openapi.json`` from the Flask app (no server) and
runs its engine as ``schemathesis run --checks all`` would: every operation,
every phase (schema examples, coverage of boundaries and invalid values,
random fuzzing, stateful sequences that reuse ids and refs from responses)
and every built-in check (no 5xx, status codes, content types, headers and
bodies as documented, schema-violating input rejected, schema-valid input
accepted, auth not ignored, ...). It runs once per caller: anonymous (the
401s are checked against the document too) and with an agent's, an editor's
and a publisher's API token, each on a throw-away copy of the sample content
on ``tmp_path``, so the publisher's PUTs and DELETEs never touch ``content/``.

Deterministic: a fixed seed, derandomised Hypothesis, no example database.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kb import auth
from tests.conftest import SAMPLE_CONTENT, add_user, sample_app_in

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is in the test extra: pip install -e '.[test]'"
)
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.engine import Status, events  # noqa: E402
from schemathesis.transport.wsgi import WSGITransport  # noqa: E402

SEED = 20261122
# Examples per operation in the fuzzing phase; the coverage, examples and stateful
# phases add their own. The four runs: about 35 s of CPU, 70 s on a busy 2-core machine.
MAX_EXAMPLES = 25

OPERATIONS = {
    "GET /api/v1/answer",
    "POST /api/v1/answer",
    "POST /api/v1/chat",
    "GET /api/v1/search",
    "GET /api/v1/articles/{article_id}",
    "PUT /api/v1/articles/{article_id}",
    "DELETE /api/v1/articles/{article_id}",
    "POST /api/v1/feedback",
    "GET /api/v1/receipts/{ref}",
}  # and GET /api/v1/openapi.json, which schemathesis leaves out: it serves the document

CONFIG = f"""
seed = {SEED}
# Hypothesis's too_slow measures how fast data is generated, not the API: on a
# busy CI machine it would fail the run for the machine's sake.
suppress-health-check = ["too_slow"]

[generation]
max-examples = {MAX_EXAMPLES}
deterministic = true
database = "none"

[checks]
enabled = true

# show bodies and tokens in failure reports: they are throw-away test data
[output.sanitization]
enabled = false

# positive_data_acceptance expects every schema-valid request to succeed. Two
# operations take values whose validity depends on what the server holds, which
# no schema can say, so for them (and only them) the refusal is expected too:
# - PUT: `markdown` is a whole article file; the document can only say "a
#   string". Not a valid article: 422; an id or lang other than the URL's: 400.
# - POST /feedback: `article_id` and `revision` are optional checks that the
#   ref served that article and revision; a mismatch is 400.
[[operations]]
include-path = "/api/v1/articles/{{article_id}}"
include-method = "PUT"

[operations.checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409", "422", "429"]

[[operations]]
include-path = "/api/v1/feedback"
include-method = "POST"

[operations.checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]
"""


@dataclass
class FuzzReport:
    """What one schemathesis run saw: failures, engine errors and the statuses per operation."""

    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: dict[str, collections.Counter] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )

    @property
    def requests(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())


@pytest.fixture
def wsgi_without_socket_options(monkeypatch):
    """Drop socket-level options the WSGI transport cannot take.

    schemathesis 4.32's ``ignored_auth`` check re-sends a request without
    credentials through the WSGI transport with the run's transport options,
    and werkzeug's test client rejects ``max_redirects``, ``verify``, ``cert``
    and ``proxies`` (the transport drops them only when it was handed a
    requests session). Without this the check errors instead of checking.
    """
    send = WSGITransport.send

    def patched(self, case, *, session=None, **kwargs):
        for name in ("max_redirects", "verify", "cert", "proxies"):
            kwargs.pop(name, None)
        return send(self, case, session=session, **kwargs)

    monkeypatch.setattr(WSGITransport, "send", patched)


def token_for(app, role: str) -> str:
    """Create a user with ``role`` and an API token for it; return the token."""
    user = add_user(app, f"fuzz-{role}", role)
    db = app.extensions["kb"].connect()
    try:
        return auth.create_token(db, user, label="fuzz", actor="test")
    finally:
        db.conn.close()


def fuzz(app, token: str | None) -> FuzzReport:
    """Run schemathesis over the app's whole OpenAPI document; return what it saw."""
    config = CONFIG
    if token is not None:
        config += f'\n[auth.openapi.bearer]\nbearer = "{token}"\n'
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, config=SchemathesisConfig.from_str(config)
    )
    report = FuzzReport()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(report, event)
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            report.errors.append(f"fatal: {event.exception!r}")
    return report


def _record(report: FuzzReport, event: events.ScenarioFinished) -> None:
    recorder = event.recorder
    for case_id, interaction in recorder.interactions.items():
        operation = recorder.cases[case_id].value.operation
        # the method checks also send OPTIONS and unlisted methods; count the operation's own
        if (
            interaction.response is not None
            and interaction.request.method == operation.method.upper()
        ):
            report.statuses[operation.label][interaction.response.status_code] += 1
    if event.status == Status.ERROR:
        report.errors.append(f"{event.phase.value} {event.label}: error")
    for checks in recorder.checks.values():
        for check in checks:
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            text = (
                f"[{event.phase.value}] {failure.operation}: {check.name}: {failure.title}\n"
                f"{failure.message}\n{check.failure_info.code_sample}"
            )
            if text not in report.failures:
                report.failures.append(text)


def tree_digest(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# (role, the status a PUT of the documented example gets, the DELETE's): proves the
# authorised paths ran, not only the 401s and 404s of random input.
CALLERS = [
    (None, 401, 401),
    ("agent", 403, 403),
    ("editor", 202, 403),
    ("publisher", 201, 200),
]


@pytest.mark.slow
@pytest.mark.usefixtures("wsgi_without_socket_options")
@pytest.mark.parametrize(
    ("role", "put_status", "delete_status"), CALLERS, ids=[c[0] or "anonymous" for c in CALLERS]
)
def test_api_conforms_to_its_openapi_document(tmp_path, role, put_status, delete_status):
    before = tree_digest(SAMPLE_CONTENT)
    app = sample_app_in(tmp_path)
    # A vote on an unknown ref waits one journal batch (0.5 s) in case another
    # worker recorded it; most fuzzed refs are unknown, and one process has no
    # other worker.
    app.extensions["kb"].recorder.interval = 0.01
    report = fuzz(app, token_for(app, role) if role else None)

    assert not report.errors, "\n\n".join(report.errors)
    assert not report.failures, "\n\n".join(report.failures)
    assert set(report.statuses) == OPERATIONS, "every operation must have been called"
    assert report.requests > 500
    for label, statuses in report.statuses.items():
        assert not [s for s in statuses if s >= 500], (label, statuses)
    assert put_status in report.statuses["PUT /api/v1/articles/{article_id}"]
    assert delete_status in report.statuses["DELETE /api/v1/articles/{article_id}"]
    assert 200 in report.statuses["GET /api/v1/answer"]
    assert tree_digest(SAMPLE_CONTENT) == before, "the fuzzer must write to its copy only"
