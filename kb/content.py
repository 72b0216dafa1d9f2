"""Articles: parse and write Markdown files with YAML front matter; scan and check ``content/``.

The files in ``content/`` are the single source of truth. This module knows
their format (see ``docs/content-format.md``) and nothing about the web.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from kb import lang as _lang_module
from kb.errors import ArticleInvalid
from kb.lang import LANGUAGES, normalise

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CATEGORY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KB_LINK_RE = re.compile(
    r"\]\(\s*kb:([^)\s]*)[^)]*\)|^[ \t]*\[[^\]]+\]:[ \t]*kb:(\S*)", re.MULTILINE
)
MAX_FILE_BYTES = 256 * 1024
MAX_TITLE = 300
MAX_QUESTIONS = 50
KNOWN_KEYS = ("id", "title", "lang", "questions", "category", "tags", "audience", "review_by")
AUDIENCES = ("public", "internal")
Phrases = dict[str, dict[str, set[str]]]  # {lang: {phrase key: article ids}}


@dataclass(frozen=True)
class Problem:
    """One thing wrong (``error``) or worth a look (``warning``) in a content file."""

    path: str
    line: int
    message: str
    level: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.message}"


@dataclass(frozen=True)
class Article:
    """One article in one language, as parsed from its file."""

    id: str
    lang: str
    title: str
    body: str
    questions: tuple[str, ...] = ()
    category: str = "general"
    tags: tuple[str, ...] = ()
    audience: str = "public"
    review_by: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    path: str | None = field(default=None, compare=False)
    body_line: int = field(default=1, compare=False)

    @property
    def key(self) -> str:
        """Return the unique ``lang:id`` key of this article."""
        return f"{self.lang}:{self.id}"

    @property
    def is_public(self) -> bool:
        return self.audience == "public"

    @property
    def short_answer(self) -> str:
        """Return the Markdown of the body's first paragraph (the short answer)."""
        return split_short_answer(self.body)[0]

    @property
    def detail(self) -> str:
        """Return the Markdown of the body after the short answer."""
        return split_short_answer(self.body)[1]

    @cached_property
    def content_hash(self) -> str:
        """Return the SHA-256 of the canonical article text (see ``serialise``)."""
        return hashlib.sha256(serialise(self).encode("utf-8")).hexdigest()

    def with_changes(self, **changes: Any) -> Article:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)


# --- YAML: safe, small, no aliases -------------------------------------------------


# libyaml when PyYAML was built with it (about ten times faster), else PyYAML's own; the
# two write the same text (tests/test_content.py checks it), so content hashes do not move
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


MAX_NESTING = 20


def _refuse_anchors_and_aliases(text: str) -> None:
    """Raise on any YAML anchor or alias (no "billion laughs") or deep nesting, before building."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"front matter is nested more than {MAX_NESTING} deep",
                    event.start_mark,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.AliasEvent):
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) are not allowed in front matter", event.start_mark
            )
        if getattr(event, "anchor", None):
            raise yaml.constructor.ConstructorError(
                None, None, "YAML anchors (&name) are not allowed in front matter", event.start_mark
            )


def _load_front_matter(
    text: str, path: str, first_line: int
) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse front matter YAML; return the mapping and the line of each key."""
    try:
        _refuse_anchors_and_aliases(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else {}
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        # an unclosed quote or bracket is reported at the end of the file by
        # PyYAML; where it was opened (the context) is the useful line then
        mark = exc.problem_mark
        if exc.context_mark is not None and (
            mark is None or "end of stream" in (exc.problem or "")
        ):
            mark = exc.context_mark
        line = first_line + (mark.line if mark else 0)
        raise ArticleInvalid(
            [Problem(path, line, f"bad front matter: {exc.problem or exc}")]
        ) from None
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        # constructors raise plain errors for e.g. "2027-02-30" or "!!int abc";
        # very deep nesting overflows the composer
        raise ArticleInvalid([Problem(path, first_line, f"bad front matter: {exc}")]) from None
    if not isinstance(data, dict):
        raise ArticleInvalid([Problem(path, first_line, "front matter must be a mapping of keys")])
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node.value, str):
                lines[key_node.value] = first_line + key_node.start_mark.line
    return data, lines


