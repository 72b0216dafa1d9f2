"""Interface strings of the channels, per language (article text lives in ``content/``).

Strings live in ``kb/strings/<lang>.json``; a key missing in a language falls
back to English, so a new English string never breaks a page.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def strings(lang: str) -> dict[str, str]:
    """Return the interface strings of ``lang`` (empty when there is no file)."""
    try:
        raw = resources.files("kb").joinpath(f"strings/{lang}.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return json.loads(raw)


def t(lang: str, key: str, **values: object) -> str:
    """Return the interface string ``key`` in ``lang`` (English when it is missing)."""
    text = strings(lang).get(key) or strings("en").get(key, key)
    return text.format(**values) if values else text
