"""The BM25 side of the index: tokenisation and a bm25s index over chunk texts."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

_WORD = re.compile(r"(?u)\b\w\w+\b")
_STOPWORDS = {"en": frozenset(STOPWORDS_EN)}

logging.getLogger("bm25s").setLevel(logging.WARNING)


class Analyzer:
    """Lower-cases, drops stop words and stems: the same for documents and queries."""

    def __init__(self, stemmer: str | None = "english", stopwords: str | None = "en"):
        self.stemmer_name = stemmer
        self.stopwords = _STOPWORDS.get(stopwords or "", frozenset())
        if stopwords and stopwords not in _STOPWORDS:
            raise ValueError(f"unknown stop word list {stopwords!r}; known: {', '.join(_STOPWORDS)}")
        self._stem = _stemmer(stemmer)

    def terms(self, text: str) -> list[str]:
        """The index terms of a text, in order."""
        words = [w for w in _WORD.findall(text.lower()) if w not in self.stopwords]
        return self._stem(words)

    def word_terms(self, words: list[str]) -> list[str | None]:
        """The index term of each word, None for stop words and one-letter words."""
        lowered = [w.lower() for w in words]
        stems = iter(self._stem([w for w in lowered if len(w) > 1 and w not in self.stopwords]))
        return [next(stems) if len(w) > 1 and w not in self.stopwords else None for w in lowered]


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
    def build(cls, texts: list[str], analyzer: Analyzer, k1: float, b: float) -> LexicalIndex:
        """Index the texts (one BM25 document per chunk)."""
        model = bm25s.BM25(k1=k1, b=b, method="lucene", backend="numpy")
        model.index([analyzer.terms(t) or [""] for t in texts] or [[""]], show_progress=False)
        return cls(model, analyzer, len(texts))

    def save(self, folder: Path) -> None:
        self.model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, analyzer: Analyzer, size: int) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder), mmap=False), analyzer, size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no term is known)."""
        terms = [t for t in self.analyzer.terms(query) if t in self.model.vocab_dict]
        if not terms or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.model.get_scores(terms), dtype=np.float32)[: self.size]
