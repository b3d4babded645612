"""Weighted reciprocal rank fusion (Cormack, Clarke and Büttcher 2009)."""

from __future__ import annotations

import numpy as np


def ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each score, best first (ties broken by position)."""
    order = np.argsort(-scores, kind="stable")
    result = np.empty(len(scores), dtype=np.float64)
    result[order] = np.arange(1, len(scores) + 1)
    return result


def rrf(dense: np.ndarray, lexical: np.ndarray, dense_weight: float, k: int) -> np.ndarray:
    """Sum of weighted 1/(k + rank); weights 2w and 2(1-w) so w=0.5 is plain RRF."""
    return 2 * dense_weight / (k + ranks(dense)) + 2 * (1 - dense_weight) / (k + ranks(lexical))
