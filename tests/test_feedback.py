"""Feedback: votes tied to the revision a ref served, validation, limits, flags, the queue."""

from __future__ import annotations

import datetime as dt

import pytest

from kb import feedback, journal
from kb.errors import ArticleNotFound, BadRequest
from tests.test_journal import ask


@pytest.fixture
def jdb(tmp_path):
    db = journal.connect(tmp_path / "j.sqlite")
    journal.write(
        db,
        [
            ask("r1", revision=3),
            ask(
                "handoff",
                status="no_answer",
                article_id=None,
                article_lang=None,
                revision=None,
                content_hash=None,
            ),
        ],
    )
    return db


def test_a_vote_is_stored_with_the_revision_its_ref_served(jdb):
    stored = feedback.vote(
        jdb, ref="r1", helpful=False, reason="outdated", comment=" old ", client="c"
    )
    assert (stored.article_id, stored.lang, stored.revision) == ("track-order", "en", 3)
    assert (stored.helpful, stored.reason, stored.comment) == (0, "outdated", "old")


def test_one_vote_per_ref_the_last_one_counts(jdb):
    feedback.vote(jdb, ref="r1", helpful=False, client="c")
    feedback.vote(jdb, ref="r1", helpful=True, client="c")
    rows = jdb.execute("SELECT helpful FROM feedback WHERE kind = 'vote'").fetchall()
    assert rows == [(1,)]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ref": None, "helpful": True}, "'ref'"),
        ({"ref": 5, "helpful": True}, "'ref'"),
        ({"ref": "x" * 65, "helpful": True}, "'ref'"),
        ({"ref": "r1", "helpful": "yes"}, "'helpful' must be true or false"),
        ({"ref": "r1", "helpful": 1}, "'helpful' must be true or false"),
        ({"ref": "r1", "helpful": False, "reason": "because"}, "'reason' must be one of"),
        ({"ref": "r1", "helpful": True, "reason": "because"}, "'reason' must be one of"),
        ({"ref": "r1", "helpful": True, "reason": 5}, "'reason' must be one of"),
        ({"ref": "r1", "helpful": False, "comment": ["x"]}, "'comment' must be a string"),
        ({"ref": "r1", "helpful": False, "comment": "x" * 1001}, "longer than 1000"),
        ({"ref": "r1", "helpful": True, "article_id": "other"}, "served 'track-order'"),
        ({"ref": "r1", "helpful": True, "revision": 2}, "served revision 3"),
        ({"ref": "r1", "helpful": True, "revision": True}, "served revision 3"),
    ],
)
def test_bad_votes_say_what_is_wrong(jdb, fields, message):
    with pytest.raises(BadRequest, match=message):
        feedback.vote(jdb, client="c", **fields)
    assert jdb.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 0


def test_unknown_refs_and_handoffs_cannot_be_voted_on(jdb):
    with pytest.raises(ArticleNotFound):
        feedback.vote(jdb, ref="never-served", helpful=True, client="c")
    with pytest.raises(ArticleNotFound):
        feedback.vote(jdb, ref="handoff", helpful=True, client="c")


def test_votes_are_rate_limited_per_client(jdb):
    now = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    journal.write(jdb, [ask(f"q{i}") for i in range(feedback.RATE_LIMIT + 1)])
    for i in range(feedback.RATE_LIMIT):
        feedback.vote(jdb, ref=f"q{i}", helpful=True, client="busy", now=now)
    with pytest.raises(feedback.RateLimited):
        feedback.vote(jdb, ref=f"q{feedback.RATE_LIMIT}", helpful=True, client="busy", now=now)
    # another client, and the same client after the window, are fine
    feedback.vote(jdb, ref=f"q{feedback.RATE_LIMIT}", helpful=True, client="other", now=now)
    later = now + feedback.RATE_WINDOW + dt.timedelta(seconds=1)
    feedback.vote(jdb, ref="q0", helpful=False, client="busy", now=later)


def test_client_key_hides_the_address():
    key = feedback.client_key("203.0.113.7", "secret")
    assert "203" not in key and key == feedback.client_key("203.0.113.7", "secret")
    assert key != feedback.client_key("203.0.113.7", "other-secret")


def test_flags_need_a_known_reason_and_a_real_revision(jdb):
    common = {"article_id": "track-order", "lang": "en", "current_revision": 3, "author": "agent1"}
    stored = feedback.flag(jdb, revision="2", reason="outdated", comment="fee changed", **common)
    assert (stored.kind, stored.revision, stored.author) == ("flag", 2, "agent1")
    with pytest.raises(BadRequest, match="'reason' is required"):
        feedback.flag(jdb, revision=3, reason=None, comment="", **common)
    with pytest.raises(BadRequest, match="does not exist"):
        feedback.flag(jdb, revision=4, reason="wrong", comment="", **common)
    with pytest.raises(BadRequest, match="whole number"):
        feedback.flag(jdb, revision="r3", reason="wrong", comment="", **common)


def test_the_queue_holds_open_flags_and_no_votes_until_resolved(jdb):
    feedback.vote(jdb, ref="r1", helpful=False, client="c")
    journal.write(jdb, [ask("r2")])
    feedback.vote(jdb, ref="r2", helpful=True, client="c")
    flagged = feedback.flag(
        jdb,
        article_id="track-order",
        lang="en",
        revision=3,
        current_revision=3,
        reason="wrong",
        comment="",
        author="a",
    )
    items = feedback.open_items(jdb)
    assert {(i.kind, i.helpful) for i in items} == {("vote", 0), ("flag", None)}
    feedback.resolve(jdb, flagged.id, "editor1")
    assert [i.kind for i in feedback.open_items(jdb)] == ["vote"]
    with pytest.raises(ArticleNotFound):
        feedback.resolve(jdb, 999, "editor1")
