"""Near-duplicate hits: the same passage shown twice (a brief and its report, a
recommendation and its management response) is shown once, the others listed in
`also_in`."""

from __future__ import annotations

import html
import re

from .records import AlsoIn, Hit

SHINGLE = 3  # words per shingle
OVERLAP = 0.5  # share of the smaller text's shingles found in the other: nearly the same text

_TAG = re.compile(r"</?mark>")
_WORD = re.compile(r"[^\W_]+")


def shown_text(hit: Hit) -> str:
    """The plain text a hit shows: its snippet without marks and ellipses."""
    return html.unescape(_TAG.sub("", hit.snippet)).strip("… ")


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 1))}


def near_duplicate(a: str, b: str) -> bool:
    """Whether two texts share most of the word shingles of the shorter one."""
    return _overlapping(_shingles(a), _shingles(b))


def _overlapping(sa: set[tuple[str, ...]], sb: set[tuple[str, ...]]) -> bool:
    return bool(sa and sb) and len(sa & sb) >= OVERLAP * min(len(sa), len(sb))


def collapse(hits: list[Hit], k: int) -> list[Hit]:
    """The first `k` hits that repeat no better hit; each repeat goes to its original's `also_in`."""
    kept: list[tuple[Hit, set[tuple[str, ...]]]] = []
    for hit in hits:
        shingles = _shingles(shown_text(hit))
        original = next((h for h, s in kept if _overlapping(s, shingles)), None)
        if original is not None:
            if original.doc_id != hit.doc_id:  # overlapping chunks of one document are simply not repeated
                original.also_in.append(AlsoIn(hit.doc_id, hit.title, hit.page))
        elif len(kept) < k:
            kept.append((hit, shingles))
    return [h for h, _ in kept]
