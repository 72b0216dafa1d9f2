"""Drafts and proposals: unpublished changes kept in SQLite, never in ``content/``.

An editor saves a draft (private work, may be incomplete) and proposes it; a
publisher approves a proposal (it is published through ``kb.publish`` with
the usual conflict check) or rejects it. No channel ever reads this table.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from kb import content, publish, store
from kb.errors import ArticleNotFound, BadRequest, KBError
from kb.index import SearchIndex
from kb.publish import Published


class DraftClosed(KBError):
    """The draft was already published, rejected or withdrawn."""

    status = 409
    code = "draft_closed"


def get_open(db: sqlite_utils.Database, draft_id: int) -> store.Draft:
    """Return an open draft or proposal.

    :raises ArticleNotFound: when there is none with that id
    :raises DraftClosed: when it was decided already
    """
    draft = store.get_draft(db, draft_id)
    if draft is None:
        raise ArticleNotFound(f"no draft {draft_id}")
    if not draft.is_open:
        raise DraftClosed(f"draft {draft_id} was {draft.status} by {draft.decided_by}")
    return draft


def _owned(db: sqlite_utils.Database, draft_id: int | None, author: str) -> store.Draft | None:
    if draft_id is None:
        return None
    draft = get_open(db, draft_id)
    if draft.author != author:
        raise BadRequest(f"draft {draft_id} belongs to {draft.author}; start your own")
    return draft


def _put(
    db: sqlite_utils.Database,
    draft: store.Draft | None,
    *,
    status: str,
    article_id: str,
    lang: str,
    base_revision: int,
    text: str,
    author: str,
    note: str,
) -> int:
    """Overwrite the author's open ``draft``, or add a new one; return its id."""
    if draft is not None:
        store.update_draft(
            db,
            draft.id,
            text=text,
            note=note,
            base_revision=base_revision,
            status=status,
            article_id=article_id,
            lang=lang,
        )
        return draft.id
    return store.add_draft(
        db,
        article_id=article_id,
        lang=lang,
        base_revision=base_revision,
        text=text,
        author=author,
        note=note,
        status=status,
    )


def save(
    db: sqlite_utils.Database,
    *,
    text: str,
    base_revision: int,
    author: str,
    note: str = "",
    draft_id: int | None = None,
    article_id: str,
    lang: str,
) -> int:
    """Save work in progress (it need not be valid yet); return the draft id.

    :param draft_id: the author's open draft to overwrite, or None for a new one
    """
    if not isinstance(text, str) or len(text.encode("utf-8")) > content.MAX_FILE_BYTES:
        raise BadRequest(f"the article must be text of at most {content.MAX_FILE_BYTES} bytes")
    with store.immediate(db):
        return _put(
            db,
            _owned(db, draft_id, author),
            status=store.DRAFT,
            article_id=article_id,
            lang=lang,
            base_revision=base_revision,
            text=text,
            author=author,
            note=note[: publish.MAX_NOTE],
        )


def propose(
    db: sqlite_utils.Database,
    *,
    text: str,
    base_revision: int,
    author: str,
    note: str,
    expect: tuple[str, str] | None = None,
    draft_id: int | None = None,
) -> int:
    """File a proposal for a publisher to review; return its id.

    :raises ArticleInvalid: when the text does not parse
    :raises Conflict: when the article changed since ``base_revision``
    """
    article, note = publish.validate_submission(text, note, expect)
    canonical = content.serialise(article)
    with store.immediate(db):
        publish.check_base(db, article.key, base_revision)
        proposal = _put(
            db,
            _owned(db, draft_id, author),
            status=store.PROPOSED,
            article_id=article.id,
            lang=article.lang,
            base_revision=base_revision,
            text=canonical,
            author=author,
            note=note,
        )
        store.audit(
            db,
            actor=author,
            action="article.propose",
            target=article.key,
            detail=f"proposal {proposal}: {note}",
        )
    return proposal


def approve(
    content_dir: Path,
    db: sqlite_utils.Database,
    index: SearchIndex,
    *,
    draft_id: int,
    publisher: str,
    source_lang: str = "en",
) -> Published:
    """Publish a proposal as its author wrote it; the publisher is recorded as approver.

    :raises DraftClosed: when it is not an open proposal
    :raises Conflict: when the article changed since the proposal's base revision
    """
    draft = get_open(db, draft_id)
    if draft.status != store.PROPOSED:
        raise DraftClosed(f"draft {draft_id} has not been proposed yet")
    done = publish.publish(
        content_dir,
        db,
        index,
        text=draft.text,
        base_revision=draft.base_revision,
        author=draft.author,
        note=f"{draft.note} (approved by {publisher})"[: publish.MAX_NOTE],
        source_lang=source_lang,
        expect=(draft.article_id, draft.lang),
    )
    with store.immediate(db):
        store.decide_draft(db, draft_id, status=store.APPROVED, by=publisher)
        store.audit(
            db,
            actor=publisher,
            action="proposal.approve",
            target=draft.key,
            detail=f"proposal {draft_id} by {draft.author} -> r{done.revision.revision}",
        )
    return done


def reject(db: sqlite_utils.Database, *, draft_id: int, publisher: str, reason: str) -> None:
    """Close a proposal without publishing it, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest("say why the proposal is rejected, so its author can fix it")
    with store.immediate(db):
        draft = get_open(db, draft_id)
        store.decide_draft(
            db, draft_id, status=store.REJECTED, by=publisher, note=reason[: publish.MAX_NOTE]
        )
        store.audit(
            db,
            actor=publisher,
            action="proposal.reject",
            target=draft.key,
            detail=f"proposal {draft_id} by {draft.author}: {reason[: publish.MAX_NOTE]}",
        )


def withdraw(db: sqlite_utils.Database, *, draft_id: int, author: str) -> None:
    """Let an author discard their own draft or proposal."""
    with store.immediate(db):
        draft = _owned(db, draft_id, author)
        store.decide_draft(db, draft.id, status=store.WITHDRAWN, by=author)