def parse_extra_front_matter(text: str, *, where: str = "other front matter") -> dict[str, Any]:
    """Parse extra front matter keys written as YAML (the editor's "other keys" box).

    :raises ArticleInvalid: when it is not a YAML mapping or repeats a key the form has
    """
    if not text.strip():
        return {}
    data, lines = _load_front_matter(text, where, 1)
    known = [k for k in data if k in KNOWN_KEYS]
    if known:
        raise ArticleInvalid(
            [Problem(where, lines.get(known[0], 1), f"{known[0]!r} has its own field in the form")]
        )
    return data


def split_front_matter(text: str, path: str = "<text>") -> tuple[str, str, int]:
    """Split a file into ``(front matter, body, body's first line number)``.

    :raises ArticleInvalid: when the ``---`` fences are missing
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.startswith("---\n"):
        raise ArticleInvalid(
            [Problem(path, 1, "missing front matter: the file must start with '---'")]
        )
    end = re.search(r"^---[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        raise ArticleInvalid([Problem(path, 1, "front matter is not closed by a '---' line")])
    front = text[4 : 4 + end.start()]
    body = text[4 + end.end() :]
    body_line = 2 + front.count("\n") + 1
    # the body starts after the newline that ends the closing fence
    if body.startswith("\n"):
        body = body[1:]
    return front, body, body_line


def split_short_answer(body: str) -> tuple[str, str]:
    """Split a body into its first paragraph (the short answer) and the rest."""
    stripped = body.strip("\n")
    parts = re.split(r"\n[ \t]*\n", stripped, maxsplit=1)
    first = parts[0].strip()
    rest = parts[1].strip() if len(parts) > 1 else ""
    return first, rest


_NOT_A_PARAGRAPH = re.compile(r"^(#{1,6}\s|```|~~~|>|\||[-*+]\s|\d+[.)]\s|<|---|\*\*\*)")


def _as_str_list(
    value: Any, key: str, path: str, line: int, problems: list[Problem]
) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        problems.append(Problem(path, line, f"'{key}' must be a list of strings"))
        return ()
    if any(isinstance(v, bool) for v in value):
        # YAML 1.1 reads yes/no/on/off as booleans: the original word is lost
        problems.append(
            Problem(path, line, f"'{key}' has yes/no/true/false: quote it, e.g. \"yes\"")
        )
        return ()
    items = tuple(str(v).strip() for v in value if str(v).strip())
    if len(items) > MAX_QUESTIONS:
        problems.append(
            Problem(path, line, f"'{key}' has {len(items)} items; at most {MAX_QUESTIONS}")
        )
    return items


def _as_date(value: Any, path: str, line: int, problems: list[Problem]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(
            Problem(path, line, f"'review_by' must be a date like 2027-01-31, not {value!r}")
        )
        return None


def _hints_from_path(path: str | None) -> tuple[str | None, str | None]:
    """Return the (language, category) folders of a path relative to ``content/``."""
    if not path:
        return None, None
    parts = Path(path).parts
    lang = parts[0] if len(parts) >= 2 else None
    category = parts[1] if len(parts) >= 3 else None
    return lang, category


def parse_article(text: str, *, path: str | None = None) -> Article:
    """Parse the text of an article file.

    :param text: the whole file: front matter and Markdown body
    :param path: path relative to ``content/``; its first folder is the
        default language and its second the default category
    :raises ArticleInvalid: with every problem found, each with a line number
    """
    where = path or "<text>"
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ArticleInvalid(
            [Problem(where, 1, f"file is larger than {MAX_FILE_BYTES // 1024} KiB")]
        )
    front, body, body_line = split_front_matter(text, where)
    if body.strip():  # point at the first line of text, past blank lines after the fence
        body_line += len(body) - len(body.lstrip("\n"))
        body = body.lstrip("\n")
    data, lines = _load_front_matter(front, where, 2)
    problems: list[Problem] = []

    def line_of(key: str) -> int:
        return lines.get(key, 1)

    for key in ("id", "title"):
        if key not in data or data[key] in (None, ""):
            problems.append(Problem(where, 1, f"missing required key '{key}'"))
    article_id = str(data.get("id") or "").strip()
    # a blank id ("\u3000") is checked too: stripped to "", it named no file
    if data.get("id") not in (None, "") and (not ID_RE.match(article_id) or len(article_id) > 100):
        problems.append(
            Problem(where, line_of("id"), f"'id' must match [a-z0-9-]+, got {article_id!r}")
        )
    title = data.get("title")
    if title is not None and not isinstance(title, str | int | float):
        problems.append(Problem(where, line_of("title"), "'title' must be text"))
        title = ""
    title = " ".join(str(title or "").split())
    if not title and isinstance(data.get("title"), str) and data["title"]:
        # only spaces (e.g. U+3000): accepted, it was written back as '' and never parsed again
        problems.append(Problem(where, line_of("title"), "'title' has no visible text"))
    if len(title) > MAX_TITLE:
        problems.append(
            Problem(where, line_of("title"), f"'title' is longer than {MAX_TITLE} characters")
        )

    folder_lang, folder_category = _hints_from_path(path)
    lang = data.get("lang") or folder_lang
    if lang and not isinstance(lang, str):
        problems.append(
            Problem(where, line_of("lang"), "'lang' must be a language code such as en")
        )
        lang = None
    elif not lang:
        problems.append(
            Problem(where, 1, "missing 'lang' (and the file is not in a language folder)")
        )
    if lang and lang not in LANGUAGES:
        problems.append(
            Problem(
                where,
                line_of("lang"),
                f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}",
            )
        )
    elif lang and folder_lang in LANGUAGES and lang != folder_lang:
        problems.append(
            Problem(
                where,
                line_of("lang"),
                f"'lang' is {lang!r} but the file is in the {folder_lang!r} folder",
            )
        )

    category = data.get("category") or folder_category or "general"
    category = category.strip() if isinstance(category, str) else repr(category)
    if not CATEGORY_RE.match(category):
        problems.append(
            Problem(
                where, line_of("category"), f"'category' must match [a-z0-9-]+, got {category!r}"
            )
        )
    audience = data.get("audience") or "public"
    if not isinstance(audience, str) or audience not in AUDIENCES:
        problems.append(
            Problem(
                where,
                line_of("audience"),
                f"'audience' must be public or internal, not {audience!r}",
            )
        )
    questions = _as_str_list(
        data.get("questions"), "questions", where, line_of("questions"), problems
    )
    tags = _as_str_list(data.get("tags"), "tags", where, line_of("tags"), problems)
    review_by = _as_date(data.get("review_by"), where, line_of("review_by"), problems)

    short, _ = split_short_answer(body)
    if not short:
        problems.append(
            Problem(where, body_line, "empty short answer: the body needs a first paragraph")
        )
    elif _NOT_A_PARAGRAPH.match(short) or body.startswith(("    ", "\t")):
        problems.append(
            Problem(
                where, body_line, "the body must start with a plain paragraph (the short answer)"
            )
        )
    if problems:
        raise ArticleInvalid(problems)
    extra = {k: v for k, v in data.items() if k not in KNOWN_KEYS}
    return Article(
        id=article_id,
        lang=str(lang),
        title=title,
        body=body.strip("\n") + "\n",
        questions=questions,
        category=category,
        tags=tags,
        audience=str(audience),
        review_by=review_by,
        extra=extra,
        path=path,
        body_line=body_line,
    )


def serialise(article: Article) -> str:
    """Return the canonical file text of ``article``: front matter in a fixed order, then body."""
    data: dict[str, Any] = {"id": article.id, "title": article.title, "lang": article.lang}
    if article.questions:
        data["questions"] = list(article.questions)
    data["category"] = article.category
    if article.tags:
        data["tags"] = list(article.tags)
    data["audience"] = article.audience
    if article.review_by:
        data["review_by"] = article.review_by
    data.update(article.extra)
    return compose(data, article.body)


def compose(front: dict[str, Any], body: str) -> str:
    """Return an article file from front matter values and a Markdown body (not validated).

    The web editor builds files with this from its form fields; ``parse_article``
    then checks them exactly as it checks files on disk.
    """
    text = yaml.dump(
        front,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
    )
    body = body.replace("\r\n", "\n").strip("\n")  # keep leading indents and trailing hard breaks
    return f"---\n{text}---\n{body}\n"


def article_path(article: Article) -> str:
    """Return where ``article`` lives, relative to ``content/``: ``<lang>/<category>/<id>.md``."""
    return f"{article.lang}/{article.category}/{article.id}.md"


def kb_links(article: Article) -> Iterator[tuple[str, int]]:
    """Yield ``(target id, line number)`` for every ``kb:`` link in the body."""
    for match in KB_LINK_RE.finditer(article.body):
        target = match.group(1) if match.group(1) is not None else match.group(2)
        yield target, article.body_line + article.body.count("\n", 0, match.start())


# --- the content folder -------------------------------------------------------------


@dataclass
class Scan:
    """Everything found in ``content/``: the valid articles and the problems."""

    articles: list[Article | Unchanged]  # only Article unless scanned with ``known``
    problems: list[Problem]
    known: dict[str, Known] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


def article_paths(content_dir: Path) -> list[str]:
    """Return the article files below ``content_dir`` as POSIX paths relative to it, sorted.

    Names starting with ``_`` or ``.`` are skipped, folders included, and
    symbolic links to folders are not followed. The order is ``Path``'s (part
    by part), so "a/b.md" comes before "a-b.md" as it always did.
    """
    top = os.fspath(content_dir)
    found = []
    for folder, folders, names in os.walk(top):
        folders[:] = [name for name in folders if not name.startswith(("_", "."))]
        rel = os.path.relpath(folder, top)
        prefix = "" if rel == os.curdir else rel.replace(os.sep, "/") + "/"
        found.extend(
            prefix + name
            for name in names
            if name.endswith(".md") and not name.startswith(("_", "."))
        )
    return sorted(found, key=lambda rel: rel.split("/"))


def _read_text(content_dir: Path, rel: str) -> str:
    """Return the text of the article file at ``rel`` below ``content_dir``.

    Line ends are read as text mode reads them: CRLF and CR become LF.

    :raises ArticleInvalid: when the file is too large, not UTF-8 or unreadable
    """
    try:
        with open(os.path.join(content_dir, rel), "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ArticleInvalid(
                [Problem(rel, 1, f"file is larger than {MAX_FILE_BYTES // 1024} KiB")]
            )
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ArticleInvalid([Problem(rel, 1, "file is not valid UTF-8")]) from None
    except OSError as exc:
        raise ArticleInvalid([Problem(rel, 1, f"cannot read file: {exc.strerror}")]) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_article(content_dir: Path, path: Path) -> Article:
    """Read and parse one article file.

    :raises ArticleInvalid: when the file cannot be read or parsed
    """
    rel = path.relative_to(content_dir).as_posix()
    return parse_article(_read_text(content_dir, rel), path=rel)


# what parsing a file depends on besides its text and path: this module, the
# languages, the YAML library; a file digest names all of it
PARSER_VERSION = hashlib.sha256(
    Path(__file__).read_bytes()
    + Path(_lang_module.__file__).read_bytes()
    + f"{yaml.__version__} {_Loader.__name__} {_Dumper.__name__}".encode()
).hexdigest()[:16]


def file_digest(text: str) -> str:
    """Return the digest of a file's text as this version of the parser reads it."""
    return hashlib.sha256(f"{PARSER_VERSION}\0{text}".encode()).hexdigest()


