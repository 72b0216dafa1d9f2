"""Feedback: customers' "was this helpful?" votes and agents' flags, stored with the revision.

A vote names the ``ref`` an answer (or FAQ article page) came with; the
journal knows which article revision that was, so a vote can only be about
what was really served, and counts once per ref (a later vote replaces the
first). Agents flag an article revision from the sidebar as wrong, outdated
or unclear. Votes are rate limited per client (a keyed hash of the address,
never the address itself).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

import sqlite_utils

from kb import journal, store
from kb.errors import ArticleNotFound, BadRequest, KBError

VOTE_REASONS = ("incorrect", "outdated", "unclear", "not_my_question", "other")
FLAG_REASONS = ("wrong", "outdated", "unclear")
MAX_COMMENT = 1000
RATE_WINDOW = dt.timedelta(minutes=10)
RATE_LIMIT = 30  # votes per client per window


class RateLimited(KBError):
    """Too much feedback from here; try again in a few minutes."""

    status = 429
    code = "rate_limited"


@dataclass(frozen=True)
class Feedback:
    id: int
    at: str
    ref: str | None
    channel: str
    kind: str  # vote / flag
    article_id: str
    lang: str
    revision: int
    helpful: int | None
    reason: str
    comment: str
    author: str
    resolved_at: str | None
    resolved_by: str | None


FEEDBACK_COLUMNS = (
    "id, at, ref, channel, kind, article_id, lang, revision, helpful, reason, comment, "
    "author, resolved_at, resolved_by"
)


def client_key(address: str, secret: str) -> str:
    """Return a keyed hash of a client address: enough to rate limit, useless to identify."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:24]


