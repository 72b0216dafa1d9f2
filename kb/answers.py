"""The answer function: every channel asks here and nowhere else.

``AnswerEngine.answer(question, lang, audience=...)`` ranks articles with the
index, computes a confidence between 0 and 1 and decides: ``answered``,
``ambiguous`` (two articles are about as likely) or ``no_answer`` with a
handoff. The FAQ, the agent sidebar, the chatbot API and the chat reply all
render the ``Answer`` this returns, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from kb import lang as langs
from kb.errors import ArticleNotFound, BadRequest, UnknownLanguage
from kb.index import FIELD_BOOSTS, Entry, Hit, SearchIndex, snippet

if TYPE_CHECKING:
    from kb.semantic import Reranker

PUBLIC = "public"
INTERNAL = "internal"
AUDIENCES = (PUBLIC, INTERNAL)
ANSWERED, AMBIGUOUS, NO_ANSWER = "answered", "ambiguous", "no_answer"
STRONG_FIELDS = ("title", "questions", "tags")
# Every question is ranked over the same pool of best-scoring articles, so the
# order (and the answer) never depends on how many results a channel shows.
POOL = 50
# weights of the ranking signals (they sum to 1, so the confidence stays between 0 and 1)
SIGNALS = {"relative": 0.25, "coverage": 0.25, "phrase": 0.5}
# what a match in each indexed field counts for: title, questions and tags are
# strong evidence, the body weak (the prefix field is handled on its own)
_STRONG, _WEAK = "strong", "weak"
_FIELD_KINDS = {
    f"{name}_{code}": _STRONG if name in STRONG_FIELDS else _WEAK
    for code in langs.LANGUAGES
    for name in (*STRONG_FIELDS, "body")
}
# the fields the phrase signal's texts (the title and the alternate questions) are indexed in
_PHRASE_FIELDS = frozenset(
    f"{name}_{code}" for code in langs.LANGUAGES for name in ("title", "questions")
)
# more than a confidence can grow by rounding to 4 places (5e-5), with room for
# floating-point error: a scored hit is final when it beats every bound by this much
_ROUNDING = 1e-4
# Answers are ranked over the same pool whatever a channel shows. A cached answer
# keeps as many candidates as the deepest channel that asked for it, at least this
# many (what the answer API and the chat show): every entry it keeps stays in memory.
MIN_DEPTH = 4
# Search answers (ten candidates, each with its snippet) have a cache of their own,
# this many times smaller than the answers': the page caches in front
# (kb.web.caching) keep whole search pages, and answer a repeated search before it
# reaches the engine. Kept with the answers, they held articles and snippets the
# other channels' answers then could not (docs/scaling.md).
SEARCH_CACHE_SHARE = 8


@dataclass(frozen=True, slots=True)  # thousands in the answer cache: no __dict__ each
class Candidate:
    """An article that may answer the question, with its confidence."""

    entry: Entry
    confidence: float
    score: float
    snippet: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """What the knowledge base says to a question, identical on every channel."""

    question: str
    lang: str
    status: str
    confidence: float
    candidates: tuple[Candidate, ...] = ()
    generation: str = ""
    normalised: str = ""
    reason: str = ""  # why there is no answer when one matched: "review_overdue"
    complete: bool = True  # False when the time limit cut the search short: never remembered

    @property
    def handoff(self) -> bool:
        """True when a human should take over (no answer, or the customer must choose)."""
        return self.status != ANSWERED

    @property
    def entry(self) -> Entry | None:
        """The article served, or None when nothing answers well enough."""
        return self.candidates[0].entry if self.status == ANSWERED and self.candidates else None

    @property
    def alternatives(self) -> tuple[Candidate, ...]:
        """Up to three other candidates (all of them when there is no single answer)."""
        return self.candidates[1:4] if self.status == ANSWERED else self.candidates[:3]


@dataclass
class LRU:
    """A small thread-safe least-recently-used cache (size 0 keeps nothing).

    With ``weigh``, it also keeps the total weight of its values (bytes, say)
    within ``budget``; a value heavier than the whole budget is not kept.
    """

    size: int
    data: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    budget: int = 0
    weigh: Callable[[Any], int] | None = None
    held: int = 0

    def get(self, key):
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        if self.size <= 0:
            return
        weigh = self.weigh
        if weigh is not None:
            weight = weigh(value)
            if weight > self.budget:
                return
        with self.lock:
            if weigh is not None:
                old = self.data.get(key)
                self.held += weight - (weigh(old) if old is not None else 0)
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size or (weigh is not None and self.held > self.budget):
                _key, gone = self.data.popitem(last=False)
                if weigh is not None:
                    self.held -= weigh(gone)

    def clear(self) -> None:
        with self.lock:
            self.data.clear()
            self.held = 0


def expired(entry: Entry, today: str) -> bool:
    """True when the entry's review date (ISO) is before ``today`` (ISO)."""
    return bool(entry.review_by) and entry.review_by < today