@dataclass(frozen=True)
class Unchanged:
    """A file whose text is the one last parsed from it: its article's key and hash, unparsed."""

    key: str
    path: str
    content_hash: str

    @property
    def lang(self) -> str:
        return self.key.partition(":")[0]

    @property
    def id(self) -> str:
        return self.key.partition(":")[2]


@dataclass(frozen=True)
class Known:
    """What the last scan found in a file that parsed: its digest, article key and hash."""

    digest: str
    key: str
    content_hash: str


def scan(content_dir: Path, *, known: dict[str, Known] | None = None) -> Scan:
    """Parse every article under ``content_dir``; bad files are reported and skipped.

    Duplicate ``(id, lang)`` pairs keep the first file (in path order) and
    report the others.

    :param known: by path, what an earlier scan found in files that parsed.
        A file whose digest is the same is not parsed again: the scan lists
        it as ``Unchanged``, and ``Scan.known`` holds what to remember of
        this scan for the next one.
    """
    articles: list[Article | Unchanged] = []
    problems: list[Problem] = []
    found: dict[str, Known] = {}
    seen: dict[str, Article | Unchanged] = {}
    for rel in article_paths(content_dir):
        try:
            text = _read_text(content_dir, rel)
            digest = file_digest(text) if known is not None else ""
            before = known.get(rel) if known else None
            if before is not None and before.digest == digest:
                article: Article | Unchanged = Unchanged(before.key, rel, before.content_hash)
            else:
                article = parse_article(text, path=rel)
        except ArticleInvalid as exc:
            problems.extend(exc.problems)
            continue
        first = seen.get(article.key)
        if first is not None:
            problems.append(
                Problem(
                    rel,
                    1,
                    f"duplicate id {article.id!r} in {article.lang!r}: also in {first.path}",
                )
            )
            continue
        seen[article.key] = article
        articles.append(article)
        if known is not None:
            found[rel] = Known(digest, article.key, article.content_hash)
    return Scan(articles, problems, found)


