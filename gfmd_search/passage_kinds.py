"""Table passages in a ranking: searchable, but never above prose for a prose query."""

from __future__ import annotations

import numpy as np

TABLE_DEMOTION = 2.0  # subtracted from a table passage's fused score (z-score units) for a prose query
PROSE = 0.5  # a query with less than this share of tokens holding digits is prose


def is_prose(query: str) -> bool:
    """Whether a query is mostly words rather than numbers."""
    tokens = query.split()
    return sum(any(ch.isdigit() for ch in t) for t in tokens) < PROSE * max(len(tokens), 1)


def demote_tables(fused: np.ndarray, tables: np.ndarray, query: str) -> np.ndarray:
    """Fused scores with table passages (where `tables` is true) pushed down when the query is prose."""
    if not is_prose(query):
        return fused
    return np.where(tables, fused - TABLE_DEMOTION, fused)
