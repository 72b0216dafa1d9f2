"""Interface strings: fallbacks and plural forms."""

from __future__ import annotations

from importlib import resources

import pytest

from kb import i18n
from kb.i18n import plural, t


@pytest.mark.parametrize(
    ("lang", "numbers", "category"),
    [
        ("en", [1], "one"),
        ("en", [0, 2, 11, 21], "other"),
        ("ar", [0], "zero"),
        ("ar", [1], "one"),
        ("ar", [2], "two"),
        ("ar", [3, 10, 103, 110], "few"),
        ("ar", [11, 26, 99, 111], "many"),
        ("ar", [100, 101, 102, 200], "other"),
        ("ru", [1, 21, 101], "one"),
        ("ru", [2, 4, 22, 34], "few"),
        ("ru", [0, 5, 11, 12, 14, 111], "many"),
        ("fa", [0, 1], "one"),
        ("fa", [2, 10], "other"),
        ("tr", [1], "one"),
        ("az", [2], "other"),
    ],
)
def test_plural_categories_follow_cldr(lang, numbers, category):
    assert {plural(lang, n) for n in numbers} == {category}


def test_counted_strings_take_their_plural_form():
    assert t("en", "days_ago", n=1) == "updated 1 day ago"
    assert t("en", "days_ago", n=2) == "updated 2 days ago"
    assert t("ar", "days_ago", n=1) == "آخر تحديث قبل يوم واحد"
    assert t("ar", "days_ago", n=2) == "آخر تحديث قبل يومين"
    assert t("ar", "days_ago", n=5) == "آخر تحديث قبل 5 أيام"
    assert t("ar", "days_ago", n=12) == "آخر تحديث قبل 12 يومًا"
    assert t("ar", "days_ago", n=100) == "آخر تحديث قبل 100 يوم"


def test_a_language_without_a_form_uses_its_own_string_not_the_english_form():
    assert t("ru", "days_ago", n=1) == "обновлено 1 дн. назад"
    assert t("tr", "days_ago", n=1) == "1 gün önce güncellendi"


def test_a_missing_string_falls_back_to_english_then_to_the_key(monkeypatch):
    english = i18n.strings("en")
    monkeypatch.setattr(i18n, "strings", lambda lang: english if lang == "en" else {})
    assert t("xx", "days_ago", n=1) == "updated 1 day ago"
    assert t("xx", "no_such_key") == "no_such_key"
    assert t("en", "revision", n=True) == "Revision True"  # a flag is not a count


def test_every_plural_form_is_a_category_its_language_has():
    for path in resources.files("kb").joinpath("strings").iterdir():
        lang = path.name.removesuffix(".json")
        table = i18n.strings(lang)
        have = {plural(lang, n) for n in range(1000)}
        for key in table:
            base, _, category = key.rpartition("_")
            if category in {"zero", "one", "two", "few", "many", "other"} and base in table:
                assert category in have, (lang, key)
