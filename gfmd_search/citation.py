"""Where a hit's snippet is: the physical page of its best-matching text, and for
footnote passages the number of the note it shows."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from typing import Any

from .snippets import window

_NOTE = re.compile(r"(?:^|\n)(\d{1,3})\s*(?=\S)")


def cite(chunk: dict[str, Any], spans: list[tuple[int, int]]) -> tuple[int, str | None]:
    """The page (and note number) of the text a chunk's snippet shows.

    The page is the one most of the snippet's marked words lie on, the earlier on
    a tie; with no marked words (dense mode) it is the page the snippet starts on,
    which is the chunk's first sentence.
    """
    text = chunk["text"]
    start, end = window(text, spans)
    inside = [s for s, e in spans if start <= s and e <= end] or [start]
    breaks = chunk["page_breaks"]
    pages = Counter(bisect.bisect_right(breaks, s) for s in inside)
    best = max(pages.items(), key=lambda item: (item[1], -item[0]))[0]
    note = _note_at(text, inside[0]) if chunk["kind"] == "note" else None
    return chunk["page_start"] + best, note


def _note_at(text: str, offset: int) -> str | None:
    """The number of the note (one per line in a note passage) that holds `offset`."""
    found = None
    for match in _NOTE.finditer(text):
        if match.start() > offset:
            break
        found = match.group(1)
    return found
