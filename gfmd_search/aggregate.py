"""A document's score from the scores of its ranked chunks: one home for `search --group` and the evaluation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Aggregate = Callable[[np.ndarray, np.ndarray, int], np.ndarray]
"""(document of each chunk, chunk scores, number of documents) -> one score per document."""


def _max(docs: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, docs, scores)
    return out


def _sum(docs: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(docs, weights=scores, minlength=n)


def _mean(docs: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    counts = np.bincount(docs, minlength=n)
    return np.divide(_sum(docs, scores, n), counts, out=np.full(n, -np.inf), where=counts > 0)


METHODS: dict[str, Aggregate] = {"max": _max, "sum": _sum, "mean": _mean}
"""The registry of `config.AGGREGATIONS`: best chunk, sum, or mean of the retrieved chunks."""


def by_document(
    ranked: list[tuple[int, float]], doc_of: np.ndarray, how: str = "max", depth: int | None = None
) -> list[tuple[int, int, float]]:
    """(document index, its best chunk row, document score) of ranked chunk rows, best first, at most `depth`."""
    if how not in METHODS:
        raise ValueError(f"unknown doc_aggregation {how!r}; use one of {', '.join(METHODS)}")
    if not ranked:
        return []
    rows = np.array([r for r, _ in ranked], dtype=np.int64)
    found, first, local = np.unique(doc_of[rows], return_index=True, return_inverse=True)
    scores = METHODS[how](local, np.array([s for _, s in ranked], dtype=np.float64), len(found))
    top = np.argsort(-scores, kind="stable")[:depth]
    return [(int(found[i]), int(rows[first[i]]), float(scores[i])) for i in top]
