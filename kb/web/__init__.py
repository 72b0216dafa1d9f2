"""The channels: thin blueprints over ``kb.answers``, plus what every page shares."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app, g, has_request_context, request

from kb import answer_tests, content, i18n, journal, publish, store
from kb import lang as langs
from kb.answers import PUBLIC, Answer, AnswerEngine, engine_options
from kb.errors import ArticleNotFound, ReadOnlyNode, UnknownLanguage
from kb.index import SearchIndex

T = TypeVar("T")
# an answer ref younger than this may still be queued for the journal (a worker under load)
FRESH_REF_SECONDS = 10.0


class KnowledgeBase:
    """What one app holds: paths, the index and the answer engine.

    :param config: the Flask config (paths already resolved)
    """

    def __init__(self, config) -> None:
        self.content_dir: Path = config["CONTENT_DIR"]
        self.data_dir: Path = config["DATA_DIR"]
        self.db_path = self.data_dir / "kb.sqlite"
        self.source_lang: str = config["SOURCE_LANG"]
        self.index = SearchIndex(
            self.data_dir / "index",
            rebuild=self._rebuild,
            merge_in_background=bool(config["MERGE_IN_BACKGROUND"]),
        )
        options = engine_options(config)
        self.engine = AnswerEngine(
            self.index,
            cache_size=int(config["ANSWER_CACHE_SIZE"]),
            withhold_expired=bool(config["WITHHOLD_EXPIRED"]),
            **options,
        )
        # what-if runs of content/_tests for the editor, with the same answer settings
        self.answer_tests = answer_tests.AnswerTests(
            self.content_dir,
            default_lang=config["DEFAULT_LANG"],
            source_lang=self.source_lang,
            **options,
        )
        self.categories: dict[str, dict[str, str]] = {}
        self.journal_path = self.data_dir / "journal.sqlite"
        self.recorder = journal.Recorder(self.journal_path) if config["RECORD_QUESTIONS"] else None
        self.ref_key = str(config["SECRET_KEY"]).encode()  # signs answer refs (journal.new_ref)
        self.retention_days = int(config["RETENTION_DAYS"])
        self.read_only = bool(config["READ_ONLY"])
        self.last_reconcile: publish.ReconcileReport | None = None
        self._local = threading.local()

    def connect(self):
        """Open a new SQLite connection (one per thread or request)."""
        return store.connect(self.db_path)

    def thread_db(self):
        """Return this thread's SQLite connection, opened once and kept for its requests.

        Opening a connection costs more than the query a signed-in request
        needs (four PRAGMAs and a file open, about 0.3 ms), so each thread keeps
        one. A forked worker opens its own: a connection never crosses a fork.
        """
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.db, local.pid = self.connect(), os.getpid()
        return local.db

    def connect_journal(self):
        """Open a new connection to the journal (questions asked, feedback)."""
        return journal.connect(self.journal_path)

    def ask(
        self, question: str, lang: str, *, channel: str, audience: str = PUBLIC, **options
    ) -> tuple[Answer, str]:
        """Answer ``question`` for a channel and record it; return the answer and its ref.

        Every channel asks through here, so every question is recorded the
        same way. Recording only queues the row (see ``journal.Recorder``).
        """
        started = time.perf_counter()
        answer = self.engine.answer(question, lang, audience=audience, **options)
        elapsed = 1000 * (time.perf_counter() - started)
        return answer, self.record(answer, channel=channel, audience=audience, latency_ms=elapsed)

    def record(
        self, answer: Answer, *, channel: str, audience: str = PUBLIC, latency_ms: float = 0.0
    ) -> str:
        """Record an answer a channel served; return its ref (also when recording is off)."""
        entry = answer.entry
        return self._record(
            channel=channel,
            kind="question",
            lang=answer.lang,
            query=answer.normalised,
            status=answer.status,
            article_id=entry.id if entry else None,
            article_lang=entry.lang if entry else None,
            revision=entry.revision if entry else None,
            content_hash=entry.content_hash if entry else None,
            confidence=answer.confidence,
            latency_ms=round(latency_ms, 3),
            audience=audience,
            replayable=answer.complete,
        )

    def record_view(
        self, article_id: str, lang: str, revision: int, content_hash: str, *, channel: str = "faq"
    ) -> str:
        """Record that an article page (this revision) was read; return the view's ref.

        Article pages are the same for everyone (shared caches keep them), so
        the view is recorded when the reader votes on it, not when it is served.
        """
        return self._record(
            channel=channel,
            kind="view",
            lang=lang,
            query="",
            status="view",
            article_id=article_id,
            article_lang=lang,
            revision=revision,
            content_hash=content_hash,
            confidence=1.0,
            latency_ms=0.0,
        )

    def _record(self, *, replayable: bool = True, **fields) -> str:
        """Queue one row for the journal; return its ref.

        :param replayable: the front cache may send the response again, recording
            this row under a fresh ref (not for an answer the time limit cut short)
        """
        ref = journal.new_ref(self.ref_key)
        if self.recorder is not None:
            ask = journal.Ask(ref=ref, at=journal.utc_iso(), **fields)
            self.recorder.record(ask)
            if has_request_context():  # see ``kb.web.caching.FrontCache``
                g.setdefault("kb_asks", []).append(ask if replayable else None)
        return ref

    def once_recorded(self, ref: object, call: Callable[[], T]) -> T:
        """Return ``call()``, trying again while the answer ``ref`` names may still be queued.

        ``call`` raises ``ArticleNotFound`` for an unknown ref. Answers reach the
        journal in batches (``journal.Recorder``): this worker's are written at
        once on ``flush``, another worker's within its ``interval``. Only a ref
        this node handed out in the last ``FRESH_REF_SECONDS`` is waited for: an
        old or made-up one is unknown at once, so it cannot keep a worker busy.
        """
        waited_for = None
        while True:
            try:
                return call()
            except ArticleNotFound:
                if self.recorder is None or not journal.fresh(ref, self.ref_key, FRESH_REF_SECONDS):
                    raise
                now = time.monotonic()
                if waited_for is None:
                    self.recorder.flush()  # this worker's queued answers
                    waited_for = now + 1.5 * self.recorder.interval  # another worker's batch
                elif now >= waited_for:
                    raise
                else:
                    time.sleep(min(0.05, waited_for - now))

    def _rebuild(self, index: SearchIndex) -> None:
        db = self.connect()
        try:
            publish.rebuild(index, db, source_lang=self.source_lang)
        finally:
            db.conn.close()

    def startup(self, *, rebuild: bool = False) -> publish.ReconcileReport:
        """Migrate the database and reconcile history and index with ``content/``.

        :param rebuild: build the whole index anew (``kb reindex``) instead of
            repairing the entries that lag the history
        """
        db = self.connect()
        try:
            store.migrate(db)
            report = publish.reconcile(
                self.content_dir, db, self.index, source_lang=self.source_lang, full=rebuild
            )
        finally:
            db.conn.close()
        self.categories = content.load_categories(self.content_dir)
        return report

    def category_name(self, slug: str, lang: str) -> str:
        names = self.categories.get(slug, {})
        return names.get(lang) or names.get(self.source_lang) or slug.replace("-", " ").capitalize()


def current_kb() -> KnowledgeBase:
    """Return the knowledge base of the current app."""
    return current_app.extensions["kb"]


def get_db():
    """Return this thread's SQLite connection (left outside any transaction at teardown)."""
    if "db" not in g:
        g.db = current_kb().thread_db()
    return g.db


