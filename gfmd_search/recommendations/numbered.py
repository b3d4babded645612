"""Numbered recommendations: labelled ones ("Recommendation 3:", "Recommandation n° 3", "R3.",
"Evaluation recommendation # 3:") anywhere, and numbered or lettered items of a list under a
"Recommendations" heading (a later section's own list, such as a case study's, keeps its items
beside the main ones). A mention such as "in line with Recommendation 1" or "(see
Recommendation 2)" is a reference, not a new recommendation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import Layout
from .link import WITH_NUMBER, similarity, words

_WORD = r"(?:recommendation|recommandation|recomendaci[óo]n)"
LABEL = re.compile(
    rf"(?:\b(?:evaluation\s+|évaluation\s+)?{_WORD}\s*(?:n[°ºo]\.?\s*|no\.\s*|#\s*)?(?P<num>\d{{1,2}}\b|[A-H]\b)"
    rf"|(?<![\w/-])R(?P<rnum>\d{{1,2}}))"
    r"(?![\w.,/-]*\d)(?=\s*(?:\(time\s*\d\)\s*)?(?::|\.(?!\d)|\s[-–—]\s|[ \t]*(?:\n|$)))",
    re.IGNORECASE,
)
# Words that make a following "Recommendation N" a reference to it.
_REFERENCE_BEFORE = re.compile(
    r"(?:\b(?:with|to|of|in|see|per|under|from|and|or|by|on|cf|avec|à|de|du|la|le|con|según|y|por|en|par|sur)"
    r"|[(\[])\s*$",
    re.IGNORECASE,
)
_TIME_TAG = re.compile(r"\s*(?:\(time\s*\d\)\s*)?[:.\-–—]?\s*(?:\(time\s*\d\)\s*)?[:.\-–—]?\s*", re.IGNORECASE)
_ITEM = re.compile(r"(?:(?<=\s)|^)(?P<num>\d{1,2}|[a-h])[.)]\s+(?=[A-ZÀ-ÝÉ])")
# Where a recommendation's statement stops inside a response form.
STOP_FIELDS = re.compile(
    r"\b(?:responsible\s+unit|recommendation\s+to\s*:|management\s+response|key\s+actions?\s*:|priority(?:\s+level)?\s*[:(]"
    r"|linked\s+to\s*:|responsibility\s*:|timeline\s*:|unité\s+responsable|réponse\s+de\s+la\s+direction)",
    re.IGNORECASE,
)
MIN_TEXT = 15
MAX_BODY = 8000  # how far after a recommendation outside a Recommendations section its fields are read


@dataclass
class Found:
    """A numbered recommendation before addressees and responses: its number, statement span,
    and body span (the statement and what follows it up to the next recommendation)."""

    number: str
    start: int
    end: int
    body_end: int
    labelled: bool
    in_section: bool
    at: int  # where its label or list marker starts


def find_numbered(layout: Layout) -> tuple[list[Found], list[tuple[int, int]]]:
    """Numbered recommendations in reading order, one per number: a repeat in a summary or an
    annex gives way to the labelled one in a Recommendations section, then to the longer one.
    Also the spans no prose recommendation is read in: each kept one with its body, and the
    statement of each repeat (the text after a repeat is the document's own)."""
    text = layout.text
    sections = layout.recommendation_sections()
    found = [*_labelled(layout, sections), *_listed(layout, sections)]
    found.sort(key=lambda f: f.start)
    starts = [f.start for f in found]
    for i, f in enumerate(found):
        nxt = starts[i + 1] if i + 1 < len(starts) else len(text)
        section_end = next((e for s, e in sections if s <= f.start < e), len(text))
        f.body_end = max(f.end, min(nxt, section_end if f.in_section else f.end + MAX_BODY))
    best: dict[str, Found] = {}
    for f in found:
        key = f.number.lower()
        if key not in best or _weight(f) > _weight(best[key]):
            best[key] = f
    kept = sorted([*best.values(), *_own_lists(layout, sections, found, best)], key=lambda f: f.start)
    return kept, [(f.at, f.body_end if f in kept else f.end) for f in found]


def _own_lists(
    layout: Layout, sections: list[tuple[int, int]], found: list[Found], best: dict[str, Found]
) -> list[Found]:
    """Items of a list in another Recommendations section (a case study's own) that do not repeat
    the kept recommendation of their number: they are recommendations of their own, numbered
    "N (p. P)" after the page their section starts on."""
    def section_of(offset: int) -> int | None:
        return next((s for s, e in sections if s <= offset < e), None)

    text, out = layout.text, []
    for f in found:
        kept = best[f.number.lower()]
        section = section_of(f.start)
        if f is kept or f.labelled or section is None or section == section_of(kept.start):
            continue
        if similarity(words(text[f.start : f.end]), words(text[kept.start : kept.end])) >= WITH_NUMBER:
            continue
        f.number = f"{f.number} (p. {layout.page(section)})"
        out.append(f)
    return out


def _weight(f: Found) -> tuple[bool, bool, int]:
    """Labelled beats listed, inside a Recommendations section beats outside, then the longer body."""
    return f.labelled, f.in_section, f.body_end - f.start


def _in(sections: list[tuple[int, int]], offset: int) -> bool:
    return any(s <= offset < e for s, e in sections)


def _labelled(layout: Layout, sections: list[tuple[int, int]]) -> list[Found]:
    text = layout.text
    out = []
    matches = [
        m for m in LABEL.finditer(text) if not _REFERENCE_BEFORE.search(text[max(0, m.start() - 25) : m.start()])
    ]
    for i, m in enumerate(matches):
        start = m.end() + len(_TIME_TAG.match(text, m.end()).group())
        limit = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        end = _statement_end(layout, start, limit)
        if end - start < MIN_TEXT:  # the label stands alone on its line: the statement follows
            para = layout.next_paragraph(end + 1)
            if para is None or para[0] >= limit:
                continue
            start = para[0] + len(_TIME_TAG.match(text, para[0]).group())
            end = _statement_end(layout, start, limit)
            if end - start < MIN_TEXT:
                continue
        number = m.group("num") or m.group("rnum")
        out.append(Found(number.upper(), start, end, end, True, _in(sections, m.start()), m.start()))
    return out


def _listed(layout: Layout, sections: list[tuple[int, int]]) -> list[Found]:
    """Items "1." "2." ... (or "a)" "b)" ...) in sequence from the first, in each section."""
    text = layout.text
    out = []
    for s, e in sections:
        for first in ("1", "a"):
            expected = first
            items = []
            for m in _ITEM.finditer(text, s, e):
                if m.group("num") == expected:
                    items.append(m)
                    expected = str(int(expected) + 1) if expected.isdigit() else chr(ord(expected) + 1)
            for i, m in enumerate(items):
                limit = items[i + 1].start() if i + 1 < len(items) else e
                end = _statement_end(layout, m.end(), limit)
                if end - m.end() >= MIN_TEXT:
                    out.append(Found(m.group("num").upper(), m.end(), end, end, False, True, m.start()))
            if items:
                break
    return out


def _statement_end(layout: Layout, start: int, limit: int) -> int:
    """A statement runs to the end of its paragraph, the next recommendation, or a form field."""
    end = min(layout.paragraph_end(start), limit)
    stop = STOP_FIELDS.search(layout.text, start, end)
    if stop:
        end = stop.start()
    return len(layout.text[:end].rstrip(" \t\n:;–—-"))
