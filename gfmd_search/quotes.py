"""Quotations: a query that a passage holds word for word.

A report often says one thing twice in nearly the same words (an executive summary
and its chapter, recommendations and their annex). Searched for a sentence copied
from one of those places, the ranking may prefer the other, which is only close.
A query of at least QUOTE_WORDS words that a passage holds word for word (case,
punctuation and spacing aside) is a quotation: among the first QUOTE_POOL ranked
passages, those holding it come first, and their snippet shows the quoted words,
so the hit cites the page they are on.
"""

from __future__ import annotations

import re
from functools import lru_cache

QUOTE_WORDS = 6  # a shorter query is a phrase, not a quotation
QUOTE_POOL = 50  # the first this many ranked passages are searched for the quoted words

_WORD = re.compile(r"[^\W_]+")


def is_quotation(query: str) -> bool:
    """Whether the query is long enough to be taken as a quotation."""
    return len(_WORD.findall(query)) >= QUOTE_WORDS


def quote_span(text: str, query: str) -> tuple[int, int] | None:
    """The character span where `text` first holds the query's words in order, or None."""
    pattern = _quotation(query)
    found = pattern.search(text) if pattern is not None else None
    return found.span() if found else None


@lru_cache(maxsize=256)
def _quotation(query: str) -> re.Pattern[str] | None:
    """The query's words, whole and in order, with anything but letters and digits between them
    (case aside); None for a query too short to be a quotation."""
    words = _WORD.findall(query)
    if len(words) < QUOTE_WORDS:
        return None
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, words)) + r"(?![^\W_])", re.IGNORECASE)


def quotations_first(ranked: list[tuple[int, float]], texts: list[str], query: str) -> list[tuple[int, float]]:
    """`ranked` with the passages that hold the query word for word moved to the front.

    They keep their order and are lifted by one constant, the gap between the best
    score and the lowest of theirs, so that scores still fall down the list.
    """
    held = [quote_span(text, query) is not None for text in texts]
    if not any(held) or all(held):
        return ranked
    lowest = min(score for (_, score), h in zip(ranked, held) if h)
    lift = ranked[0][1] - lowest
    return [(row, score + lift) for (row, score), h in zip(ranked, held) if h] + [
        item for item, h in zip(ranked, held) if not h
    ]
