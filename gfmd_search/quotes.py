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

import bisect
import re

QUOTE_WORDS = 6  # a shorter query is a phrase, not a quotation
QUOTE_POOL = 50  # the first this many ranked passages are searched for the quoted words

_WORD = re.compile(r"[^\W_]+")


def is_quotation(query: str) -> bool:
    """Whether the query is long enough to be taken as a quotation."""
    return len(_WORD.findall(query)) >= QUOTE_WORDS


def quote_span(text: str, query: str) -> tuple[int, int] | None:
    """The character span where `text` first holds the query's words in order, or None."""
    wanted = " ".join(_WORD.findall(query.lower()))
    if len(wanted.split()) < QUOTE_WORDS:
        return None
    words = list(_WORD.finditer(text))
    joined = " ".join(w.group().lower() for w in words)
    starts, position = [], 0
    for w in words:
        starts.append(position)
        position += len(w.group()) + 1
    found = (" " + joined + " ").find(" " + wanted + " ")
    if found < 0:
        return None
    first = bisect.bisect_left(starts, found)
    last = first + wanted.count(" ")
    return words[first].start(), words[last].end()


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
