"""Typed domain errors. One handler in ``kb.web.errors`` turns them into HTML or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.content import Problem


class KBError(Exception):
    """Base of every error the domain raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)

    @property
    def message(self) -> str:
        return str(self.args[0])


class BadRequest(KBError):
    """The request is not valid."""


class ArticleNotFound(KBError):
    """No such article."""

    status = 404
    code = "not_found"


class ArticleInvalid(KBError):
    """The article file is not valid."""

    status = 422
    code = "invalid_article"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class UnknownLanguage(KBError):
    """That language is not supported."""

    status = 400
    code = "unknown_language"


class IndexUnavailable(KBError):
    """The search index is being rebuilt; try again in a moment."""

    status = 503
    code = "index_unavailable"


class ReadOnlyNode(KBError):
    """This node is a read replica: publish on the primary, and `kb sync` brings the change here."""

    status = 403
    code = "read_only_node"


class SyncFailed(KBError):
    """Bringing content/ up to date with its git remote failed."""

    status = 500
    code = "sync_failed"


class WriteFailed(KBError):
    """A file or the database could not be written (a full disk, permissions); nothing was changed."""

    status = 507
    code = "write_failed"