def load_categories(content_dir: Path) -> dict[str, dict[str, str]]:
    """Return category display names, ``{slug: {lang: name}}``, from ``_meta/categories.yml``."""
    path = content_dir / "_meta" / "categories.yml"
    if not path.exists():
        return {}
    try:
        text = path.read_text("utf-8")
        _refuse_anchors_and_aliases(text)
        data = yaml.load(text, Loader=_Loader)
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(slug): {str(k): str(v) for k, v in names.items()}
        for slug, names in data.items()
        if isinstance(names, dict)
    }


def check_articles(
    articles: list[Article],
    *,
    categories: dict[str, dict[str, str]] | None = None,
    today: dt.date | None = None,
    source_lang: str = "en",
    ids: set[str] | None = None,
    source_ids: set[str] | None = None,
    phrases: Phrases | None = None,
) -> list[Problem]:
    """Check articles against each other: links, categories, review dates, translations, duplicates.

    :param articles: parsed articles (one per ``lang:id``)
    :param categories: known categories; ``None`` skips that check
    :param today: the date review dates are compared with
    :param source_lang: the language translations are made from
    :param ids: every article id links may point to (default: those of ``articles``)
    :param source_ids: ids that exist in ``source_lang`` (default: from ``articles``)
    :param phrases: titles and questions of other articles (``phrase_map`` of them), so
        the editor can check one article against the live ones without parsing them
    """
    today = today or dt.date.today()
    if ids is None:
        ids = {a.id for a in articles}
    if source_ids is None:
        source_ids = {a.id for a in articles if a.lang == source_lang}
    known = phrase_map(articles, start=phrases)
    problems = []
    for article in articles:
        where = article.path or article.key
        problems += _duplicates(article, known, where)
        for target, line in kb_links(article):
            if target not in ids:
                problems.append(
                    Problem(where, line, f"link to an article that does not exist: kb:{target}")
                )
        if categories is not None and article.category not in categories:
            problems.append(
                Problem(
                    where,
                    1,
                    f"category {article.category!r} is not in _meta/categories.yml",
                    "warning",
                )
            )
        if article.review_by and article.review_by < today:
            problems.append(
                Problem(
                    where, 1, f"review date {article.review_by.isoformat()} has passed", "warning"
                )
            )
        if article.lang != source_lang and article.id not in source_ids:
            problems.append(
                Problem(
                    where,
                    1,
                    f"translation of {article.id!r} has no {source_lang!r} source article",
                    "warning",
                )
            )
    return problems


