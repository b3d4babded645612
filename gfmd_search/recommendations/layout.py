"""Where things are in a document's text: paragraphs, headings and the page of an offset.

Offsets are in `Document.text` (pages joined by PAGE_SEPARATOR), the frame of chunk offsets, so
a recommendation's page follows the passage rule: the page its first character is on.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..chunking import is_heading
from ..records import PAGE_SEPARATOR, Document

_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")
_CONTENTS_LINE = re.compile(r"(?:…|\.{3,}|_{3,}|\s)\s*\d+\s*$")  # "5.2. Recommendations … 28"
_OPEN_END = re.compile(r"[^.!?:;)\]»”\"]\s*$")
RECOMMENDATIONS_HEADING = re.compile(
    r"^(?:[\dIVX]+(?:\.\d+)*\.?\s+)?(?:(?:key|main|summary\s+of|principales?|principaux|resumen\s+de\s+las|"
    r"principales)\s+)?(?:recommendations?|recommandations?|recomendaci(?:ón|on|ones))\b",
    re.IGNORECASE,
)


@dataclass
class Layout:
    """A document's text with its page starts and paragraph spans."""

    text: str
    page_starts: list[int]
    paragraphs: list[tuple[int, int]]

    @classmethod
    def of(cls, doc: Document) -> Layout:
        starts, offset = [], 0
        for page in doc.pages:
            starts.append(offset)
            offset += len(page.text) + len(PAGE_SEPARATOR)
        text = doc.text
        return cls(text, starts, [m.span() for m in _PARAGRAPH.finditer(text)])

    def page(self, offset: int) -> int:
        """The 1-based page that holds `offset`."""
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def paragraph_end(self, offset: int) -> int:
        """End of the paragraph holding `offset`; a paragraph cut by a page break without closing
        punctuation, whose next paragraph starts in lower case, runs on into it."""
        i = bisect.bisect_right([s for s, _ in self.paragraphs], offset) - 1
        if i < 0:
            return len(self.text)
        end = self.paragraphs[i][1]
        while i + 1 < len(self.paragraphs):
            nxt_start, nxt_end = self.paragraphs[i + 1]
            crosses_page = self.page(nxt_start) != self.page(end - 1)
            if crosses_page and _OPEN_END.search(self.text[:end]) and self.text[nxt_start : nxt_start + 1].islower():
                end, i = nxt_end, i + 1
            else:
                break
        return end

    def next_paragraph(self, offset: int) -> tuple[int, int] | None:
        """The first paragraph that starts at or after `offset`."""
        i = bisect.bisect_left([s for s, _ in self.paragraphs], offset)
        return self.paragraphs[i] if i < len(self.paragraphs) else None

    def headings(self) -> list[tuple[int, int]]:
        """Spans of paragraphs that read as headings."""
        return [(s, e) for s, e in self.paragraphs if is_heading(self.text[s:e])]

    def recommendation_sections(self) -> list[tuple[int, int]]:
        """Spans that start at a "Recommendations" heading and run to the next other heading."""
        heads = self.headings()
        sections: list[tuple[int, int]] = []
        for i, (s, e) in enumerate(heads):
            line = self.text[s:e].strip()
            if (
                (sections and s < sections[-1][1])
                or _CONTENTS_LINE.search(line)
                or not RECOMMENDATIONS_HEADING.match(line)
            ):
                continue
            end = len(self.text)
            for s2, e2 in heads[i + 1 :]:
                line = self.text[s2:e2].strip()
                if (
                    ":" not in line
                    and not re.match(r"^\d{1,2}[.)]\s", line)
                    and not RECOMMENDATIONS_HEADING.match(line)
                ):
                    end = s2
                    break
            sections.append((e, end))
        return sections
