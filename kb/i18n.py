"""Interface strings of the channels, per language (article text lives in ``content/``).

Strings live in ``kb/strings/<lang>.json``; a key missing in a language falls
back to English, so a new English string never breaks a page.

A string that counts (``t(lang, "days_ago", n=3)``) may have a form per CLDR
plural category, as ``days_ago_one``, ``days_ago_few``...; the plain key is the
form for any category a language does not spell out.
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


def plural(lang: str, n: int) -> str:
    """Return the CLDR cardinal plural category of the whole number ``n`` in ``lang``.

    Persian, Turkish and Azerbaijani nouns stay singular after a number, and
    Russian strings use an abbreviation that fits every number, so only
    English and Arabic strings have forms; the rules cover every language we
    serve so a translator can add them.
    """
    n = abs(n)
    if lang == "ar":
        if n in (0, 1, 2):
            return ("zero", "one", "two")[n]
        if 3 <= n % 100 <= 10:
            return "few"
        return "many" if 11 <= n % 100 <= 99 else "other"
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        return "few" if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else "many"
    if lang == "fa":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


def t(lang: str, key: str, **values: object) -> str:
    """Return the interface string ``key`` in ``lang`` (English when it is missing).

    With a whole number ``n`` among ``values``, the form of its plural category
    is used when the language has one.
    """
    n = values.get("n")
    counted = isinstance(n, int) and not isinstance(n, bool)
    text = None
    for code in (lang, "en"):
        table = strings(code)
        text = (table.get(f"{key}_{plural(code, n)}") if counted else None) or table.get(key)
        if text:
            break
    text = text or key
    return text.format(**values) if values else text
