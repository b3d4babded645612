"""The BM25 side of the index: language-aware analysis, per-segment postings, index-wide BM25.

English text is analysed with the configured stemmer and stop words, French and
Spanish with their own (PyStemmer, bm25s's lists); any other language as the
default language. A query is analysed in every language the index holds.

Each segment stores its postings as term-major arrays (a sorted vocabulary, an
offset per term, then the rows and term frequencies of every posting) that are
memory-mapped on open. Scores use index-wide statistics (live rows, their mean
length, each term's live document frequency over all segments), so a passage
scores the same whichever segment holds it, and a merge changes no score.
The formula is Lucene's BM25, as bm25s computes it (``method="lucene"``).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numba
import numpy as np
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH, STOPWORDS_SPANISH

_WORD = re.compile(r"(?u)\b\w\w+\b")
_STOPWORDS = {"en": frozenset(STOPWORDS_EN), "fr": frozenset(STOPWORDS_FRENCH), "es": frozenset(STOPWORDS_SPANISH)}
ANALYSED = {"fr": ("french", "fr"), "es": ("spanish", "es")}  # stemmer and stop words; "en" uses the settings'
_FILES = ("vocab", "offsets", "rows", "tf", "lengths")


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


@dataclass
class Postings:
    """One segment's inverted file: `rows[offsets[t]:offsets[t+1]]` hold term `vocab[t]`."""

    vocab: np.ndarray  # sorted terms (numpy unicode)
    offsets: np.ndarray  # int64, len(vocab) + 1
    rows: np.ndarray  # int32 local rows, ascending within a term
    tf: np.ndarray  # uint16 term frequencies
    lengths: np.ndarray  # int32 terms per row (an empty row counts 1, as in bm25s)

    @classmethod
    def build(cls, texts: list[str], analyzer: Analyzer, languages: list[str | None] | None = None) -> Postings:
        """Postings of the texts, row i = texts[i], each analysed in its language (default: the default)."""
        terms: list[str] = []
        rows: list[int] = []
        tfs: list[int] = []
        lengths = np.ones(len(texts), dtype=np.int32)
        for row, (text, language) in enumerate(zip(texts, languages or [None] * len(texts))):
            found = analyzer.terms(text, language)
            lengths[row] = max(len(found), 1)
            counts = Counter(found)
            terms.extend(counts)
            rows.extend([row] * len(counts))
            tfs.extend(counts.values())
        vocab, term_ids = np.unique(np.array(terms, dtype=str), return_inverse=True)
        order = np.argsort(term_ids, kind="stable")  # rows stay ascending within each term
        return cls._from_sorted(
            vocab, term_ids[order], np.array(rows, np.int32)[order], np.array(tfs, np.uint16)[order], lengths
        )

    @classmethod
    def _from_sorted(cls, vocab, term_ids, rows, tf, lengths) -> Postings:
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_ids, minlength=len(vocab)), out=offsets[1:])
        return cls(vocab.astype(str) if len(vocab) else np.array([], dtype="<U1"), offsets, rows, tf, lengths)

    @classmethod
    def merge(cls, parts: list[tuple[Postings, np.ndarray]]) -> Postings:
        """The postings of the kept rows of several segments, renumbered in order (mask per part)."""
        vocab = np.unique(np.concatenate([p.vocab for p, _ in parts])) if parts else np.array([], str)
        term_ids, rows, tfs, lengths = [], [], [], []
        base = 0
        for postings, keep in parts:
            new_row = np.cumsum(keep, dtype=np.int64) - 1 + base
            per_term = np.diff(postings.offsets)
            terms = np.repeat(np.searchsorted(vocab, postings.vocab), per_term)
            live = keep[postings.rows]
            term_ids.append(terms[live])
            rows.append(new_row[postings.rows[live]].astype(np.int32))
            tfs.append(postings.tf[live])
            lengths.append(postings.lengths[keep])
            base += int(keep.sum())
        term_ids_all = np.concatenate(term_ids) if term_ids else np.zeros(0, np.int64)
        order = np.argsort(term_ids_all, kind="stable")
        merged = cls._from_sorted(
            vocab, term_ids_all[order], np.concatenate(rows)[order], np.concatenate(tfs)[order],
            np.concatenate(lengths).astype(np.int32),
        )
        used = np.diff(merged.offsets) > 0  # terms only deleted rows held
        if not used.all():
            merged = cls._from_sorted(
                merged.vocab[used], np.repeat(np.arange(int(used.sum())), np.diff(merged.offsets)[used]),
                merged.rows, merged.tf, merged.lengths,
            )
        return merged

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in _FILES:
            np.save(folder / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, folder: Path) -> Postings:
        """Memory-mapped postings (the vocabulary is read into memory for the look-ups)."""
        arrays = {name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode=None if name == "vocab" else "r"))
                  for name in _FILES}
        return cls(**arrays)

    def term_ids(self, terms: list[str]) -> np.ndarray:
        """Each term's index in the vocabulary, -1 where the segment lacks it."""
        if not len(self.vocab):
            return np.full(len(terms), -1, dtype=np.int64)
        wanted = np.array(terms, dtype=str)
        at = np.minimum(np.searchsorted(self.vocab, wanted), len(self.vocab) - 1)
        return np.where(self.vocab[at] == wanted, at, -1)


