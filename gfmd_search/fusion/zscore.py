"""Convex combination of z-scores: each side standardised over the candidates.

Min-max scaling leans on the two extreme candidates; the mean and spread of the whole
candidate pool are steadier, so a weight tuned on one collection carries to another
(the distribution-based fusion of Qdrant, up to a rank-preserving affine map).
"""

from __future__ import annotations

import numpy as np


def standardise(scores: np.ndarray) -> np.ndarray:
    """(score - mean) / standard deviation over the candidates (all zeros when constant)."""
    spread = float(scores.std())
    if spread <= 1e-12:
        return np.zeros_like(scores, dtype=np.float64)
    return (scores - float(scores.mean())) / spread


def zscore(dense: np.ndarray, lexical: np.ndarray, dense_weight: float) -> np.ndarray:
    """w * z(dense) + (1 - w) * z(bm25)."""
    return dense_weight * standardise(dense) + (1 - dense_weight) * standardise(lexical)
