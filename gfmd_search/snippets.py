"""Snippets: a window of a passage with spans marked by <mark>, HTML-escaped."""

from __future__ import annotations

import html
import re

from .lexical import Analyzer
from .quotes import quote_span

_WORD = re.compile(r"\w+")
MARGIN = 40
WIDTH = 320


def query_spans(text: str, query: str, analyzer: Analyzer, language: str | None = None) -> list[tuple[int, int]]:
    """Spans of the words in `text` (written in `language`) that share an index term with the query;
    where `text` holds the query word for word (a quotation), only those inside the quoted words."""
    wanted = set(analyzer.query_terms(query))
    if not wanted:
        return []
    words = list(_WORD.finditer(text))
    terms = analyzer.word_terms([w.group() for w in words], language)
    spans = [(w.start(), w.end()) for w, term in zip(words, terms) if term in wanted]
    quoted = quote_span(text, query)
    if quoted is None:
        return spans
    return [(s, e) for s, e in spans if quoted[0] <= s and e <= quoted[1]] or spans


def snippet(text: str, spans: list[tuple[int, int]], width: int = WIDTH) -> str:
    """The `width`-character window holding the most spans, with those spans marked."""
    start, end = window(text, spans, width)
    parts, position = [], start
    for s, e in spans:
        if s < position or e > end:
            continue
        parts.append(html.escape(text[position:s]))
        parts.append(f"<mark>{html.escape(text[s:e])}</mark>")
        position = e
    parts.append(html.escape(text[position:end]))
    body = re.sub(r"\s+", " ", "".join(parts)).strip()
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def window(text: str, spans: list[tuple[int, int]], width: int = WIDTH) -> tuple[int, int]:
    """Start and end of the text a snippet shows."""
    start = _best_window(text, spans, width)
    end = min(len(text), start + width)
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start + width // 2 else end
    return start, end


def _best_window(text: str, spans: list[tuple[int, int]], width: int) -> int:
    """Start of the window (on a word boundary) that covers the most spans."""
    if not spans or len(text) <= width:
        return 0
    starts = [s for s, _ in spans]
    best, best_count, j = starts[0], 0, 0
    for i, s in enumerate(starts):
        j = max(j, i)
        while j + 1 < len(starts) and starts[j + 1] < s + width - MARGIN:
            j += 1
        if j - i + 1 > best_count:
            best, best_count = s, j - i + 1
    begin = max(0, best - MARGIN)
    space = text.rfind(" ", 0, begin)
    return space + 1 if begin > 0 and space >= 0 else begin
