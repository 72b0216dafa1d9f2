"""Languages: what we support, how each one's text is normalised, stemmed and searched.

This module is the only place that knows about letters and stems. The index
and the answer function ask it for an analyser per language; nothing else
tokenises text.

Choices, per language:

- Every language: Unicode NFKC, casefolding, combining marks dropped from
  Latin and Cyrillic words only where that is harmless (``ё`` -> ``е``).
- Arabic and Persian: diacritics (harakat, tanwin, superscript alef) and
  tatweel removed; alef forms (أ إ آ ٱ) -> ا; Arabic yeh/alef maksura
  (ي ى) -> Persian yeh ی; Arabic kaf ك -> Persian kaf ک; teh marbuta ة -> ه;
  hamza on waw/yeh -> bare letter; zero-width non-joiner removed, so that
  ``می‌خواهم`` and ``میخواهم`` are the same word; Arabic-Indic digits -> ASCII.
- Turkish and Azerbaijani: Turkish casing (``I`` -> ``ı``, ``İ`` -> ``i``)
  before stemming; after stemming, ``ı`` is folded to ``i`` and the other
  letters to ASCII so a customer on an ASCII keyboard still matches.
- Stemming: Snowball for en, ru, tr, ar and fa. Azerbaijani has no Snowball
  stemmer; it is an Oghuz language whose inflectional suffixes are Turkish
  ones with the same vowel harmony, ``ə`` playing the part of Turkish ``e``
  (``-lar/-lər`` ~ ``-lar/-ler``, ``-da/-də`` ~ ``-da/-de``). We map
  ``ə`` -> ``e`` and run the Turkish stemmer, which strips those suffixes
  (``sifarişlər`` -> ``sifariş``). See ``tests/test_lang.py``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

from whoosh.analysis import Composable, Filter, Token, Tokenizer

LANGUAGES: dict[str, str] = {
    "en": "English",
    "ru": "Русский",
    "tr": "Türkçe",
    "az": "Azərbaycanca",
    "fa": "فارسی",
    "ar": "العربية",
}
RTL_LANGUAGES = frozenset({"fa", "ar"})
SNOWBALL = {
    "en": "english",
    "ru": "russian",
    "tr": "turkish",
    "az": "turkish",
    "ar": "arabic",
    "fa": "persian",
}

# Words are letters, digits and the marks that live inside Arabic-script
# words (harakat, superscript alef, ZWNJ): Python's \w does not include the
# combining marks, so without them "مَرْحَبًا" would split into letters.
_WORD = re.compile(
    r"[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u200c\u200d]+"
    r"(?:['’][\w]+)*"
)

_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ؤ": "و",
        "\u200c": None,
        "\u200d": None,
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)
_TURKIC_UPPER = str.maketrans({"I": "ı", "İ": "i"})
_ASCII_FOLD = str.maketrans(
    {
        "ı": "i",
        "ş": "s",
        "ğ": "g",
        "ç": "c",
        "ö": "o",
        "ü": "u",
        "ə": "e",
        "â": "a",
        "î": "i",
        "û": "u",
    }
)


def is_rtl(lang: str) -> bool:
    """Return True when ``lang`` is written right to left."""
    return lang in RTL_LANGUAGES


def _casefold(text: str, lang: str) -> str:
    """NFKC, language-aware casefolding and removal of Arabic marks (no letter folding)."""
    text = unicodedata.normalize("NFKC", text)
    if lang in ("tr", "az"):
        text = text.translate(_TURKIC_UPPER)
    text = text.casefold()
    if lang in ("tr", "az"):
        # casefold() turns "i̇" (i + combining dot, from "İ".lower()) back into two chars
        text = text.replace("i\u0307", "i")
    if lang == "ru":
        text = text.replace("ё", "е")
    return _ARABIC_MARKS.sub("", text)


def normalise(text: str, lang: str) -> str:
    """Return ``text`` normalised for matching in ``lang`` (before stemming).

    :param text: any text, e.g. one token or a whole question
    :param lang: a language code from ``LANGUAGES``
    """
    # Arabic-script folding applies to every language: a Persian customer may
    # type Arabic yeh/kaf, and an Arabic customer Persian ones.
    return _casefold(text, lang).translate(_ARABIC_LETTERS)


def fold(stem: str, lang: str) -> str:
    """Return the final index form of a stem (ASCII-folded for Turkish and Azerbaijani)."""
    if lang in ("tr", "az"):
        return stem.translate(_ASCII_FOLD)
    return stem


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Split ``text`` into ``(word, start, end)`` triples on word boundaries."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


@cache
def stopwords(lang: str) -> frozenset[str]:
    """Return the normalised stop words of ``lang`` (from ``kb/stopwords/<lang>.txt``)."""
    try:
        raw = resources.files("kb").joinpath(f"stopwords/{lang}.txt").read_text("utf-8")
    except FileNotFoundError:
        return frozenset()
    words = [
        normalise(w, lang)
        for w in (line.split("#", 1)[0].strip() for line in raw.splitlines())
        if w
    ]
    # customers on an ASCII keyboard type "nece" for "necə": stop those spellings too
    return frozenset(words) | frozenset(fold(w, lang) for w in words)


@cache
def _stemmer(lang: str):
    import snowballstemmer

    name = SNOWBALL.get(lang)
    return snowballstemmer.stemmer(name) if name else None


def stem(word: str, lang: str) -> str:
    """Return the stem of ``word`` in ``lang``, normalised and folded for matching.

    Arabic is stemmed before its letters are folded: Snowball's Arabic
    stemmer knows the hamza and teh marbuta forms (إلغاء / الإلغاء), and
    folding them first would hide prefixes and suffixes from it.
    Not remembered: ``analyse_word`` remembers each word's stem.
    """
    stemmer = _stemmer(lang)
    if stemmer is None:
        return fold(normalise(word, lang), lang)
    if lang == "ar":
        # Snowball's Arabic stemmer expects Arabic yeh/kaf, not the Persian forms
        word = _casefold(word, lang).replace("ی", "ي").replace("ک", "ك")
        return normalise(stemmer.stemWord(word) or word, lang)
    word = normalise(word, lang)
    if lang == "az":
        word = word.replace("ə", "e")
    return fold(stemmer.stemWord(word) or word, lang)


# what each word as written becomes, per (language, stemmed): a corpus repeats
# the same few thousand words millions of times, and normalising and stemming
# them is most of the analysis; a memo that fills up starts afresh
ANALYSED_KEPT = 100_000
_analysed: dict[tuple[str, bool], dict[str, tuple[str, str]]] = {}


def _memo(lang: str, stem_words: bool) -> dict[str, tuple[str, str]]:
    memo = _analysed.get((lang, stem_words))
    if memo is None:
        memo = _analysed.setdefault((lang, stem_words), {})
    return memo


def analyse_word(word: str, lang: str, *, stem_words: bool = True) -> tuple[str, str]:
    """Return ``(normalised, indexed)`` forms of one tokenised word, remembered.

    :param word: one word as ``tokenize`` split it from the text
    :param stem_words: the indexed form is the stem; otherwise the folded word
    :return: the normalised word (empty when nothing of it is left, e.g. a lone
        joiner) and the form the index keeps
    """
    memo = _memo(lang, stem_words)
    found = memo.get(word)
    if found is None:
        normal = normalise(word, lang)
        if not normal:
            found = ("", "")
        else:
            found = (normal, stem(word, lang) if stem_words else fold(normal, lang))
        if len(memo) >= ANALYSED_KEPT:
            memo.clear()
        memo[word] = found
    return found


def terms(
    text: str, lang: str, *, keep_stopwords: bool = False, stem_words: bool = True
) -> list[str]:
    """Return the search terms of ``text``: normalised, stop words removed, stemmed.

    Each word's forms come from ``analyse_word``'s memo: a question or a
    phrase is made of words asked and indexed many times over.

    :param text: a question or any text
    :param lang: language code
    :param keep_stopwords: keep stop words (used when a query is made only of them)
    :param stem_words: stem each word; otherwise keep it folded (the prefix field)
    """
    stops = frozenset() if keep_stopwords else stopwords(lang)
    memo = _memo(lang, stem_words)
    out = []
    for raw in _WORD.findall(text):
        word, indexed = memo.get(raw) or analyse_word(raw, lang, stem_words=stem_words)
        if word and word not in stops:
            out.append(indexed)
    return out


class LanguageTokenizer(Tokenizer):
    """Whoosh tokenizer for one language: word split, normalise, stop words, stem.

    Character offsets refer to the original text, so highlighting works
    even where normalisation changed the length of a word.
    """

    def __init__(self, lang: str, *, stem_words: bool = True, keep_stopwords: bool = False):
        self.lang = lang
        self.stem_words = stem_words
        self.keep_stopwords = keep_stopwords

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LanguageTokenizer) and self.__dict__ == other.__dict__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stops = stopwords(self.lang) if removestops and not self.keep_stopwords else frozenset()
        pos = start_pos
        lang, stem_words = self.lang, self.stem_words
        memo = _memo(lang, stem_words)
        for match in _WORD.finditer(value):
            raw = match.group()
            word, text = memo.get(raw) or analyse_word(raw, lang, stem_words=stem_words)
            if not word:
                continue
            # normalise() may have removed a joiner and left two words
            if word in stops:
                t.stopped = True
                if removestops:
                    continue
            else:
                t.stopped = False
            t.text = text
            t.boost = 1.0
            if keeporiginal:
                t.original = match.group()
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t

    def terms(self, value: str) -> list[str]:
        """Return the indexed form of each word ``self(value)`` keeps, in order.

        The same words as the tokens, without a Token each: what a build
        needs (``kb.index`` counts them), at half the cost.
        """
        return terms(
            value, self.lang, keep_stopwords=self.keep_stopwords, stem_words=self.stem_words
        )


class EdgeNgramFilter(Filter):
    """Emit the leading 1..``maxsize`` characters of each token (search as you type)."""

    def __init__(self, maxsize: int = 12):
        self.maxsize = maxsize

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EdgeNgramFilter) and other.maxsize == self.maxsize

    def __call__(self, tokens):
        for t in tokens:
            text = t.text
            if t.mode == "query":
                # the query word is itself the prefix the user typed so far
                t.text = text[: self.maxsize]
                yield t
                continue
            for size in range(1, min(len(text), self.maxsize) + 1):
                t.text = text[:size]
                yield t

    def expand(self, terms: list[str]) -> list[str]:
        """Return what this filter makes of ``terms`` when indexing, without Tokens."""
        most = self.maxsize
        return [term[:size] for term in terms for size in range(1, min(len(term), most) + 1)]


def index_terms(analyzer: Composable, value: str) -> list[str] | None:
    """Return the terms ``analyzer`` indexes for ``value``; None for an analyser not ours.

    A fast path for the analysers this module makes (``analyzer``,
    ``prefix_analyzer``): the same terms their tokens carry.
    """
    if isinstance(analyzer, LanguageTokenizer):
        return analyzer.terms(value)
    match getattr(analyzer, "items", ()):
        case [LanguageTokenizer() as tokenizer, EdgeNgramFilter() as ngrams]:
            return ngrams.expand(tokenizer.terms(value))
    return None


def analyzer(lang: str) -> Composable:
    """Return the Whoosh analyser for full-text fields in ``lang``."""
    return LanguageTokenizer(lang)


def prefix_analyzer(lang: str) -> Composable:
    """Return the analyser for the search-as-you-type field: unstemmed edge n-grams."""
    return LanguageTokenizer(lang, stem_words=False, keep_stopwords=True) | EdgeNgramFilter()