def phrase_key(text: str, lang: str) -> str:
    """Return ``text`` as duplicates are compared: normalised, whitespace collapsed, casefolded."""
    return " ".join(normalise(text, lang).split()).casefold()


def phrase_map(items: Any, *, start: Phrases | None = None) -> Phrases:
    """Return ``{lang: {phrase key: article ids}}`` of the titles and questions of ``items``.

    :param items: articles or index entries (anything with id, lang, title, questions)
    :param start: phrases to extend (it is copied, not changed)
    """
    out = {lang: {k: set(ids) for k, ids in keys.items()} for lang, keys in (start or {}).items()}
    for item in items:
        keys = out.setdefault(item.lang, {})
        for text in (item.title, *item.questions):
            keys.setdefault(phrase_key(text, item.lang), set()).add(item.id)
    return out


def _duplicates(article: Article, known: Phrases, where: str) -> list[Problem]:
    """Warn when the title or a question of ``article`` is another article's title or question."""
    problems = []
    keys = known.get(article.lang, {})
    for kind, text in [("title", article.title), *(("question", q) for q in article.questions)]:
        others = sorted(keys.get(phrase_key(text, article.lang), set()) - {article.id})
        if others:
            names = ", ".join(repr(o) for o in others)
            problems.append(
                Problem(
                    where,
                    1,
                    f'{kind} "{text}" is also a title or question of {names} '
                    f"in {article.lang!r}: customers asking it get only one of them",
                    "warning",
                )
            )
    return problems