def _comment(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest("'comment' must be a string")
    value = value.strip()
    if len(value) > MAX_COMMENT:
        raise BadRequest(f"'comment' is longer than {MAX_COMMENT} characters")
    return value


def _reason(value: object, allowed: tuple[str, ...], *, required: bool = False) -> str:
    if value in (None, ""):
        if required:
            raise BadRequest(f"'reason' is required: one of {', '.join(allowed)}")
        return ""
    if value not in allowed:
        raise BadRequest(f"'reason' must be one of {', '.join(allowed)}")
    return str(value)


def vote(
    db: sqlite_utils.Database,
    *,
    ref: object,
    helpful: object,
    reason: object = None,
    comment: object = None,
    client: str,
    article_id: object = None,
    revision: object = None,
    now: dt.datetime | None = None,
) -> Feedback:
    """Record "was this helpful?" for the answer ``ref``; return the stored vote.

    :param client: ``client_key`` of the sender, for the rate limit
    :param article_id: optional; when given it must be the article ``ref`` served
    :param revision: optional; when given it must be the revision ``ref`` served
    :raises BadRequest: on a missing or ill-typed field, or a mismatch with what was served
    :raises ArticleNotFound: when ``ref`` is unknown or served no article
    :raises RateLimited: after ``RATE_LIMIT`` votes from ``client`` within ``RATE_WINDOW``
    """
    if not isinstance(ref, str) or not ref or len(ref) > 64:
        raise BadRequest("'ref' must be the reference returned with the answer")
    if not isinstance(helpful, bool):
        raise BadRequest("'helpful' must be true or false")
    reason_text = _reason(reason, VOTE_REASONS)
    if helpful:
        reason_text = ""  # a reason explains a "no": checked either way, kept only with one
    text = _comment(comment)
    ask = journal.get_ask(db, ref)
    if ask is None or ask.article_id is None or ask.revision is None:
        raise ArticleNotFound("no answer with that reference served an article")
    if article_id is not None and article_id != ask.article_id:
        raise BadRequest(f"reference {ref} served {ask.article_id!r}, not {article_id!r}")
    if revision is not None and (
        isinstance(revision, bool) or not isinstance(revision, int) or revision != ask.revision
    ):
        raise BadRequest(f"reference {ref} served revision {ask.revision}, not {revision!r}")
    now = now or dt.datetime.now(dt.UTC)
    with store.immediate(db):
        recent = db.execute(
            "SELECT COUNT(*) FROM feedback WHERE client = ? AND kind = 'vote' AND at >= ?",
            [client, journal.utc_iso(now - RATE_WINDOW)],
        ).fetchone()[0]
        if recent >= RATE_LIMIT:
            raise RateLimited()
        db.execute(
            """INSERT INTO feedback (at, ref, channel, kind, article_id, lang, revision,
                                     helpful, reason, comment, client)
               VALUES (?, ?, ?, 'vote', ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (ref) WHERE kind = 'vote' DO UPDATE SET
                 at = excluded.at, helpful = excluded.helpful, reason = excluded.reason,
                 comment = excluded.comment, client = excluded.client""",
            [
                journal.utc_iso(now),
                ref,
                ask.channel,
                ask.article_id,
                ask.article_lang,
                ask.revision,
                int(helpful),
                reason_text,
                text,
                client,
            ],
        )
    row = db.execute(
        f"SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE ref = ? AND kind = 'vote'", [ref]
    ).fetchone()
    return Feedback(*row)


def flag(
    db: sqlite_utils.Database,
    *,
    article_id: str,
    lang: str,
    revision: object,
    current_revision: int,
    reason: object,
    comment: object,
    author: str,
    ref: str | None = None,
    now: dt.datetime | None = None,
) -> Feedback:
    """Record an agent's flag on an article revision; return it.

    :param current_revision: the article's live revision (a flag cannot name a future one)
    :raises BadRequest: on an unknown reason, a bad revision or an oversized comment
    """
    reason_text = _reason(reason, FLAG_REASONS, required=True)
    text = _comment(comment)
    try:
        number = int(revision)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadRequest("'revision' must be a whole number") from None
    if not 1 <= number <= current_revision:
        raise BadRequest(f"revision {number} of {lang}:{article_id} does not exist")
    if ref is not None and len(ref) > 64:
        raise BadRequest("'ref' is too long")
    with store.immediate(db):
        cursor = db.execute(
            """INSERT INTO feedback (at, ref, channel, kind, article_id, lang, revision,
                                     reason, comment, author)
               VALUES (?, ?, 'sidebar', 'flag', ?, ?, ?, ?, ?, ?)""",
            [
                journal.utc_iso(now),
                ref or None,
                article_id,
                lang,
                number,
                reason_text,
                text,
                author,
            ],
        )
    row = db.execute(
        f"SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE id = ?", [cursor.lastrowid]
    ).fetchone()
    return Feedback(*row)


def resolve(db: sqlite_utils.Database, feedback_id: int, by: str) -> None:
    """Mark a flag or a "no" vote as dealt with.

    :raises ArticleNotFound: when there is no such feedback
    """
    if not 0 < feedback_id <= store.MAX_INTEGER:  # a URL can name any number; SQLite cannot
        raise ArticleNotFound(f"no feedback #{feedback_id}")
    with store.immediate(db):
        cursor = db.execute(
            "UPDATE feedback SET resolved_at = ?, resolved_by = ? WHERE id = ? AND resolved_at IS NULL",
            [journal.utc_iso(), by, feedback_id],
        )
        if (
            cursor.rowcount == 0
            and not db.execute("SELECT 1 FROM feedback WHERE id = ?", [feedback_id]).fetchone()
        ):
            raise ArticleNotFound(f"no feedback #{feedback_id}")


def open_items(db: sqlite_utils.Database, *, limit: int = 500) -> list[Feedback]:
    """Return unresolved flags and "no" votes, newest first (the fix-next queue)."""
    rows = db.execute(
        f"""SELECT {FEEDBACK_COLUMNS} FROM feedback
            WHERE resolved_at IS NULL AND (kind = 'flag' OR helpful = 0)
            ORDER BY at DESC LIMIT ?""",
        [limit],
    ).fetchall()
    return [Feedback(*row) for row in rows]


def for_article(db: sqlite_utils.Database, article_id: str, lang: str) -> list[Feedback]:
    """Return every vote and flag on one article, newest first."""
    rows = db.execute(
        f"""SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE article_id = ? AND lang = ?
            ORDER BY at DESC LIMIT 1000""",
        [article_id, lang],
    ).fetchall()
    return [Feedback(*row) for row in rows]
