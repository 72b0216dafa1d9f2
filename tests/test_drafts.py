"""Drafts and proposals: kept in SQLite, never served, approved or rejected by publishers."""

from __future__ import annotations

import pytest

from kb import drafts, publish, store
from kb.content import ArticleInvalid
from kb.errors import BadRequest
from tests.conftest import REFUND_TEXT as TEXT

CHANNELS = (
    "/en/articles/refund-time",
    "/en/search?q=secret+draft",
    "/en/categories/refunds",
    "/api/v1/answer?q=secret+draft&lang=en",
    "/api/v1/search?q=secret+draft&lang=en",
    "/api/v1/articles/refund-time?lang=en",
)


def assert_invisible(kb, marker="SECRET"):
    assert marker not in (kb.content_dir / "en/refunds/refund-time.md").read_text()
    client = kb.app.test_client()
    for url in CHANNELS:
        assert marker not in client.get(url).get_data(as_text=True), url


SECRET = TEXT.replace("Five days.", "SECRET DRAFT.")


def propose(kb, text=SECRET, base=1, author="ed", **kw):
    return drafts.propose(kb.db, text=text, base_revision=base, author=author, note="idea", **kw)


def test_proposal_is_stored_not_published(kb):
    proposal = propose(kb)
    assert store.get_draft(kb.db, proposal).status == "proposed"
    assert_invisible(kb)


def test_draft_may_be_incomplete_and_is_never_served(kb):
    draft = drafts.save(
        kb.db,
        text="---\nid: refund-time\ntitle: [unclosed\n---\nSECRET half",
        base_revision=1,
        author="ed",
        article_id="refund-time",
        lang="en",
    )
    again = drafts.save(
        kb.db,
        text=TEXT.replace("Five days.", "SECRET DRAFT."),
        base_revision=1,
        author="ed",
        draft_id=draft,
        article_id="refund-time",
        lang="en",
    )
    assert again == draft
    assert store.get_draft(kb.db, draft).status == "draft"
    assert_invisible(kb)


def test_only_the_author_may_overwrite_a_draft(kb):
    draft = drafts.save(
        kb.db, text=TEXT, base_revision=1, author="ed", article_id="refund-time", lang="en"
    )
    with pytest.raises(BadRequest):
        drafts.save(
            kb.db,
            text=TEXT,
            base_revision=1,
            author="mallory",
            draft_id=draft,
            article_id="refund-time",
            lang="en",
        )
    with pytest.raises(BadRequest):
        drafts.withdraw(kb.db, draft_id=draft, author="mallory")


def test_invalid_proposal_is_refused(kb):
    with pytest.raises(ArticleInvalid):
        propose(kb, text="no front matter")


def test_approve_publishes_with_the_author_and_records_the_approver(kb):
    proposal = propose(kb, text=TEXT.replace("Five days.", "Three days."))
    done = drafts.approve(kb.content_dir, kb.db, kb.index, draft_id=proposal, publisher="pat")
    assert (done.revision.revision, done.revision.author) == (2, "ed")
    assert done.revision.note == "idea (approved by pat)"
    assert kb.engine.article("refund-time", "en").summary_text == "Three days."
    closed = store.get_draft(kb.db, proposal)
    assert (closed.status, closed.decided_by) == ("approved", "pat")
    with pytest.raises(drafts.DraftClosed):
        drafts.approve(kb.content_dir, kb.db, kb.index, draft_id=proposal, publisher="pat")


def test_approving_a_stale_proposal_is_a_conflict_and_keeps_it_open(kb):
    proposal = propose(kb, text=TEXT.replace("Five days.", "Three days."))
    publish.publish(
        kb.content_dir,
        kb.db,
        kb.index,
        text=TEXT.replace("Five days.", "Four days."),
        base_revision=1,
        author="pat",
        note="policy",
    )
    with pytest.raises(publish.Conflict):
        drafts.approve(kb.content_dir, kb.db, kb.index, draft_id=proposal, publisher="pat")
    assert store.get_draft(kb.db, proposal).status == "proposed"
    assert kb.engine.article("refund-time", "en").summary_text == "Four days."


def test_reject_needs_a_reason_and_closes_the_proposal(kb):
    proposal = propose(kb)
    with pytest.raises(BadRequest):
        drafts.reject(kb.db, draft_id=proposal, publisher="pat", reason=" ")
    drafts.reject(kb.db, draft_id=proposal, publisher="pat", reason="not our policy")
    assert store.get_draft(kb.db, proposal).status == "rejected"
    with pytest.raises(drafts.DraftClosed):
        drafts.approve(kb.content_dir, kb.db, kb.index, draft_id=proposal, publisher="pat")
    assert_invisible(kb)


def test_a_draft_must_be_proposed_before_approval(kb):
    draft = drafts.save(
        kb.db, text=TEXT, base_revision=1, author="ed", article_id="refund-time", lang="en"
    )
    with pytest.raises(drafts.DraftClosed):
        drafts.approve(kb.content_dir, kb.db, kb.index, draft_id=draft, publisher="pat")
    assert propose(kb, draft_id=draft) == draft
    assert store.get_draft(kb.db, draft).status == "proposed"