class LexicalIndex:
    """BM25 over the postings of several segments with index-wide statistics.

    `parts` are (postings, live mask or None, first global row) per segment.
    """

    def __init__(
        self, parts: list[tuple[Postings, np.ndarray | None, int]], analyzer: Analyzer, k1: float, b: float, size: int
    ):
        self.parts = parts
        self.analyzer = analyzer
        self.k1, self.b, self.size = k1, b, size
        live_rows = [len(p.lengths) if live is None else int(live.sum()) for p, live, _ in parts]
        total_length = sum(
            int(p.lengths.sum(dtype=np.int64) if live is None else p.lengths[live].sum(dtype=np.int64))
            for p, live, _ in parts
        )
        self.n = sum(live_rows)
        lives = [live for _, live, _ in parts]
        self.live = None if all(v is None for v in lives) else np.concatenate(  # over the global rows
            [np.ones(len(p.lengths), bool) if v is None else v for (p, _, _), v in zip(parts, lives)]
        )
        self._frequencies: dict[str, int] = {}  # live document frequency of each term asked for
        average = total_length / self.n if self.n else 1.0
        # k1 * (1 - b + b * dl / avgdl) per row, in the float32 arithmetic bm25s uses
        self._norms = [
            (k1 * ((1 - b) + b * p.lengths.astype(np.float32) / np.float32(average))).astype(np.float32)
            for p, _, _ in parts
        ]

    @classmethod
    def build(
        cls, texts: list[str], analyzer: Analyzer, k1: float, b: float, languages: list[str | None] | None = None
    ) -> LexicalIndex:
        """An in-memory index of one list of texts (for tuning and tests)."""
        return cls([(Postings.build(texts, analyzer, languages), None, 0)], analyzer, k1, b, len(texts))

    def score(self, query: str) -> LexicalScores:
        """The BM25 score of every row for the query: one compiled pass over its terms' postings, the
        rows cut into `SLICES` ranges summed on as many threads."""
        acc = np.zeros(self.size, dtype=np.float64)  # summed in float64, as numpy's bincount would
        terms = self.analyzer.query_terms(query)
        if not terms or self.n == 0:
            return LexicalScores(acc, self.live)
        found = [(postings.term_ids(terms), postings, live) for postings, live, _ in self.parts]
        df = self._df(terms, found)
        idf = np.log(1 + (self.n - df + 0.5) / (df + 0.5)).astype(np.float32)
        tasks = []  # per slice of rows: the arguments of _accumulate for each segment it overlaps
        for lo, hi in _slices(self.size):
            tasks.append([])
            for (ids, postings, _), norms, (_, _, first) in zip(found, self._norms, self.parts):
                kept = ids >= 0
                size = len(postings.lengths)
                if kept.any() and first < hi and first + size > lo:
                    starts, ends = postings.offsets[ids[kept]], postings.offsets[ids[kept] + 1]
                    if lo > first or hi < first + size:  # the postings of the slice's local rows
                        starts, ends = (_cut(postings.rows, starts, ends, max(lo - first, 0)),
                                        _cut(postings.rows, starts, ends, min(hi - first, size)))
                    tasks[-1].append((acc, first, postings.rows, postings.tf, starts, ends, idf[kept], norms))
        _run(lambda pieces: [_accumulate(*piece) for piece in pieces], tasks)
        return LexicalScores(acc, self.live)

    def _df(self, terms: list[str], found: list) -> np.ndarray:
        """Each term's document frequency over the live rows (cached: fixed for this version)."""
        df = np.zeros(len(terms), dtype=np.int64)
        for j, term in enumerate(terms):
            if term not in self._frequencies:
                count = 0
                for ids, postings, live in found:
                    if ids[j] >= 0:
                        rows = postings.rows[postings.offsets[ids[j]] : postings.offsets[ids[j] + 1]]
                        count += len(rows) if live is None else int(live[rows].sum())
                self._frequencies[term] = count
            df[j] = self._frequencies[term]
        return df

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every global row for the query (zeros where no term matches)."""
        return self.score(query).at(np.arange(self.size))


class LexicalScores:
    """One query's BM25 scores over every row of the index (deleted rows never score)."""

    def __init__(self, acc: np.ndarray, live: np.ndarray | None):
        self._acc = acc
        self._live = live

    def top(self, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The `k` best-scoring rows allowed by `mask`, best first (ties by row), and their scores."""
        allowed = self._live if mask is None else mask if self._live is None else mask & self._live
        spans = _slices(len(self._acc))
        best = _run(lambda span: _best(self._acc[span[0] : span[1]], np.ones(0, bool) if allowed is None
                                       else allowed[span[0] : span[1]], max(k, 0)), spans)
        rows = np.concatenate([found + lo for (found, _), (lo, _) in zip(best, spans)])
        scores = np.concatenate([scores for _, scores in best])
        order = np.lexsort((rows, -scores))[:k]  # the best k of the slices' best k
        return rows[order], scores[order]

    def at(self, rows: np.ndarray) -> np.ndarray:
        """The scores of these rows (0 for rows no term matches)."""
        scores = self._acc[rows].astype(np.float32)
        return scores if self._live is None else np.where(self._live[rows], scores, np.float32(0))

    def matches(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live row with a positive score (ascending) and its score."""
        positive = self._acc > 0
        if self._live is not None:
            positive &= self._live
        rows = np.flatnonzero(positive)
        return rows, self._acc[rows].astype(np.float32)


SLICES = max(1, min(2, os.cpu_count() or 1))  # threads one query's BM25 runs on
BOUND_ROWS = 16  # _best bounds its pass by the k-th best of the first BOUND_ROWS * k rows
SLICE_ROWS = 100_000  # indexes smaller than this many rows per slice are scored on one thread
_pool = ThreadPoolExecutor(max_workers=SLICES - 1) if SLICES > 1 else None


def _slices(size: int) -> list[tuple[int, int]]:
    """The ranges of rows one query is scored in, one per thread."""
    count = max(1, min(SLICES, size // SLICE_ROWS))
    bounds = [size * i // count for i in range(count + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def _run(work, items: list) -> list:
    """work(item) for each item, the first ones on the pool's threads and the last on this one."""
    if len(items) == 1 or _pool is None:
        return [work(item) for item in items]
    futures = [_pool.submit(work, item) for item in items[:-1]]
    last = work(items[-1])
    return [f.result() for f in futures] + [last]


@numba.njit(cache=True, nogil=True)
def _cut(rows, starts, ends, row):
    """For each term's postings starts..ends (ascending rows), the first posting of `row` or after."""
    out = np.empty(len(starts), np.int64)
    for j in range(len(starts)):
        low, high = starts[j], ends[j]
        while low < high:
            middle = (low + high) // 2
            if rows[middle] < row:
                low = middle + 1
            else:
                high = middle
        out[j] = low
    return out


@numba.njit(cache=True, nogil=True)
def _accumulate(acc, first, rows, tf, starts, ends, idf, norms):
    """acc[first + row] += idf * tf / (norm + tf) over the postings of each term, in float32 per
    posting and float64 per row (the arithmetic of the numpy version, term by term in order)."""
    for j in range(len(starts)):
        weight = idf[j]
        for p in range(starts[j], ends[j]):
            row = rows[p]
            t = np.float32(tf[p])
            acc[first + row] += weight * (t / (norms[row] + t))


@numba.njit(cache=True, nogil=True)
def _best(acc, allowed, k):
    """The k allowed rows of highest positive float32 score (an empty `allowed`: every row), ties
    going to the lower row, in no order.

    The k-th best of the first BOUND_ROWS * k rows (those allowed) bounds the search: no row below it
    can win a place. A branch-free pass collects the rows at or above it, and a heap whose root is
    the worst row kept takes the best k of those.
    """
    everyone = len(allowed) == 0
    bound = np.float32(0)
    prefix = min(len(acc), BOUND_ROWS * k)
    if k > 0 and prefix < len(acc):
        values = np.empty(prefix, np.float64)
        n = 0
        for row in range(prefix):
            if everyone or allowed[row]:
                values[n] = acc[row]
                n += 1
        if n >= k:
            bound = np.float32(np.partition(values[:n], n - k)[n - k])
    candidates = np.empty(len(acc), np.int64)  # only the pages written are touched
    count = 0
    for row in range(len(acc)):
        score = np.float32(acc[row])
        candidates[count] = row
        count += (score > 0) & (score >= bound) & (everyone or allowed[row])
    heap_rows = np.empty(k, np.int64)
    heap_scores = np.empty(k, np.float32)
    size = 0
    for row in candidates[:count]:
        score = np.float32(acc[row])
        if size < k:  # sift up: a later row with an equal score is worse
            i = size
            size += 1
            while i > 0:
                parent = (i - 1) // 2
                if heap_scores[parent] < score or (heap_scores[parent] == score and heap_rows[parent] > row):
                    break
                heap_rows[i], heap_scores[i] = heap_rows[parent], heap_scores[parent]
                i = parent
            heap_rows[i], heap_scores[i] = row, score
        elif k > 0 and score > heap_scores[0]:  # better than the worst kept (rows ascend: no tie wins)
            i = 0
            while True:
                child = 2 * i + 1
                if child >= size:
                    break
                right = child + 1
                if right < size and (heap_scores[right] < heap_scores[child] or (
                        heap_scores[right] == heap_scores[child] and heap_rows[right] > heap_rows[child])):
                    child = right
                if heap_scores[child] > score or (heap_scores[child] == score and heap_rows[child] < row):
                    break
                heap_rows[i], heap_scores[i] = heap_rows[child], heap_scores[child]
                i = child
            heap_rows[i], heap_scores[i] = row, score
    return heap_rows[:size], heap_scores[:size]