def get_journal():
    """Return this request's connection to the journal (closed at teardown)."""
    if "journal" not in g:
        g.journal = current_kb().connect_journal()
    return g.journal


def client_key() -> str:
    """Return a keyed hash of the client's address (the address itself is never stored)."""
    from kb.feedback import client_key as key

    return key(request.remote_addr or "", current_app.config["SECRET_KEY"])


def _close_db(exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.rollback()  # never carry a half-done transaction (or its lock) to the next request
    journal_db = g.pop("journal", None)
    if journal_db is not None:
        journal_db.conn.close()


def request_lang(explicit: str | None) -> str:
    """Return the language of a request: explicit, else ``Accept-Language``, else the default.

    :raises UnknownLanguage: when ``explicit`` is not a supported language
    """
    if explicit:
        if explicit not in langs.LANGUAGES:
            raise UnknownLanguage(
                f"unknown language {explicit!r}; use one of {', '.join(langs.LANGUAGES)}"
            )
        return explicit
    return (
        request.accept_languages.best_match(list(langs.LANGUAGES))
        or current_app.config["DEFAULT_LANG"]
    )


# what a read replica refuses: everything that changes content or accounts
_PRIMARY_ONLY_BLUEPRINTS = {"editor", "admin"}
_PRIMARY_ONLY_ENDPOINTS = {"api.put_article", "api.delete_article"}


def _refuse_writes_on_replicas() -> None:
    if current_kb().read_only and (
        request.blueprint in _PRIMARY_ONLY_BLUEPRINTS or request.endpoint in _PRIMARY_ONLY_ENDPOINTS
    ):
        raise ReadOnlyNode()


def init_app(app: Flask) -> None:
    """Bind the knowledge base, blueprints, error handlers and headers to ``app``."""
    from kb.web import account, admin, agent, api, editor, errors, faq, insights, security
    from kb.web.caching import FrontCache, fingerprint

    kb = KnowledgeBase(app.config)
    app.extensions["kb"] = kb
    kb.last_reconcile = kb.startup(rebuild=bool(app.config.get("REBUILD_AT_START")))
    root = Path(__file__).resolve().parent.parent.parent
    app.config["KB_FINGERPRINT"] = fingerprint(
        root / "kb", Path(app.template_folder or root / "templates"), extra=repr(kb.categories)
    )
    app.teardown_appcontext(_close_db)
    # JSON in UTF-8, not \u escapes: an Arabic, Persian or Russian answer is 2.2 to 2.3
    # times smaller (the answer mix's bodies 4.2 -> 2.7 KB on average) for clients,
    # the front cache and the page store. ``tojson`` in templates still escapes < > & '
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.globals.update(
        t=i18n.t,
        LANGUAGES=langs.LANGUAGES,
        is_rtl=langs.is_rtl,
        category_name=kb.category_name,
        faq_url=publish.faq_url,
    )
    errors.init_app(app)
    security.init_app(app)
    app.before_request(_refuse_writes_on_replicas)
    account.init_app(app)
    account.csrf.exempt(api.bp)  # API calls carry no cookies: public, or a Bearer token
    account.csrf.exempt(faq.feedback)  # anonymous, rate-limited votes carry no credentials
    app.register_blueprint(faq.bp)
    app.register_blueprint(agent.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(insights.bp)
    app.wsgi_app = FrontCache(app, app.wsgi_app)  # type: ignore[method-assign]
    app.extensions["kb_front"] = app.wsgi_app
