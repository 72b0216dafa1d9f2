"""Which translations are outdated: derived from the revision history, never stored twice.

A translation is in step with the source-language revision that was current
when the translation's latest revision was recorded, or with the revision an
editor confirmed it against. When the source gets a newer revision that
changed its content (a ``verify`` only moves the review date), the
translation is outdated until it is updated or confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from kb import store

# actions that change what an article says (a verify only sets a new review date)
CONTENT_ACTIONS = frozenset({"external", "publish", "rollback"})


@dataclass(frozen=True)
class TranslationState:
    """How a translation relates to its source article."""

    article_id: str
    lang: str
    source_revision: int  # the source's newest revision that changed its content
    synced_revision: int  # the source revision this translation was written or confirmed against

    @property
    def key(self) -> str:
        return f"{self.lang}:{self.article_id}"

    @property
    def outdated(self) -> bool:
        return self.source_revision > self.synced_revision


def states(
    db: sqlite_utils.Database, source_lang: str, article_id: str | None = None
) -> dict[str, TranslationState]:
    """Return the state of every live translation whose source article is live, keyed ``lang:id``.

    :param article_id: only the translations of this article
    """
    source_latest: dict[str, int] = {}
    source_content: dict[str, int] = {}
    source_live: dict[str, bool] = {}
    synced: dict[str, tuple[str, str, int]] = {}
    for stamp in store.revision_stamps(db, article_id):
        if stamp.lang == source_lang:
            source_live[stamp.article_id] = stamp.action != "retire"
            if stamp.action != "retire":
                source_latest[stamp.article_id] = stamp.revision
                if stamp.action in CONTENT_ACTIONS:
                    source_content[stamp.article_id] = stamp.revision
            continue
        key = f"{stamp.lang}:{stamp.article_id}"
        if stamp.action == "retire":
            synced.pop(key, None)
        else:
            synced[key] = (stamp.article_id, stamp.lang, source_latest.get(stamp.article_id, 0))
    checks = store.translation_checks(db, article_id)
    out = {}
    for key, (aid, lang, at_write) in synced.items():
        if not source_live.get(aid):
            continue
        out[key] = TranslationState(
            article_id=aid,
            lang=lang,
            source_revision=source_content.get(aid, 0),
            synced_revision=max(at_write, checks.get(key, 0)),
        )
    return out


def outdated_keys(
    db: sqlite_utils.Database, source_lang: str, article_id: str | None = None
) -> set[str]:
    """Return the ``lang:id`` keys of outdated translations."""
    return {key for key, state in states(db, source_lang, article_id).items() if state.outdated}
