"""The BM25 side of the index: language-aware tokenisation and a bm25s index over chunk texts.

English text is analysed with the configured stemmer and stop words, French and
Spanish with their own (PyStemmer, bm25s's lists); any other language as the
default language. A query is analysed in every language the index holds.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH, STOPWORDS_SPANISH

_WORD = re.compile(r"(?u)\b\w\w+\b")
_STOPWORDS = {"en": frozenset(STOPWORDS_EN), "fr": frozenset(STOPWORDS_FRENCH), "es": frozenset(STOPWORDS_SPANISH)}
ANALYSED = {"fr": ("french", "fr"), "es": ("spanish", "es")}  # stemmer and stop words; "en" uses the settings'

logging.getLogger("bm25s").setLevel(logging.WARNING)


class Analyzer:
    """Lower-cases, drops stop words and stems, by language: the same for documents and queries.

    `stemmer` and `stopwords` analyse English; French and Spanish have their own;
    other languages are analysed as `default`. Queries are analysed in each of
    `languages` (those the index holds).
    """

    def __init__(
        self,
        stemmer: str | None = "english",
        stopwords: str | None = "en",
        default: str = "en",
        languages: tuple[str, ...] = (),
    ):
        if stopwords and stopwords not in _STOPWORDS:
            raise ValueError(f"unknown stop word list {stopwords!r}; known: {', '.join(_STOPWORDS)}")
        self.stemmer_name = stemmer
        self._analysis = {
            "en": (_STOPWORDS.get(stopwords or "", frozenset()), _stemmer(stemmer)),
            **{lang: (_STOPWORDS[words], _stemmer(name)) for lang, (name, words) in ANALYSED.items()},
        }
        self.default = self.analysed(default, "en")
        self.languages = tuple(dict.fromkeys(self.analysed(lang) for lang in languages or (default,)))

    def analysed(self, language: str | None, fallback: str | None = None) -> str:
        """The language whose analysis a text in `language` gets."""
        return language if language in self._analysis else fallback or self.default

    def terms(self, text: str, language: str | None = None) -> list[str]:
        """The index terms of a text in `language` (default: the default language), in order."""
        stopwords, stem = self._analysis[self.analysed(language)]
        return stem([w for w in _WORD.findall(text.lower()) if w not in stopwords])

    def query_terms(self, text: str) -> list[str]:
        """A query's terms in the first language, then the other languages' terms not already there."""
        found = self.terms(text, self.languages[0])
        seen = set(found)
        for language in self.languages[1:]:
            extra = [t for t in dict.fromkeys(self.terms(text, language)) if t not in seen]
            found.extend(extra)
            seen.update(extra)
        return found

    def word_terms(self, words: list[str], language: str | None = None) -> list[str | None]:
        """The index term of each word, None for stop words and one-letter words."""
        stopwords, stem = self._analysis[self.analysed(language)]
        lowered = [w.lower() for w in words]
        stems = iter(stem([w for w in lowered if len(w) > 1 and w not in stopwords]))
        return [next(stems) if len(w) > 1 and w not in stopwords else None for w in lowered]


@lru_cache(maxsize=4)
def _stemmer(name: str | None):
    if not name:
        return list
    import Stemmer

    stem = Stemmer.Stemmer(name).stemWords
    return stem


class LexicalIndex:
    """BM25 scores over a fixed list of chunk texts, row i = chunk row i."""

    def __init__(self, model: bm25s.BM25, analyzer: Analyzer, size: int):
        self.model = model
        self.analyzer = analyzer
        self.size = size

    @classmethod
    def build(
        cls, texts: list[str], analyzer: Analyzer, k1: float, b: float, languages: list[str | None] | None = None
    ) -> LexicalIndex:
        """Index the texts (one BM25 document per chunk), each analysed in its language."""
        model = bm25s.BM25(k1=k1, b=b, method="lucene", backend="numpy")
        langs = languages or [None] * len(texts)
        model.index([analyzer.terms(t, lang) or [""] for t, lang in zip(texts, langs)] or [[""]], show_progress=False)
        return cls(model, analyzer, len(texts))

    def save(self, folder: Path) -> None:
        self.model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, analyzer: Analyzer, size: int) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder), mmap=False), analyzer, size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no term is known)."""
        terms = [t for t in self.analyzer.query_terms(query) if t in self.model.vocab_dict]
        if not terms or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.model.get_scores(terms), dtype=np.float32)[: self.size]