def engine_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Return the ``AnswerEngine`` keyword arguments the settings ask for.

    The app, ``kb check`` and the editor's what-if runs all build their engines
    from this, so a tested answer is the answer the channels give.

    :raises kb.semantic.SemanticUnavailable: when ``SEMANTIC`` names a model that cannot load
    """
    options: dict[str, Any] = {
        "threshold": float(settings["ANSWER_THRESHOLD"]),
        "margin": float(settings["AMBIGUITY_MARGIN"]),
        "time_limit": float(settings["SEARCH_TIME_LIMIT"]),
        "max_query": int(settings["MAX_QUERY_LENGTH"]),
    }
    if settings.get("SEMANTIC"):
        from kb import semantic  # imports numpy and the model only when asked for

        options["reranker"] = semantic.load(
            settings["SEMANTIC"], weight=float(settings["SEMANTIC_WEIGHT"])
        )
        options["threshold"] = float(settings["SEMANTIC_THRESHOLD"])
    return options


def normalise_question(question: str, lang: str) -> str:
    """Return the question as the cache and the logs see it: one line, normalised, collapsed."""
    return " ".join(langs.normalise(question, lang).split())


class AnswerEngine:
    """Answers, searches and article look-ups over one search index.

    :param index: the search index
    :param threshold: confidence under which the answer is ``no_answer``
    :param margin: runner-up within this confidence of the best makes it ``ambiguous``
    :param time_limit: seconds a search may take
    :param max_query: longest accepted question in characters
    :param cache_size: answers cached per process (keyed by index generation); search
        answers, with snippets, have a cache of their own ``SEARCH_CACHE_SHARE`` times smaller
    :param withhold_expired: customers get a handoff instead of an article past its review date
    :param reranker: optional semantic re-ranker (``kb.semantic``) blended into the confidence
    """

    def __init__(
        self,
        index: SearchIndex,
        *,
        threshold: float = 0.485,
        margin: float = 0.0075,
        time_limit: float = 0.5,
        max_query: int = 500,
        cache_size: int = 512,
        withhold_expired: bool = False,
        reranker: Reranker | None = None,
    ):
        self.index = index
        self.threshold = threshold
        self.margin = margin
        self.time_limit = time_limit
        self.max_query = max_query
        self.withhold_expired = withhold_expired
        self.reranker = reranker
        self._cache = LRU(cache_size)
        self._searches = LRU(cache_size // SEARCH_CACHE_SHARE)
        self._catalog = LRU(64)
        self._phrase_cache = LRU(20_000)
        self._entries = LRU(max(256, cache_size))
        # every entry still held by a cached answer, so a worker keeps one copy of each
        # article version however many answers show it (the LRU alone would load a second
        # copy of an entry it dropped while cached answers still held the first)
        self._held: weakref.WeakValueDictionary[tuple[str, int], Entry] = (
            weakref.WeakValueDictionary()
        )
        # per index generation: IDFs of words, and IDF norms of stored phrases by hit key
        self._idf_values: dict[str, dict[str, float]] = {}  # by language, by word
        self._norms: dict[tuple[str, int], tuple[tuple[tuple[str, ...], float], ...]] = {}
        self._idf_generation = ""
        self._generation = ""  # the index generation the caches hold
        self._local = threading.local()  # per thread: the last question's signals by hit

    # --- validation -----------------------------------------------------------

    def _check(self, question: object, lang: object, audience: str) -> tuple[str, str]:
        if not isinstance(question, str):
            raise BadRequest("the question must be a string")
        if not isinstance(lang, str) or lang not in langs.LANGUAGES:
            raise UnknownLanguage(
                f"unknown language {lang!r}; use one of {', '.join(langs.LANGUAGES)}"
            )
        if audience not in AUDIENCES:
            raise BadRequest(f"unknown audience {audience!r}")
        question = question.strip()
        if len(question) > self.max_query:
            raise BadRequest(f"the question is longer than {self.max_query} characters")
        return question, lang

    # --- ranking ----------------------------------------------------------------

    def _rank(
        self,
        question: str,
        code: str,
        audience: str,
        limit: int,
        snippets: bool,
        generation: str,
        today: str = "",
    ) -> tuple[list[Candidate], list[float], bool]:
        """Return the best ``limit`` candidates, the two best confidences (which decide
        the answer), and False when the time limit cut the search short.

        With ``today``, articles past their review date are left out after the
        first candidate (kept so the caller can withhold it), so the list holds
        as many others as the pool has up to ``limit``, however deep a channel asked.
        """
        words = langs.terms(question, code)
        stop_words = not words
        if stop_words:  # a question of stop words only ("how do I?"): use them after all
            words = langs.terms(question, code, keep_stopwords=True)
        typed = langs.tokenize(question)
        # the last word is still being typed only when nothing (space, "?") follows it
        last_raw = typed[-1][0] if typed and typed[-1][2] == len(question) else None
        last_normal, typed_stem = langs.analyse_word(last_raw, code) if last_raw else ("", "")
        last = langs.fold(last_normal, code) if last_raw else None
        if not words and not last:
            return [], [], True
        hits = self.index.search(
            code,
            words,
            prefix_word=last,
            public_only=audience == PUBLIC,
            limit=POOL,
            time_limit=self.time_limit,
        )
        scored = self._score(
            hits,
            words,
            code,
            generation,
            prefix=(last, typed_stem) if last else None,
            stop_words=stop_words,
        )
        if self.reranker is not None:
            scored = iter(self._rerank(question, list(scored)))
        out: list[Candidate] = []
        best: list[float] = []
        wanted = limit + 1 if today else limit  # the first one may be withheld
        for hit, confidence in scored:  # lazily: stop as soon as ``out`` is full
            if len(best) < 2:
                best.append(confidence)
            entry = self._entry(hit)
            if today and out and expired(entry, today):
                continue
            out.append(
                Candidate(
                    entry, confidence, hit.score, snippet(entry, question) if snippets else ""
                )
            )
            if len(out) == wanted:  # at least 2, so ``best`` is full too
                break
        return out, best, hits.complete

    def _score(
        self,
        hits: list[Hit],
        words: list[str],
        code: str,
        generation: str,
        prefix: tuple[str, str] | None = None,
        stop_words: bool = False,
    ) -> Iterator[tuple[Hit, float]]:
        """Turn raw BM25F scores into confidences between 0 and 1, best first.

        Three signals, each between 0 and 1, weighted by ``SIGNALS`` (tuned on
        the Banking77 training questions, see ``bench/quality.py``):

        - ``relative``: the BM25F score over the best one's;
        - ``coverage``: the share of the question's information (IDF-weighted
          words) the article matches in its title, questions or tags, with
          partial credit for words matched only in the body;
        - ``phrase``: the IDF-weighted cosine between the question and the
          article's closest title or alternate question (customers ask the way
          other customers asked). A title or question made of stop words only
          counts for a question made of stop words only (``stop_words``: both
          are compared with their stop words, which the index leaves out).

        Yields the hits in the order sorting them all by confidence (then score)
        gives, but lazily: a caller wants the first few, and the phrase signal is
        the dear one. A hit's phrase cosine is at most the norm of the question
        words it matched in its title or questions over the question's norm (a
        phrase's norm is at least that of the words it shares with the question),
        so each hit has an upper bound from what the search already tells (the
        phrases compared are made of indexed words; for a question of stop words
        only, every hit is scored); hits are scored best bound first, and a scored
        hit is yielded once no bound left can overtake it. Most of the pool is
        never scored, and its stored articles never read.
        """
        if not hits:
            return
        unique = list(dict.fromkeys(words))
        weights = {w: self._idf(code, w, generation) for w in unique}
        total = sum(weights.values()) or 1.0
        query_norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        # each query word's squared weight; ``_idf`` is always positive, so
        # ``filter(None, ...)`` below drops exactly the words a phrase lacks
        squared = {w: v**2 for w, v in weights.items()}.get
        top_score = hits[0].score or 1.0
        prefix_term = (f"prefix_{code}", prefix[0]) if prefix else None
        relative_weight, coverage_weight, phrase_weight = (
            SIGNALS["relative"],
            SIGNALS["coverage"],
            SIGNALS["phrase"],
        )

        def blend(relative: float, coverage: float, phrase: float) -> float:
            return (
                relative_weight * relative
                + coverage_weight * coverage
                + phrase_weight * min(1.0, phrase)
            )

        # the sidebar scores the same words twice, for customers and for agents, over
        # pools that mostly share their hits: a hit's coverage and phrase signals
        # depend only on the words and the hit, so this thread keeps the last ones (of
        # complete searches: one the time limit cut short may match fewer words)
        signals: dict = {}
        complete = getattr(hits, "complete", True)
        if complete:
            local, asked = self._local, (generation, code, tuple(words), prefix)
            if getattr(local, "asked", None) != asked:
                local.asked, local.signals = asked, signals
            signals = local.signals
        bounded_by_search = complete and not stop_words
        # coverage and bound depend only on which leaves matched: the index hands
        # hits that matched the same ones the same frozenset
        by_matched: dict[frozenset, tuple[float, float]] = {}
        ready: list[tuple[float, float, int, Hit]] = []  # scored: a heap, best first
        bounded: list[tuple[float, int, Hit, float, float]] = []  # not yet scored
        for at, hit in enumerate(hits):
            relative = hit.score / top_score
            known = signals.get(hit.key) if hit.key is not None else None
            if known is not None:
                ready.append((-round(blend(relative, *known), 4), -hit.score, at, hit))
                continue
            got = by_matched.get(hit.matched)
            if got is None:
                coverage = self._coverage(hit.matched, weights, total, prefix_term, prefix)
                in_phrases = {t for f, t in hit.matched if f in _PHRASE_FIELDS}
                got = by_matched[hit.matched] = (
                    coverage,
                    math.sqrt(sum(squared(t) or 0.0 for t in in_phrases)) / query_norm
                    if bounded_by_search
                    else 1.0,
                )
            coverage, bound = got
            bounded.append((blend(relative, coverage, bound), at, hit, relative, coverage))
        heapq.heapify(ready)
        bounded.sort(key=lambda b: (-b[0], b[1]))
        position = 0
        while ready or position < len(bounded):
            while position < len(bounded) and (
                not ready or -ready[0][0] <= bounded[position][0] + _ROUNDING
            ):
                _upper, at, hit, relative, coverage = bounded[position]
                position += 1
                phrase = 0.0
                for terms, norm in self._phrases(hit, code, generation, stop_words=stop_words):
                    shared = list(filter(None, map(squared, terms)))
                    if shared:
                        sim = sum(shared) / (query_norm * norm)
                        if sim > phrase:
                            phrase = sim
                if hit.key is not None:
                    signals[hit.key] = (coverage, phrase)
                confidence = round(blend(relative, coverage, phrase), 4)
                heapq.heappush(ready, (-confidence, -hit.score, at, hit))
            confidence, _score, _at, hit = heapq.heappop(ready)
            yield hit, -confidence

    @staticmethod
    def _coverage(
        matched: frozenset[tuple[str, str]],
        weights: dict[str, float],
        total: float,
        prefix_term: tuple[str, str] | None,
        prefix: tuple[str, str] | None,
    ) -> float:
        """Return the share of the question's IDF weight matched in strong fields
        (title, questions, tags), with 0.4 of it for words matched only in the body."""
        strong, weak = set(), set()
        kinds = _FIELD_KINDS
        for f, t in matched:
            kind = kinds.get(f)
            if kind is _STRONG:
                strong.add(t)
            elif kind is _WEAK:
                weak.add(t)
        if prefix_term is not None and prefix is not None and prefix_term in matched:
            strong.add(prefix[1])  # the word being typed counts once it starts a title word
        return min(
            1.0,
            (
                sum(weights.get(t, 0.0) for t in strong)
                + 0.4 * sum(weights.get(t, 0.0) for t in weak - strong)
            )
            / total,
        )

    def _rerank(self, question: str, scored: list[tuple[Hit, float]]) -> list[tuple[Hit, float]]:
        """Blend the semantic similarity into the confidences of the whole pool, best first."""
        reranker = self.reranker
        assert reranker is not None
        similarities = reranker.similarities(question, [hit.load() for hit, _ in scored])
        out = [
            (hit, round(reranker.combine(confidence, similarity), 4))
            for (hit, confidence), similarity in zip(scored, similarities, strict=True)
        ]
        return sorted(out, key=lambda hc: (-hc[1], -hc[0].score))

    def _entry(self, hit: Hit) -> Entry:
        """Return a hit's entry, shared by every cached answer that shows it (one copy each)."""
        if hit.key is None:
            return hit.load()
        entry = self._entries.get(hit.key)
        if entry is None:
            entry = self._held.get(hit.key)
            if entry is None:
                entry = self._held[hit.key] = hit.load()
            self._entries.put(hit.key, entry)
        return entry

    def _phrases(
        self, hit: Hit, code: str, generation: str, *, stop_words: bool = False
    ) -> tuple[tuple[tuple[str, ...], float], ...]:
        """Return the analysed title and questions of a hit's entry with their IDF norms.

        The index keeps each entry's analysed phrases apart from the article
        (``Hit.phrases``), so a hit is scored without loading its stored article
        at all; they are cached under the stored document's key, which outlives
        publishes of other articles; the norms follow the generation's IDFs.

        :param code: the language searched (the hit's)
        :param stop_words: also those made of stop words only (kept with them),
            for a question made of stop words only
        """
        cached = self._phrase_cache.get(hit.key) if hit.key is not None else None
        if cached is None:
            # tuples of strings, not sets: the garbage collector stops tracking them,
            # so thousands of cached phrases cost nothing at each full collection
            cached = hit.phrases()
            if hit.key is not None:
                self._phrase_cache.put(hit.key, cached)
        phrases, stopped = cached
        self._same_generation(generation)
        with_norms = self._norms.get(hit.key) if hit.key is not None else None
        if with_norms is None:
            with_norms = self._with_norms(code, phrases, generation)
            if hit.key is not None:
                self._norms[hit.key] = with_norms
        if stop_words and stopped:
            return with_norms + self._with_norms(code, stopped, generation)
        return with_norms

    def _with_norms(
        self, code: str, phrases: tuple[tuple[str, ...], ...], generation: str
    ) -> tuple[tuple[tuple[str, ...], float], ...]:
        self._same_generation(generation)
        known = self._idf_values.setdefault(code, {}).get

        def idf(word: str) -> float:  # an IDF is never 0: ``or`` asks only for unknown words
            return known(word) or self._idf(code, word, generation)

        return tuple(
            (terms, math.sqrt(sum([idf(t) ** 2 for t in terms])) or 1.0) for terms in phrases
        )

    def _same_generation(self, generation: str) -> None:
        """Start the IDFs and norms afresh when the index generation changed."""
        if self._idf_generation != generation:
            self._idf_values, self._norms, self._idf_generation = {}, {}, generation

    def _idf(self, code: str, word: str, generation: str) -> float:
        """Return a word's highest IDF over the weighted fields (cached per index generation)."""
        self._same_generation(generation)
        known = self._idf_values.setdefault(code, {})
        value = known.get(word)
        if value is None:
            best = 0.0
            for name in FIELD_BOOSTS:
                best = max(best, self.index.field_idf(f"{name}_{code}", word))
            value = best if best > 0 else math.log(2)
            known[word] = value
        return value

    # --- the three questions every channel asks --------------------------------

    def answer(
        self,
        question: object,
        lang: object,
        *,
        audience: str = PUBLIC,
        limit: int = 4,
        snippets: bool = False,
        withhold_expired: bool | None = None,
    ) -> Answer:
        """Return the answer to ``question`` in ``lang`` for ``audience``.

        The decision depends only on the two best candidates, so every
        channel gets the same answer whatever ``limit`` it asks for.

        :param question: the customer's words, plain text
        :param lang: language code
        :param audience: ``public`` (customers, chatbots) or ``internal`` (signed-in agents)
        :param limit: how many candidates to rank (at least 2 are always ranked)
        :param snippets: add highlighted snippets to the candidates (search pages)
        :param withhold_expired: hand off instead of serving an article past its review
            date, and leave such articles out (default: the engine's setting, for
            customers only; agents pass False and see a warning instead)
        :raises BadRequest: when the question is not a string or too long
        :raises UnknownLanguage: when ``lang`` is not supported
        """
        question, code = self._check(question, lang, audience)
        limit = max(2, min(int(limit), 50))
        # one searcher from the generation to the last hit read: a publish by another
        # worker mid-answer must not close the searcher the hits come from
        with self.index.pinned():
            return self._answer(question, code, audience, limit, snippets, withhold_expired)

    def _answer(
        self,
        question: str,
        code: str,
        audience: str,
        limit: int,
        snippets: bool,
        withhold_expired: bool | None,
    ) -> Answer:
        ranked = max(limit, MIN_DEPTH)
        generation = self.index.generation()
        self._forget_other_generations(generation)
        normalised = normalise_question(question, code)
        if withhold_expired is None:
            withhold_expired = self.withhold_expired and audience == PUBLIC
        today = dt.date.today().isoformat() if withhold_expired else ""
        # every channel shares one cached answer per question, deepened when a
        # channel asks for more candidates than it holds
        key = (normalised, code, audience, snippets, generation, today)
        cache = self._searches if snippets else self._cache
        cached = cache.get(key)
        if cached is not None and cached[1] >= limit:
            answer = cached[0]
            return Answer(
                question,
                code,
                answer.status,
                answer.confidence,
                answer.candidates[:limit],
                generation,
                normalised,
                answer.reason,
            )
        candidates, best, complete = (
            self._rank(question, code, audience, ranked, snippets, generation, today)
            if normalised
            else ([], [], True)
        )
        status, confidence = self.decide(best), best[0] if best else 0.0
        reason = ""
        if today and candidates:
            if expired(candidates[0].entry, today):
                if status != NO_ANSWER:
                    status, reason = NO_ANSWER, "review_overdue"
                candidates = candidates[1:]
            candidates = candidates[:ranked]
        result = Answer(
            question,
            code,
            status,
            confidence,
            tuple(candidates),
            generation,
            normalised,
            reason,
            complete,
        )
        if complete:  # a search the time limit cut short is answered, never remembered
            # fewer candidates than ranked for: the pool has no more, whatever the depth
            depth = ranked if len(candidates) == ranked else POOL
            cache.put(key, (result, depth))
        return replace(result, candidates=result.candidates[:limit])

    def withheld(self, entry: Entry) -> bool:
        """True when customers are not served ``entry`` because its review date has passed."""
        return self.withhold_expired and expired(entry, dt.date.today().isoformat())

    def decide(
        self, confidences: list[float] | tuple[float, ...], *, threshold: float | None = None
    ) -> str:
        """Return ``answered``, ``ambiguous`` or ``no_answer`` from the two best confidences.

        :param threshold: use this instead of the engine's (to choose one on validation data)
        """
        threshold = self.threshold if threshold is None else threshold
        if not confidences or confidences[0] < threshold:
            return NO_ANSWER
        runner_up = confidences[1] if len(confidences) > 1 else 0.0
        if runner_up >= threshold and confidences[0] - runner_up < self.margin:
            return AMBIGUOUS
        return ANSWERED

    def _forget_other_generations(self, generation: str) -> None:
        """Drop what a new index generation made dead: answers, catalogs, merged segments.

        Answers and catalogs are keyed by generation, so after a publish they can
        never be served again; kept, a publish every few seconds filled the caches
        with dead copies (bench/soak.py: workers grew from 80 to 440 MB in 10
        minutes). Entries and phrases are keyed by stored document and stay, but
        for those of segments the index no longer has.
        """
        if generation != self._generation:
            self._generation = generation
            self._drop_answers()
            live = self.index.segments()
            for cache in (self._entries, self._phrase_cache):
                with cache.lock:
                    for key in [k for k in cache.data if k[0] not in live]:
                        del cache.data[key]

    def clear_cache(self) -> None:
        """Forget cached answers (after changing ``threshold`` or ``margin``)."""
        self._drop_answers()
        self._entries = LRU(self._entries.size)

    def _drop_answers(self) -> None:
        """Empty the caches of answers, searches and catalogs (keeping their sizes)."""
        self._cache = LRU(self._cache.size)
        self._searches = LRU(self._searches.size)
        self._catalog = LRU(self._catalog.size)

    def search(
        self, question: object, lang: object, *, audience: str = PUBLIC, limit: int = 10
    ) -> list[Candidate]:
        """Return up to ``limit`` candidates with highlighted snippets, ranked as ``answer`` ranks them."""
        return list(
            self.answer(question, lang, audience=audience, limit=limit, snippets=True).candidates[
                :limit
            ]
        )

    def article(self, article_id: str, lang: str, *, audience: str = PUBLIC) -> Entry:
        """Return one article.

        :raises ArticleNotFound: when it does not exist or is not for ``audience``
        """
        if lang not in langs.LANGUAGES:
            raise UnknownLanguage(f"unknown language {lang!r}")
        entry = self.index.get(f"{lang}:{article_id}")
        if entry is None or (audience == PUBLIC and not entry.is_public):
            raise ArticleNotFound(f"no article {article_id!r} in {lang!r}")
        return entry

    def article_versions(
        self, article_id: str, lang: str, *, audience: str = PUBLIC
    ) -> tuple[Entry, list[Entry]]:
        """Return one article and its every language version, itself included.

        What ``article`` and ``translations`` return, with one look-up in the
        index instead of two: an article page and the article API show both,
        and a page no worker has rendered yet spends a tenth of its time here.

        :raises ArticleNotFound: when it does not exist or is not for ``audience``
        """
        if lang not in langs.LANGUAGES:
            raise UnknownLanguage(f"unknown language {lang!r}")
        versions = self.translations(article_id, audience=audience)
        for entry in versions:
            if entry.lang == lang:
                return entry, versions
        raise ArticleNotFound(f"no article {article_id!r} in {lang!r}")

    def translations(self, article_id: str, *, audience: str = PUBLIC) -> list[Entry]:
        """Return every language version of an article, in the order of ``LANGUAGES``."""
        found = {e.lang: e for e in self.index.entries(id=article_id)}
        order = list(langs.LANGUAGES)
        return [
            found[code]
            for code in order
            if code in found and (audience == INTERNAL or found[code].is_public)
        ]

    def catalog(self, lang: str, *, audience: str = PUBLIC) -> dict[str, list[Entry]]:
        """Return the articles of ``lang`` grouped by category, titles sorted."""
        if lang not in langs.LANGUAGES:
            raise UnknownLanguage(f"unknown language {lang!r}")
        generation = self.index.generation()
        self._forget_other_generations(generation)
        key = (lang, audience, generation)
        cached = self._catalog.get(key)
        if cached is not None:
            return cached
        groups: dict[str, list[Entry]] = {}
        for entry in self.index.entries(lang=lang):
            if audience == PUBLIC and not entry.is_public:
                continue
            groups.setdefault(entry.category, []).append(entry)
        result = {
            cat: sorted(items, key=lambda e: e.title.casefold())
            for cat, items in sorted(groups.items())
        }
        self._catalog.put(key, result)
        return result