def check(
    content_dir: Path, *, today: dt.date | None = None, source_lang: str = "en"
) -> list[Problem]:
    """Validate the whole content folder; return every problem, errors first by path and line.

    :param content_dir: the ``content/`` folder
    :param today: the date review dates are compared with
    """
    result = scan(content_dir)
    categories = load_categories(content_dir)
    problems = result.problems + check_articles(
        result.articles,
        categories=categories or None,
        today=today,
        source_lang=source_lang,
    )
    problems += check_answer_test_files(content_dir, {a.key for a in result.articles})
    return sorted(problems, key=lambda p: (p.level != "error", p.path, p.line))


def read_question_set(path: Path) -> list[dict[str, str]]:
    """Read a question set (CSV or JSONL with ``question``, ``expected``, ``lang``).

    :raises ValueError: when the file is not in that shape
    """
    import json

    rows: list[dict[str, str]] = []
    text = path.read_text("utf-8-sig")  # spreadsheets save "CSV UTF-8" with a BOM
    if path.suffix == ".jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise ValueError(f"{path.name}:{n}: each line must be an object with a 'question'")
            rows.append(
                {
                    k: "" if item.get(k) is None else str(item.get(k))
                    for k in ("question", "expected", "lang")
                }
            )
        return rows
    reader = csv.DictReader(text.splitlines(keepends=True))  # keep newlines in quoted fields
    if not reader.fieldnames or "question" not in reader.fieldnames:
        raise ValueError(
            f"{path.name}: the CSV needs a header with 'question' (and 'expected', 'lang')"
        )
    for row in reader:
        rows.append({k: (row.get(k) or "").strip() for k in ("question", "expected", "lang")})
    return rows


def question_set_lines(path: Path) -> list[int]:
    """Return the line where each row of ``read_question_set(path)`` starts (same order)."""
    text = path.read_text("utf-8-sig")
    if path.suffix == ".jsonl":
        return [n for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    reader = csv.reader(text.splitlines(keepends=True))
    next(reader, None)  # the header
    lines, start = [], reader.line_num + 1
    for row in reader:
        if row:  # DictReader skips blank lines too
            lines.append(start)
        start = reader.line_num + 1
    return lines


def answer_test_files(content_dir: Path) -> list[Path]:
    """Return the files of ``content/_tests`` (every one should be a question set)."""
    folder = content_dir / "_tests"
    return sorted(folder.glob("*.*")) if folder.is_dir() else []


def check_answer_test_files(content_dir: Path, keys: set[str]) -> list[Problem]:
    """Check that answer tests in ``content/_tests`` name articles that exist."""
    problems = []
    for path in answer_test_files(content_dir):
        rel = path.relative_to(content_dir).as_posix()
        try:
            rows = read_question_set(path)
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(Problem(rel, 1, str(exc)))
            continue
        for n, row in zip(question_set_lines(path), rows, strict=False):
            if row["expected"] and f"{row['lang'] or 'en'}:{row['expected']}" not in keys:
                problems.append(
                    Problem(rel, n, f"expected article {row['expected']!r} does not exist")
                )
    return problems
