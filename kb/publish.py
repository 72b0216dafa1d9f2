"""Keep the derived state (revision history and index) in step with ``content/``.

``reconcile`` notices files that changed outside the app (a git pull, a text
editor), records them as revisions by ``external`` and updates the index
incrementally. ``rebuild`` builds a whole new index from the recorded
revisions. Both run under the index write lock, so several worker processes
starting at once do the work once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from kb import content, render, store
from kb.content import Article, Problem
from kb.index import Entry, SearchIndex

log = logging.getLogger(__name__)

EXTERNAL = "external"


def faq_url(lang: str, article_id: str) -> str:
    """Return the FAQ path of an article (the one URL scheme every channel links to)."""
    return f"/{lang}/articles/{article_id}"


def resolver(keys: set[str], lang: str, source_lang: str):
    """Return a ``kb:`` link resolver: same language if translated, else the source language."""

    def resolve(article_id: str) -> str | None:
        for code in (lang, source_lang):
            if f"{code}:{article_id}" in keys:
                return faq_url(code, article_id)
        return None

    return resolve


def make_entry(
    article: Article, revision: store.Revision, *, keys: set[str], source_lang: str
) -> Entry:
    """Render an article once and attach its revision receipt."""
    rendered = render.render(article, resolve=resolver(keys, article.lang, source_lang))
    return Entry(
        id=article.id,
        lang=article.lang,
        title=article.title,
        questions=article.questions,
        category=article.category,
        tags=article.tags,
        audience=article.audience,
        review_by=article.review_by.isoformat() if article.review_by else None,
        revision=revision.revision,
        content_hash=rendered.content_hash,
        updated_at=revision.created_at,
        summary_html=rendered.summary_html,
        summary_text=rendered.summary_text,
        detail_html=rendered.detail_html,
        html=rendered.html,
        text=rendered.text,
        path=revision.path or content.article_path(article),
        extra={k: v for k, v in article.extra.items() if isinstance(v, str | int | float | bool)},
    )


@dataclass
class ReconcileReport:
    """What a reconcile found and did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rebuilt: bool = False

    @property
    def touched(self) -> list[str]:
        return self.added + self.changed + self.retired


def _live_articles(db: sqlite_utils.Database) -> dict[str, tuple[Article, store.Revision]]:
    """Return the latest recorded, non-retired article for every key."""
    live = {}
    for key, rev in store.latest_revisions(db).items():
        if rev.retired or rev.text is None:
            continue
        try:
            live[key] = (content.parse_article(rev.text, path=rev.path), rev)
        except content.ArticleInvalid:  # recorded texts were valid when recorded; be safe anyway
            log.error("recorded revision %s r%s no longer parses; skipped", key, rev.revision)
    return live


def _entries(live: dict[str, tuple[Article, store.Revision]], source_lang: str) -> list[Entry]:
    keys = set(live)
    return [make_entry(a, rev, keys=keys, source_lang=source_lang) for a, rev in live.values()]


def record_external_changes(content_dir: Path, db: sqlite_utils.Database) -> ReconcileReport:
    """Compare ``content/`` with the latest revisions; record what changed as ``external``.

    A file that no longer parses keeps its last good revision (it is reported,
    not retired), so one bad edit never takes an answer off the channels.
    """
    result = content.scan(content_dir)
    report = ReconcileReport(problems=result.problems)
    broken_paths = {p.path for p in result.problems}
    with store.immediate(db):
        latest = store.latest_revisions(db)
        for article in result.articles:
            rev = latest.get(article.key)
            digest = article.content_hash
            if rev is not None and not rev.retired and rev.content_hash == digest:
                continue
            store.record_revision(
                db,
                article_id=article.id,
                lang=article.lang,
                action=EXTERNAL,
                author=EXTERNAL,
                content_hash=digest,
                text=content.serialise(article),
                path=article.path,
                note="changed outside the app" if rev and not rev.retired else "new file",
            )
            (report.changed if rev and not rev.retired else report.added).append(article.key)
        present = {a.key for a in result.articles}
        for key, rev in latest.items():
            if rev.retired or key in present or rev.path in broken_paths:
                continue
            store.record_revision(
                db,
                article_id=rev.article_id,
                lang=rev.lang,
                action="retire",
                author=EXTERNAL,
                path=rev.path,
                note="file deleted outside the app",
            )
            report.retired.append(key)
    return report


def rebuild(index: SearchIndex, db: sqlite_utils.Database, *, source_lang: str = "en") -> int:
    """Build a fresh index from the latest recorded revisions; return the document count."""
    return index.build(_entries(_live_articles(db), source_lang))


def reconcile(
    content_dir: Path,
    db: sqlite_utils.Database,
    index: SearchIndex,
    *,
    source_lang: str = "en",
    full: bool = False,
) -> ReconcileReport:
    """Bring history and index in step with ``content/``.

    :param full: rebuild the whole index even when an incremental update would do
    """
    with index.write_lock():
        report = record_external_changes(content_dir, db)
        if full or not index.exists():
            rebuild(index, db, source_lang=source_lang)
            report.rebuilt = True
        elif report.touched:
            live = _live_articles(db)
            keys = set(live)
            entries = [
                make_entry(a, rev, keys=keys, source_lang=source_lang)
                for key, (a, rev) in live.items()
                if key in report.added or key in report.changed
            ]
            index.update(entries, delete_keys=report.retired)
    for problem in report.problems:
        log.warning("content problem: %s", problem)
    return report
