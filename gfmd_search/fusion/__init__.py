"""Rank fusion of the dense and BM25 score lists, one module per method.

`METHODS` is the registry: one entry for each name of `config.FUSIONS`, all called alike.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .convex import convex
from .rrf import rrf
from .zscore import zscore

FusionMethod = Callable[[np.ndarray, np.ndarray, float, int], np.ndarray]
"""(dense scores, BM25 scores, dense weight, RRF constant) -> fused scores of the same candidates."""

METHODS: dict[str, FusionMethod] = {
    "rrf": rrf,
    "convex": lambda dense, lexical, dense_weight, _rrf_k: convex(dense, lexical, dense_weight),
    "zscore": lambda dense, lexical, dense_weight, _rrf_k: zscore(dense, lexical, dense_weight),
}


def fuse(method: str, dense: np.ndarray, lexical: np.ndarray, dense_weight: float, rrf_k: int) -> np.ndarray:
    """Fused scores of candidates given their dense and BM25 scores (same order)."""
    if method not in METHODS:
        raise ValueError(f"unknown fusion method {method!r}; known: {', '.join(METHODS)}")
    return METHODS[method](dense, lexical, dense_weight, rrf_k)
