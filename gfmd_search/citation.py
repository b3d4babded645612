"""Where a hit's snippet is: the physical page of its best-matching text, and for
footnote passages the number of the note it shows."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from typing import Any

from .snippets import window

_NOTE = re.compile(r"(?:^|(?<=\n))(\d{1,3})\s*(?=\S)")


def cite(chunk: dict[str, Any], spans: list[tuple[int, int]]) -> tuple[int, str | None]:
    """The page (and note number) of the text a chunk's snippet shows.

    The page is the one most of the snippet's marked words lie on, the earlier on
    a tie; with no marked words (dense mode) it is the page the snippet starts on,
    which is the chunk's first sentence.
    """
    text = chunk["text"]
    start, end = window(text, spans)
    inside = [s for s, e in spans if start <= s and e <= end] or [start]
    page = chunk["page_start"] + _most(chunk["page_breaks"], inside)
    if chunk["kind"] != "note":
        return page, None
    notes = list(_NOTE.finditer(text))
    if not notes:
        return page, None
    return page, notes[max(_most([n.start() for n in notes[1:]], inside), 0)].group(1)


def _most(bounds: list[int], offsets: list[int]) -> int:
    """The index of the stretch between `bounds` that holds the most offsets (the first on a tie)."""
    counts = Counter(bisect.bisect_right(bounds, s) for s in offsets)
    return max(counts.items(), key=lambda item: (item[1], -item[0]))[0]
