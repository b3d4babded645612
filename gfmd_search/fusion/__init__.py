"""Rank fusion of the dense and BM25 score lists, one module per method."""

from __future__ import annotations

import numpy as np

from .convex import convex
from .rrf import rrf
from .zscore import zscore

METHODS = {"rrf": rrf, "convex": convex, "zscore": zscore}


def fuse(method: str, dense: np.ndarray, lexical: np.ndarray, dense_weight: float, rrf_k: int) -> np.ndarray:
    """Fused scores of candidates given their dense and BM25 scores (same order)."""
    if method == "rrf":
        return rrf(dense, lexical, dense_weight, rrf_k)
    if method == "convex":
        return convex(dense, lexical, dense_weight)
    if method == "zscore":
        return zscore(dense, lexical, dense_weight)
    raise ValueError(f"unknown fusion method {method!r}; known: {', '.join(METHODS)}")
