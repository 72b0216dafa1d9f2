"""Tests for kb.content: parsing, writing, scanning and checking article files."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kb.content import (
    MAX_FILE_BYTES,
    Article,
    Problem,
    Unchanged,
    check,
    check_articles,
    file_digest,
    parse_article,
    phrase_map,
    read_article,
    read_question_set,
    scan,
    serialise,
)
from kb.errors import ArticleInvalid
from tests.conftest import SAMPLE_CONTENT, write_article

GOOD = """\
---
id: cancel-before-shipping
title: Can I cancel my order before it ships?
lang: en
questions:
  - How do I cancel an order?
  - I ordered by mistake, can I stop it?
category: orders
tags: [cancel, order status]
audience: internal
review_by: 2027-06-30
owner: support-team
---
Yes. You can cancel any order until it ships.

## Details

Open *My orders* and choose *Cancel order*.
"""

SAMPLE_FILES = sorted(SAMPLE_CONTENT.glob("[a-z][a-z]/*/*.md"))

# A front matter of lines 2..4 with a fourth line supplied by each test.
HEAD = "---\nid: a\ntitle: T\nlang: en\n"


def problems_of(text: str, path: str | None = None) -> list[Problem]:
    """Return the problems ``parse_article`` raises for ``text`` (fails if it parses)."""
    with pytest.raises(ArticleInvalid) as info:
        parse_article(text, path=path)
    assert info.value.problems, "ArticleInvalid without problems"
    return info.value.problems


def only_problem(text: str, path: str | None = None) -> Problem:
    problems = problems_of(text, path)
    assert len(problems) == 1, problems
    return problems[0]


# --- parse_article: a good file ----------------------------------------------------


def test_parse_good_article_reads_every_field():
    article = parse_article(GOOD, path="en/orders/cancel-before-shipping.md")

    assert article.id == "cancel-before-shipping"
    assert article.lang == "en"
    assert article.key == "en:cancel-before-shipping"
    assert article.title == "Can I cancel my order before it ships?"
    assert article.questions == (
        "How do I cancel an order?",
        "I ordered by mistake, can I stop it?",
    )
    assert isinstance(article.questions, tuple)
    assert article.category == "orders"
    assert article.tags == ("cancel", "order status")
    assert isinstance(article.tags, tuple)
    assert article.audience == "internal"
    assert article.is_public is False
    assert article.review_by == dt.date(2027, 6, 30)
    assert type(article.review_by) is dt.date
    assert article.extra == {"owner": "support-team"}
    assert article.path == "en/orders/cancel-before-shipping.md"
    assert article.body_line == 14
    assert article.body.startswith("Yes. You can cancel")
    assert article.body.endswith("*Cancel order*.\n")
    assert article.short_answer == "Yes. You can cancel any order until it ships."
    assert article.detail == "## Details\n\nOpen *My orders* and choose *Cancel order*."


def test_parse_defaults_for_optional_keys():
    article = parse_article(HEAD + "---\nJust an answer.\n")

    assert article.questions == ()
    assert article.tags == ()
    assert article.category == "general"
    assert article.audience == "public"
    assert article.is_public is True
    assert article.review_by is None
    assert article.extra == {}
    assert article.body == "Just an answer.\n"


def test_title_whitespace_is_collapsed():
    article = parse_article("---\nid: a\ntitle: '  Two   spaces\there '\nlang: en\n---\nBody.\n")
    assert article.title == "Two spaces here"


# --- language and category from the folder -----------------------------------------


@pytest.mark.parametrize(
    ("path", "lang", "category"),
    [
        ("ru/orders/a.md", "ru", "orders"),
        ("fa/returns/a.md", "fa", "returns"),
        ("ar/a.md", "ar", "general"),
    ],
)
def test_lang_and_category_taken_from_folders(path, lang, category):
    article = parse_article("---\nid: a\ntitle: T\n---\nBody.\n", path=path)
    assert (article.lang, article.category) == (lang, category)


def test_front_matter_category_wins_over_folder():
    article = parse_article(HEAD + "category: payments\n---\nBody.\n", path="en/orders/a.md")
    assert article.category == "payments"


@pytest.mark.parametrize(
    ("text", "path", "line", "message"),
    [
        (
            HEAD.replace("lang: en", "lang: ru"),
            "en/general/a.md",
            4,
            "'lang' is 'ru' but the file is in the 'en' folder",
        ),
        (HEAD.replace("lang: en", "lang: de"), None, 4, "unknown language 'de'"),
        (HEAD.replace("lang: en", "lang: EN"), "en/general/a.md", 4, "unknown language 'EN'"),
        ("---\nid: a\ntitle: T\n", "de/general/a.md", 1, "unknown language 'de'"),
        ("---\nid: a\ntitle: T\n", None, 1, "missing 'lang'"),
        ("---\nid: a\ntitle: T\n", "a.md", 1, "missing 'lang'"),
    ],
    ids=["folder-mismatch", "unknown", "upper-case", "unknown-folder", "no-lang", "no-folder"],
)
def test_language_problems(text, path, line, message):
    problem = only_problem(text + "---\nBody.\n", path)
    assert message in problem.message
    assert problem.line == line
    assert problem.level == "error"
    assert problem.path == (path or "<text>")


# --- required keys and the id pattern ----------------------------------------------


@pytest.mark.parametrize(
    ("front", "missing"),
    [
        ("title: T\nlang: en\n", ["id"]),
        ("id: a\nlang: en\n", ["title"]),
        ("id: ''\ntitle: T\nlang: en\n", ["id"]),
        ("id: a\ntitle:\nlang: en\n", ["title"]),
        ("lang: en\n", ["id", "title"]),
    ],
)
def test_missing_required_keys(front, missing):
    problems = problems_of(f"---\n{front}---\nBody.\n")
    assert [p.message for p in problems] == [f"missing required key '{key}'" for key in missing]
    assert {p.line for p in problems} == {1}


@pytest.mark.parametrize(
    "bad_id",
    [
        "Cancel",
        "a_b",
        "a--b",
        "-a",
        "a-",
        "a b",
        "'a/b'",
        "ä",
        "'" + "a" * 101 + "'",
        "[a]",
        "true",
    ],
)
def test_bad_id_is_refused_on_its_line(bad_id):
    problem = only_problem(f"---\ntitle: T\nid: {bad_id}\nlang: en\n---\nBody.\n")
    assert problem.message.startswith("'id' must match [a-z0-9-]+")
    assert problem.line == 3


@pytest.mark.parametrize(
    ("raw", "parsed"), [("a", "a"), ("a-1-b", "a-1-b"), ("123", "123"), ("a" * 100, "a" * 100)]
)
def test_good_ids(raw, parsed):
    assert parse_article(f"---\nid: {raw}\ntitle: T\nlang: en\n---\nBody.\n").id == parsed


@pytest.mark.parametrize(
    ("line4", "message"),
    [
        ("category: Orders", "'category' must match [a-z0-9-]+"),
        ("audience: everyone", "'audience' must be public or internal"),
        ("audience: [public]", "'audience' must be public or internal"),
        ("title: {a: 1}", "'title' must be text"),
    ],
)
def test_bad_simple_values(line4, message):
    text = "---\nid: a\nlang: en\n" + line4 + "\n" + ("title: T\n" if "title" not in line4 else "")
    problem = only_problem(text + "---\nBody.\n")
    assert message in problem.message
    assert problem.line == 4


def test_title_too_long():
    problem = only_problem(f"---\nid: a\ntitle: {'x' * 301}\nlang: en\n---\nBody.\n")
    assert "longer than 300" in problem.message
    assert problem.line == 3


def test_every_problem_is_reported_at_once():
    text = "---\nid: Bad\ntitle: T\nlang: de\naudience: nobody\nreview_by: soon\n---\n# Heading\n"
    problems = problems_of(text)
    assert [p.line for p in problems] == [2, 4, 5, 6, 8]


# --- broken YAML --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line4", "expected_line"),
    [
        pytest.param("foo: bar: baz", 4, id="mapping-in-value"),
        pytest.param("\tfoo: x", 4, id="tab"),
        pytest.param("foo: [a, {b: c]", 4, id="mismatched-brackets"),
        pytest.param(
            'foo: "unclosed',
            4,
            id="unclosed-double-quote",
        ),
        pytest.param(
            "foo: 'unclosed",
            4,
            id="unclosed-single-quote",
        ),
    ],
)
def test_bad_yaml_reports_the_line(line4, expected_line):
    # line 4 is the broken one; line 5 is a good key so the error cannot be "at the end"
    text = "---\nid: a\ntitle: T\n" + line4 + "\nlang: en\n---\nBody.\n"
    problem = only_problem(text)
    assert problem.message.startswith("bad front matter:")
    assert problem.line == expected_line


@pytest.mark.parametrize("front", ["- a\n- b\n", "just a string\n", "42\n"])
def test_front_matter_must_be_a_mapping(front):
    problem = only_problem(f"---\n{front}---\nBody.\n")
    assert problem.message == "front matter must be a mapping of keys"
    assert problem.line == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: a\ntitle: T\n---\nBody.\n", "missing front matter"),
        ("\n---\nid: a\ntitle: T\nlang: en\n---\nBody.\n", "missing front matter"),
        ("---\nid: a\ntitle: T\nlang: en\nBody.\n", "not closed"),
        ("---\nid: a\ntitle: T\nlang: en\n---Body.\n", "not closed"),
        ("", "missing front matter"),
    ],
    ids=["no-fence", "blank-first-line", "no-closing-fence", "fence-glued-to-text", "empty-file"],
)
def test_fences(text, message):
    problem = only_problem(text)
    assert message in problem.message
    assert problem.line == 1


BILLION_LAUGHS = """\
---
id: a
title: T
lang: en
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
---
Body.
"""


@pytest.mark.parametrize(
    ("text", "word", "line"),
    [
        (BILLION_LAUGHS, "anchors", 5),
        (HEAD + "x: *nowhere\n---\nBody.\n", "aliases", 5),
        (HEAD + "x: [a, &b c]\n---\nBody.\n", "anchors", 5),
        (HEAD + "x:\n  - &a 1\n  - *a\n---\nBody.\n", "anchors", 6),
    ],
    ids=["billion-laughs", "alias", "anchor-in-list", "anchor-then-alias"],
)
def test_yaml_anchors_and_aliases_are_refused(text, word, line):
    problem = only_problem(text)
    assert f"YAML {word}" in problem.message
    assert "not allowed in front matter" in problem.message
    assert problem.line == line


@pytest.mark.parametrize(
    "line5",
    [
        pytest.param(
            "lang: [en]",
        ),
        pytest.param(
            "lang: {en: 1}",
        ),
        pytest.param(
            "review_by: 2027-02-30",
        ),
        pytest.param(
            "x: !!int abc",
        ),
        pytest.param(
            "x: !!timestamp abc",
        ),
        pytest.param(
            "x: " + "[" * 5000 + "]" * 5000,
            id="nested-5000",
        ),
        pytest.param("x: !!python/object/apply:os.system ['true']", id="python-tag"),
        pytest.param("id: [a]", id="list-id"),
        pytest.param("category: [x]", id="list-category"),
    ],
)
def test_hostile_front_matter_values_raise_article_invalid(line5):
    text = "---\ntitle: T\nid: a\n" + ("lang: en\n" if not line5.startswith("lang") else "") + line5
    text += "\n---\nBody.\n"
    with pytest.raises(ArticleInvalid) as info:
        parse_article(text)
    assert all(p.level == "error" for p in info.value.problems)


# --- size and encoding --------------------------------------------------------------


def test_text_over_max_file_bytes_is_refused():
    text = HEAD + "---\n" + "x" * MAX_FILE_BYTES + "\n"
    problem = only_problem(text, "en/general/a.md")
    assert "larger than 256 KiB" in problem.message
    assert problem.line == 1


def test_text_at_max_file_bytes_is_accepted():
    head = HEAD + "---\n"
    # multi-byte letters count as bytes, not characters
    filler = "ж" * ((MAX_FILE_BYTES - len(head.encode()) - 1) // 2)
    text = head + filler + "\n"
    assert len(text.encode()) <= MAX_FILE_BYTES
    assert parse_article(text).body == filler + "\n"
    assert len((text + "жж").encode()) > MAX_FILE_BYTES
    assert "larger than" in only_problem(text + "жж").message


def test_read_article_refuses_big_file(content_dir):
    path = content_dir / "en" / "general" / "big.md"
    path.parent.mkdir(parents=True)
    path.write_text(HEAD + "---\n" + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ArticleInvalid) as info:
        read_article(content_dir, path)
    assert [(p.path, p.line) for p in info.value.problems] == [("en/general/big.md", 1)]
    assert "larger than" in info.value.problems[0].message


def test_read_article_refuses_non_utf8(content_dir):
    path = content_dir / "ru" / "general" / "latin1.md"
    path.parent.mkdir(parents=True)
    path.write_bytes("---\nid: a\ntitle: Caf\u00e9\nlang: ru\n---\nBody.\n".encode("latin-1"))
    with pytest.raises(ArticleInvalid) as info:
        read_article(content_dir, path)
    assert [str(p) for p in info.value.problems] == [
        "ru/general/latin1.md:1: error: file is not valid UTF-8"
    ]


def test_read_article_sets_relative_path(content_dir):
    path = write_article(content_dir, "a", "T", lang="tr", category="orders")
    article = read_article(content_dir, path)
    assert (article.path, article.lang, article.category) == ("tr/orders/a.md", "tr", "orders")


# --- questions, tags, review_by ------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ("questions: A single question?", "questions", ("A single question?",)),
        ("questions: [1, 2.5, ' padded ', '']", "questions", ("1", "2.5", "padded")),
        ("tags: refunds", "tags", ("refunds",)),
        ("tags: []", "tags", ()),
        ("tags:", "tags", ()),
    ],
)
def test_questions_and_tags_accepted_shapes(line, key, expected):
    assert getattr(parse_article(HEAD + line + "\n---\nBody.\n"), key) == expected


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("questions: 5", "questions"),
        ("questions: {a: b}", "questions"),
        ("questions: [[a, b]]", "questions"),
        ("questions: [{a: b}]", "questions"),
        ("tags: {a: 1}", "tags"),
        ("tags: [[x]]", "tags"),
        ("tags: true", "tags"),
    ],
)
def test_questions_and_tags_wrong_types(line, key):
    problem = only_problem(HEAD + line + "\n---\nBody.\n")
    assert problem.message == f"'{key}' must be a list of strings"
    assert problem.line == 5


def test_too_many_questions():
    items = "".join(f"  - question {n}\n" for n in range(51))
    problem = only_problem(HEAD + "questions:\n" + items + "---\nBody.\n")
    assert problem.message == "'questions' has 51 items; at most 50"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027-01-31", dt.date(2027, 1, 31)),
        ("'2027-01-31'", dt.date(2027, 1, 31)),
        ("2027-01-31 10:30:00", dt.date(2027, 1, 31)),
        ("''", None),
    ],
)
def test_review_by_good(value, expected):
    article = parse_article(HEAD + f"review_by: {value}\n---\nBody.\n")
    assert article.review_by == expected
    assert article.review_by is None or type(article.review_by) is dt.date


@pytest.mark.parametrize(
    "value", ["soon", "2027", "'2027-13-01'", "'2027-02-30'", "31/01/2027", "[2027-01-31]"]
)
def test_review_by_bad(value):
    problem = only_problem(HEAD + f"review_by: {value}\n---\nBody.\n")
    assert problem.message.startswith("'review_by' must be a date like 2027-01-31")
    assert problem.line == 5


# --- the short answer -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="empty"),
        pytest.param("\n\n\n", id="blank-lines"),
        pytest.param("   \n", id="spaces"),
    ],
)
def test_empty_short_answer(body):
    problem = only_problem(HEAD + "---\n" + body)
    assert problem.message == "empty short answer: the body needs a first paragraph"
    assert problem.line == 6


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("# Heading\n\nText.", id="h1"),
        pytest.param("### Heading", id="h3"),
        pytest.param("- item\n- item", id="dash-list"),
        pytest.param("* item", id="star-list"),
        pytest.param("+ item", id="plus-list"),
        pytest.param("1. first", id="ordered-list"),
        pytest.param("2) second", id="ordered-paren"),
        pytest.param("> quote", id="quote"),
        pytest.param("```\ncode\n```", id="fence"),
        pytest.param("~~~\ncode\n~~~", id="tilde-fence"),
        pytest.param("| a | b |\n|---|---|", id="table"),
        pytest.param("<div>html</div>", id="html"),
        pytest.param("***", id="rule"),
        pytest.param(
            "    indented code\n\nText.",
            id="indented-code",
        ),
    ],
)
def test_body_must_start_with_a_plain_paragraph(body):
    problem = only_problem(HEAD + "---\n" + body + "\n")
    assert problem.message == "the body must start with a plain paragraph (the short answer)"
    assert problem.line == 6


@pytest.mark.parametrize(
    "body",
    [
        "Plain text.",
        "**Yes.** You can.",
        "#hashtag is not a heading",
        "-5 degrees is cold",
        "1.5 days",
    ],
)
def test_plain_paragraphs_are_accepted(body):
    assert parse_article(HEAD + "---\n" + body + "\n").short_answer == body


# --- extra keys, serialise and the round trip ---------------------------------------


def test_unknown_keys_kept_and_written_back():
    text = (
        HEAD
        + "owner: maria\nsource:\n  ticket: 1234\n  urls: [https://example.com/a]\n---\nBody.\n"
    )
    article = parse_article(text)
    assert article.extra == {
        "owner": "maria",
        "source": {"ticket": 1234, "urls": ["https://example.com/a"]},
    }

    written = serialise(article)
    assert "owner: maria\n" in written
    again = parse_article(written)
    assert again.extra == article.extra
    assert again == article


def test_serialise_canonical_order_and_shape():
    written = serialise(parse_article(GOOD))
    assert written.splitlines()[:12] == [
        "---",
        "id: cancel-before-shipping",
        "title: Can I cancel my order before it ships?",
        "lang: en",
        "questions:",
        "- How do I cancel an order?",
        "- I ordered by mistake, can I stop it?",
        "category: orders",
        "tags:",
        "- cancel",
        "- order status",
        "audience: internal",
    ]
    assert "review_by: 2027-06-30\nowner: support-team\n---\nYes. You can cancel" in written
    assert written.endswith("*Cancel order*.\n")


def test_serialise_omits_empty_optional_keys():
    written = serialise(Article(id="a", lang="en", title="T", body="Body.\n"))
    assert (
        written
        == "---\nid: a\ntitle: T\nlang: en\ncategory: general\naudience: public\n---\nBody.\n"
    )


YAML_SPECIAL = ["yes", "no", "null", "~", "true", "- x", ": y", "#tag", "a: b", "a #b", "123", "1.5", "0o17",
                "2027-01-31", "[list]", "{map}", "@at", "`tick`", "%pct", "!bang", "&amp", "*star", "'single'",
                '"double"', "|", ">", "?", "---", "..."]  # fmt: skip

ROUND_TRIP = [
    Article(id="plain", lang="en", title="How do I get a refund?", body="Ask us.\n"),
    Article(
        id="full",
        lang="en",
        title="Full",
        body="First.\n\n## More\n\n- one\n- two\n\n```\ncode: yes\n---\n```\n",
        questions=("How?", "Why?"),
        category="orders",
        tags=("a", "b c"),
        audience="internal",
        review_by=dt.date(2030, 2, 28),
        extra={"owner": "maria", "nested": {"list": [1, "two", None]}, "when": dt.date(2020, 1, 1)},
    ),
    Article(
        id="otmena",
        lang="ru",
        title="Как отменить заказ, если он ещё не отправлен?",
        body="Откройте «Мои заказы» и нажмите «Отменить».\n",
        questions=("Можно ли отменить заказ?", "ё и е: разные буквы"),
        tags=("заказ", "отмена"),
        category="orders",
    ),
    Article(
        id="laghv",
        lang="fa",
        title="چگونه سفارش\u200cام را لغو کنم؟",
        body="به «سفارش\u200cهای من» بروید و «لغو سفارش» را بزنید.\n",
        questions=("می\u200cخواهم سفارشم را لغو کنم",),
        tags=("سفارش",),
        extra={"یادداشت": "کلید فارسی"},
    ),
    Article(
        id="ilgha",
        lang="ar",
        title="كيف أُلغي طلبي؟",
        body="افتح «طلباتي» واختر «إلغاء الطلب».\n\nتفاصيل: ١٢٣.\n",
        questions=("هل يمكنني إلغاء الطلب؟",),
        tags=("طلب", "إلغاء"),
    ),
    Article(
        id="special",
        lang="tr",
        title="yes",
        body="Evet.\n",
        questions=tuple(YAML_SPECIAL),
        tags=tuple(YAML_SPECIAL),
        extra={"note": "null", "flag": "- x", "colon": ": y", "hash": "#tag", "raw_bool": True},
    ),
    *[
        Article(id=f"title-{n}", lang="az", title=title, body="Bəli.\n")
        for n, title in enumerate(YAML_SPECIAL)
    ],
]


@pytest.mark.parametrize("article", ROUND_TRIP, ids=[a.id for a in ROUND_TRIP])
def test_round_trip(article):
    text = serialise(article)
    again = parse_article(text)

    assert again == article
    assert again.extra == article.extra  # extra is not part of ==
    assert serialise(again) == text
    assert again.content_hash == article.content_hash


@pytest.mark.parametrize(
    "path", SAMPLE_FILES, ids=lambda p: p.relative_to(SAMPLE_CONTENT).as_posix()
)
def test_round_trip_of_sample_files(path):
    article = read_article(SAMPLE_CONTENT, path)
    again = parse_article(serialise(article), path=article.path)
    assert again == article
    assert again.extra == article.extra


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Short answer.\n\n    indented code after it.\n", id="indented-detail"),
        pytest.param("Hard break at the end.  \n", id="trailing-spaces"),
    ],
)
def test_round_trip_keeps_body_whitespace(body):
    article = Article(id="a", lang="en", title="T", body=body)
    assert parse_article(serialise(article)).body == article.body


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            "---\r\nid: a\r\ntitle: T\r\nlang: en\r\n---\r\nBody.\r\n\r\nMore.\r\n", id="crlf"
        ),
        pytest.param("\ufeff---\nid: a\ntitle: T\nlang: en\n---\nBody.\n\nMore.\n", id="bom"),
        pytest.param(
            "\ufeff---\r\nid: a\r\ntitle: T\r\nlang: en\r\n---\r\nBody.\r\n\r\nMore.\r\n",
            id="bom-crlf",
        ),
        pytest.param("---\rid: a\rtitle: T\rlang: en\r---\rBody.\r\rMore.\r", id="old-mac-cr"),
    ],
)
def test_crlf_and_bom_files_parse(raw, content_dir):
    path = content_dir / "en" / "general" / "a.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw.encode("utf-8"))

    article = read_article(content_dir, path)
    assert (article.id, article.title, article.lang) == ("a", "T", "en")
    assert article.body == "Body.\n\nMore.\n"
    assert "\r" not in serialise(article)
    assert article.body_line == 6
    assert (article.short_answer, article.detail) == ("Body.", "More.")


# --- scan -----------------------------------------------------------------------------


def test_scan_skips_underscore_and_dot_folders(content_dir):
    write_article(content_dir, "good", "Good")
    for hidden in ("_drafts", ".trash", "_meta"):
        path = content_dir / hidden / "x.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not an article", encoding="utf-8")
    (content_dir / "en" / "general" / "_skip.md").write_text("not an article", encoding="utf-8")

    result = scan(content_dir)
    assert [a.key for a in result.articles] == ["en:good"]
    assert result.problems == []


def test_scan_reports_bad_files_and_keeps_good_ones(content_dir):
    write_article(content_dir, "good-one", "One")
    write_article(content_dir, "good-two", "Two", lang="ru")
    bad = content_dir / "en" / "general" / "bad.md"
    bad.write_text("---\nid: Bad\ntitle: T\n---\nBody.\n", encoding="utf-8")
    (content_dir / "en" / "general" / "nofence.md").write_text(
        "no front matter\n", encoding="utf-8"
    )

    result = scan(content_dir)
    assert sorted(a.key for a in result.articles) == ["en:good-one", "ru:good-two"]
    assert [(p.path, p.line) for p in result.errors] == [
        ("en/general/bad.md", 2),
        ("en/general/nofence.md", 1),
    ]


def test_scan_reports_duplicate_id_in_same_language(content_dir):
    write_article(content_dir, "refund", "First", category="orders")
    write_article(content_dir, "refund", "Second", category="returns")
    write_article(content_dir, "refund", "Other language", lang="tr", category="returns")

    result = scan(content_dir)
    assert sorted((a.key, a.path) for a in result.articles) == [
        ("en:refund", "en/orders/refund.md"),
        ("tr:refund", "tr/returns/refund.md"),
    ]
    assert [str(p) for p in result.problems] == [
        "en/returns/refund.md:1: error: duplicate id 'refund' in 'en': also in en/orders/refund.md"
    ]


def test_scan_keeps_the_first_file_in_path_order_part_by_part(content_dir):
    """ "a/b.md" comes before "a-b.md" ("a" < "a-b.md"), though "/" sorts after "-"."""
    for rel in ("en/general/a-b.md", "en/general/a/b.md", "en/general/a.b/c.md"):
        path = content_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\nid: same\ntitle: T\nlang: en\n---\nBody.\n", encoding="utf-8")

    result = scan(content_dir)
    assert [a.path for a in result.articles] == ["en/general/a/b.md"]
    assert [p.path for p in result.problems] == ["en/general/a-b.md", "en/general/a.b/c.md"]


def test_scan_reads_crlf_files_and_reports_unreadable_ones(content_dir):
    crlf = content_dir / "en" / "general" / "crlf.md"
    crlf.parent.mkdir(parents=True)
    crlf.write_bytes(b"---\r\nid: crlf\r\ntitle: T\r\nlang: en\r\n---\r\nBody.\r\rMore.\r\n")
    (content_dir / "en" / "general" / "latin1.md").write_bytes("caf\u00e9".encode("latin-1"))
    (content_dir / "en" / "general" / "big.md").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    (content_dir / "en" / "general" / "gone.md").symlink_to(content_dir / "nowhere.md")

    result = scan(content_dir, known={})
    (article,) = result.articles
    assert article.body == "Body.\n\nMore.\n"
    assert result.known["en/general/crlf.md"].digest == file_digest(
        "---\nid: crlf\ntitle: T\nlang: en\n---\nBody.\n\nMore.\n"
    )
    assert [(p.path, p.message) for p in result.problems] == [
        ("en/general/big.md", "file is larger than 256 KiB"),
        ("en/general/gone.md", "cannot read file: No such file or directory"),
        ("en/general/latin1.md", "file is not valid UTF-8"),
    ]


def test_scan_with_known_files_parses_only_the_changed_ones(content_dir, monkeypatch):
    import kb.content

    write_article(content_dir, "one", "One")
    edited = write_article(content_dir, "two", "Two")
    write_article(content_dir, "two", "Two again", category="returns")  # a duplicate
    first = scan(content_dir, known={})
    assert sorted(first.known) == ["en/general/one.md", "en/general/two.md"]
    assert first.known["en/general/one.md"].content_hash == first.articles[0].content_hash

    edited.write_text(edited.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    again = scan(content_dir, known=first.known)
    unchanged = [a for a in again.articles if isinstance(a, Unchanged)]
    assert [(a.key, a.path, a.lang) for a in unchanged] == [("en:one", "en/general/one.md", "en")]
    assert unchanged[0].content_hash == first.articles[0].content_hash
    parsed = [a for a in again.articles if isinstance(a, Article)]
    assert [a.key for a in parsed] == ["en:two"] and parsed[0].body.endswith("More.\n")
    assert again.known["en/general/two.md"] != first.known["en/general/two.md"]
    assert [p.message[:12] for p in again.problems] == ["duplicate id"]  # still found

    # another parser (new code, another YAML library) reads every file again
    monkeypatch.setattr(kb.content, "PARSER_VERSION", "another")
    assert not any(isinstance(a, Unchanged) for a in scan(content_dir, known=again.known).articles)


# --- check ----------------------------------------------------------------------------


def messages(problems, path=None):
    return [
        (p.path, p.line, p.level, p.message) for p in problems if path is None or p.path == path
    ]


def test_check_reports_missing_link_target_with_its_line(content_dir):
    write_article(content_dir, "target", "Target")
    write_article(
        content_dir,
        "source",
        "Source",
        'See [ok](kb:target).\n\nAnd [broken](kb:nope) here,\n[ref][r] [title](kb:nope2 "T").\n[r]: kb:gone',
    )
    # lines 1-7: ---, id, title, lang, category, audience, ---; the body starts on line 8
    assert messages(check(content_dir), "en/general/source.md") == [
        ("en/general/source.md", 10, "error", "link to an article that does not exist: kb:nope"),
        ("en/general/source.md", 11, "error", "link to an article that does not exist: kb:nope2"),
        ("en/general/source.md", 12, "error", "link to an article that does not exist: kb:gone"),
    ]


def test_check_reference_link_line_after_blank_line(content_dir):
    write_article(content_dir, "source", "Source", "Text [x][r].\n\n[r]: kb:gone")
    # body: line 8 text, 9 blank, 10 the reference definition
    assert [(p.line, p.message) for p in check(content_dir)] == [
        (10, "link to an article that does not exist: kb:gone")
    ]


def test_check_link_line_after_blank_line(content_dir):
    path = content_dir / "en" / "general" / "a.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nid: a\ntitle: T\nlang: en\n---\n\nSee [x](kb:nope).\n", encoding="utf-8")
    assert [(p.line, p.message) for p in check(content_dir)] == [
        (7, "link to an article that does not exist: kb:nope")
    ]


def test_check_warnings(content_dir):
    meta = content_dir / "_meta" / "categories.yml"
    meta.parent.mkdir()
    meta.write_text("orders:\n  en: Orders\n", encoding="utf-8")
    write_article(content_dir, "a", "A", category="orders", extra="review_by: 2026-01-01")
    write_article(content_dir, "b", "B", category="mystery")
    write_article(content_dir, "a", "A ru", lang="ru", category="orders")
    write_article(content_dir, "orphan", "Orphan", lang="fa", category="orders")

    before = check(content_dir, today=dt.date(2025, 12, 31))
    assert messages(before) == [
        ("en/mystery/b.md", 1, "warning", "category 'mystery' is not in _meta/categories.yml"),
        ("fa/orders/orphan.md", 1, "warning", "translation of 'orphan' has no 'en' source article"),
    ]
    after = check(content_dir, today=dt.date(2026, 1, 2))
    assert ("en/orders/a.md", 1, "warning", "review date 2026-01-01 has passed") in messages(after)
    assert len(after) == 3
    # the day itself is not past
    assert len(check(content_dir, today=dt.date(2026, 1, 1))) == 2


def test_check_without_categories_file_skips_category_check(content_dir):
    write_article(content_dir, "b", "B", category="anything")
    assert check(content_dir, today=dt.date(2025, 1, 1)) == []


def test_check_answer_tests_name_missing_article(content_dir):
    write_article(content_dir, "exists", "Exists")
    write_article(content_dir, "exists", "Есть", lang="ru")
    tests_dir = content_dir / "_tests"
    tests_dir.mkdir()
    (tests_dir / "en.csv").write_text(
        "question,expected,lang\nq1,exists,en\nq2,missing,en\nq3,exists,ru\nq4,exists,fa\nq5,,en\nq6,exists,\n",
        encoding="utf-8",
    )
    assert messages(check(content_dir)) == [
        ("_tests/en.csv", 3, "error", "expected article 'missing' does not exist"),
        ("_tests/en.csv", 5, "error", "expected article 'exists' does not exist"),
    ]


def test_check_errors_sort_before_warnings(content_dir):
    write_article(content_dir, "a", "A", lang="fa")
    (content_dir / "zz" / "x").mkdir(parents=True)
    (content_dir / "zz" / "x" / "bad.md").write_text("oops\n", encoding="utf-8")
    assert [p.level for p in check(content_dir)] == ["error", "warning"]


def test_sample_content_has_no_errors():
    problems = check(SAMPLE_CONTENT)
    assert [str(p) for p in problems if p.level == "error"] == []
    result = scan(SAMPLE_CONTENT)
    assert len(result.articles) == len(SAMPLE_FILES)
    assert {a.lang for a in result.articles} == {"en", "ru", "tr", "az", "fa", "ar"}


# --- question sets ------------------------------------------------------------------


def test_read_question_set_csv(tmp_path):
    path = tmp_path / "set.csv"
    path.write_text(
        'question,expected,lang,extra\n"Where is it, please?", track-order ,en,x\nNo answer,,\n',
        encoding="utf-8",
    )
    assert read_question_set(path) == [
        {"question": "Where is it, please?", "expected": "track-order", "lang": "en"},
        {"question": "No answer", "expected": "", "lang": ""},
    ]


def test_read_question_set_csv_question_only(tmp_path):
    path = tmp_path / "set.csv"
    path.write_text("question\nHi?\n", encoding="utf-8")
    assert read_question_set(path) == [{"question": "Hi?", "expected": "", "lang": ""}]


def test_read_question_set_jsonl(tmp_path):
    path = tmp_path / "set.jsonl"
    lines = [
        {"question": "Где мой заказ?", "expected": "track-order", "lang": "ru"},
        {"question": "No expected", "expected": None},
        {"question": "Number", "expected": 7, "lang": "en", "ignored": True},
    ]
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n", encoding="utf-8"
    )
    assert read_question_set(path) == [
        {"question": "Где мой заказ?", "expected": "track-order", "lang": "ru"},
        {"question": "No expected", "expected": "", "lang": ""},
        {"question": "Number", "expected": "7", "lang": "en"},
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "set.csv",
            "q,expected,lang\nhi,a,en\n",
            "set.csv: the CSV needs a header with 'question'",
        ),
        ("set.csv", "", "set.csv: the CSV needs a header"),
        (
            "set.jsonl",
            '{"question": "ok"}\n["not", "an", "object"]\n',
            "set.jsonl:2: each line must be an object",
        ),
        (
            "set.jsonl",
            '{"question": 5}\n',
            "set.jsonl:1: each line must be an object with a 'question'",
        ),
        ("set.jsonl", "{not json\n", "Expecting property name"),
    ],
)
def test_read_question_set_bad_shape(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as info:
        read_question_set(path)
    assert message in str(info.value)


def test_read_question_set_csv_with_bom(tmp_path):
    path = tmp_path / "set.csv"
    path.write_bytes("question,expected,lang\nHi?,a,en\n".encode("utf-8-sig"))
    assert read_question_set(path) == [{"question": "Hi?", "expected": "a", "lang": "en"}]


def test_check_reports_bad_question_set_file(content_dir):
    (content_dir / "_tests").mkdir()
    (content_dir / "_tests" / "bad.csv").write_text("q,a\nx,y\n", encoding="utf-8")
    assert messages(check(content_dir)) == [
        (
            "_tests/bad.csv",
            1,
            "error",
            "bad.csv: the CSV needs a header with 'question' (and 'expected', 'lang')",
        )
    ]


# --- duplicate titles and questions -------------------------------------------------


def _article(article_id, title, questions=(), lang="en"):
    return Article(
        id=article_id, lang=lang, title=title, body="Text.\n", questions=tuple(questions)
    )


def duplicates(problems):
    return [(p.path, p.message) for p in problems if "is also a title or question" in p.message]


@pytest.mark.parametrize(
    ("first", "second", "lang"),
    [
        ("Where is my refund?", "where  is my REFUND?", "en"),
        ("Where is my refund?", "Where is my refund?", "en"),
        ("İADE NEREDE?", "iade nerede?", "tr"),
        ("سفارشم کجاست؟", "سفارشم كجاست؟", "fa"),  # Arabic kaf typed for the Persian one
    ],
)
def test_check_articles_warns_on_duplicate_titles_and_questions(first, second, lang):
    a = _article("a", first, lang=lang)
    b = _article("b", "Something else", [second], lang=lang)
    assert duplicates(check_articles([a, b])) == [
        (
            f"{lang}:a",
            f"title \"{first}\" is also a title or question of 'b' in '{lang}': "
            "customers asking it get only one of them",
        ),
        (
            f"{lang}:b",
            f"question \"{second}\" is also a title or question of 'a' in '{lang}': "
            "customers asking it get only one of them",
        ),
    ]
    assert {p.level for p in check_articles([a, b])} == {"warning"}


def test_duplicates_need_the_same_language_and_another_article():
    articles = [
        _article("a", "Where is my refund?", ["Where is my refund?"]),  # its own question
        _article("a", "Where is my refund?", lang="ru"),  # a translation
        _article("b", "Where is my refund?", lang="tr"),  # another language
    ]
    assert duplicates(check_articles(articles)) == []


def test_check_articles_compares_with_other_articles_phrases():
    live = [_article("old", "Where is my refund?"), _article("edited", "How long?")]
    phrases = phrase_map(e for e in live if e.id != "edited")
    edited = _article("edited", "How long?", ["where is my refund"])
    # punctuation is not folded: only case, whitespace and letter forms are
    assert duplicates(check_articles([edited], phrases=phrases)) == []
    edited = _article("edited", "How long?", ["where is my refund?"])
    [(where, message)] = duplicates(check_articles([edited], phrases=phrases))
    assert where == "en:edited" and "of 'old'" in message
    assert phrases == {"en": {"where is my refund?": {"old"}}}  # not changed by the check


def test_answer_test_lines_skip_blank_lines_in_jsonl(content_dir):
    write_article(content_dir, "exists", "Exists")
    (content_dir / "_tests").mkdir()
    (content_dir / "_tests" / "set.jsonl").write_text(
        '{"question": "a", "expected": "exists"}\n\n{"question": "b", "expected": "gone"}\n',
        encoding="utf-8",
    )
    assert messages(check(content_dir)) == [
        ("_tests/set.jsonl", 3, "error", "expected article 'gone' does not exist")
    ]


def test_libyaml_and_pyyaml_write_the_same_front_matter(tmp_path):
    """Content hashes are hashes of serialised text: the fast writer must not change them."""
    import yaml

    from kb import content as module

    tricky = {
        "title": "Can I pay: 50% now? «Да» — ödeme, پرداخت، الدفع",
        "questions": ["'quoted'", '"double"', "# not a comment", "- dash", "a: b", "yes", "1e3"],
        "tags": ["x", "ü"],
        "review_by": __import__("datetime").date(2027, 1, 31),
        "note": "line one\nline two",
        "empty": "",
        "spaces": "  padded  ",
    }
    samples = [tricky]
    for path in SAMPLE_CONTENT.rglob("*.md"):
        article = module.parse_article(path.read_text("utf-8"), path=str(path))
        samples.append(yaml.safe_load(module.serialise(article).split("---\n")[1]))
    options = {
        "allow_unicode": True,
        "sort_keys": False,
        "default_flow_style": False,
        "width": 1000,
    }
    for front in samples:
        assert yaml.dump(front, Dumper=module._Dumper, **options) == yaml.dump(
            front, Dumper=yaml.SafeDumper, **options
        ), front


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("title", "'\u3000'", "'title' has no visible text"),
        ("title", "'\u1680 \u2003'", "'title' has no visible text"),
        ("title", "'   '", "'title' has no visible text"),
        ("id", "'\u3000'", "'id' must match"),
    ],
)
def test_a_blank_title_or_id_is_refused(field, value, words):
    # once accepted, then written back as '' and never parsed again: the article
    # vanished from every channel at the next start (found by tests/test_properties.py)
    text = f"---\nid: a\ntitle: T\nlang: en\n{field}: {value}\n---\nBody.\n".replace(
        f"{field}: {'a' if field == 'id' else 'T'}\n", "", 1
    )
    assert words in only_problem(text).message
