"""Convex combination of min-max normalised scores (Bruch, Gai and Ingber 2023)."""

from __future__ import annotations

import numpy as np


def min_max(scores: np.ndarray) -> np.ndarray:
    """Scores rescaled to [0, 1] over the candidates (all zeros when constant)."""
    if scores.size == 0:
        return np.zeros(0, dtype=np.float64)
    low, high = float(scores.min()), float(scores.max())
    if high - low <= 1e-12:
        return np.zeros_like(scores, dtype=np.float64)
    return (scores - low) / (high - low)


def convex(dense: np.ndarray, lexical: np.ndarray, dense_weight: float) -> np.ndarray:
    """w * norm(dense) + (1 - w) * norm(bm25)."""
    return dense_weight * min_max(dense) + (1 - dense_weight) * min_max(lexical)
