"""Structure-aware chunking sized with the embedding model's own tokenizer.

A document is cut into sections at headings, sections into sentences, and the
sentences are packed into chunks of at most the token budget, each chunk
starting with up to `overlap` tokens of the previous chunk's last sentences.
Chunk text is always a contiguous span of `Document.text`, so offsets are exact.
A page's footnotes and table runs become chunks of their own (kind `note` or
`table`), never mixed with body text nor spanning two pages; their offsets are
into the page's block (its notes, or tables, joined by BLOCK_SEPARATOR).
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from .records import BLOCK_SEPARATOR, PAGE_SEPARATOR, Chunk, Document, Page

TokenCounter = Callable[[list[str]], list[int]]
COUNT_BATCH = 4096  # spans tokenized at once, so the word pieces of a huge document are never all held

_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")
_HEADING = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+|[IVX]+\.\s+|#+\s*)?[A-Z0-9][^\n]{0,110}$")


@dataclass
class _Unit:
    start: int
    end: int
    tokens: int
    section: str | None
    heading: bool


def is_heading(paragraph: str) -> bool:
    """A short single line without closing punctuation that starts like a title."""
    line = paragraph.strip()
    return (
        "\n" not in line
        and len(line.split()) <= 12
        and "://" not in line
        and not line.endswith((".", ",", ";", ":", "?", "!"))
        and bool(_HEADING.match(line))
    )


def context_header(doc: Document, section: str | None) -> str:
    """The title (and section) line prefixed to a chunk for embedding and BM25."""
    parts = [doc.title] + ([section] if section and section != doc.title else [])
    return " — ".join(p for p in parts if p) + "\n"


def embedding_text(doc: Document, chunk: Chunk, with_header: bool) -> str:
    """What the encoder and the lexical index see for a chunk."""
    return (context_header(doc, chunk.section) if with_header else "") + chunk.text


class Chunker:
    """Cuts documents into token-bounded chunks that keep their page and section."""

    def __init__(self, count_tokens: TokenCounter, max_tokens: int, overlap: int, with_header: bool = True):
        if overlap >= max_tokens:
            raise ValueError("overlap must be smaller than max_tokens")
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.overlap = overlap
        self.with_header = with_header

    def chunk(self, doc: Document) -> list[Chunk]:
        """The document's chunks in reading order, with text hashes set."""
        text = doc.text
        page_starts = _page_starts(doc)
        units, budgets = self._units(doc, text)
        chunks: list[Chunk] = []
        for start, end, section in self._pack(units, budgets):
            first = bisect.bisect_right(page_starts, start) - 1
            last = bisect.bisect_right(page_starts, end - 1) - 1
            chunks.append(
                Chunk(
                    doc_id=doc.doc_id,
                    ordinal=len(chunks),
                    text=text[start:end],
                    page_start=doc.pages[first].number,
                    page_end=doc.pages[last].number,
                    section=section,
                    char_start=start,
                    char_end=end,
                    page_breaks=[p - start for p in page_starts[first + 1 : last + 1]],
                )
            )
        for page in doc.pages:
            for kind, block in (("note", page.notes), ("table", page.tables)):
                chunks.extend(self._block_chunks(doc, page, kind, block, len(chunks)))
        for chunk in chunks:
            chunk.text_hash = hashlib.sha256(embedding_text(doc, chunk, self.with_header).encode()).hexdigest()
        return chunks

    def _block_chunks(self, doc: Document, page: Page, kind: str, block: list[str], ordinal: int) -> list[Chunk]:
        """One page's notes (or table runs) packed into chunks of their own."""
        if not block:
            return []
        text = BLOCK_SEPARATOR.join(block)
        budget = self._budget(doc, None)
        spans, start = [], 0
        for item in block:
            spans.append((start, start + len(item)))
            start += len(item) + len(BLOCK_SEPARATOR)
        units: list[_Unit] = []
        for (s, e), tokens in zip(spans, self.count_tokens(block)):
            if tokens <= budget:
                units.append(_Unit(s, e, tokens, None, False))
            else:
                units.extend(_split_by_words(text, s, e, None, budget, self.count_tokens))
        packed: list[list[_Unit]] = [[]]
        for unit in units:
            if packed[-1] and sum(u.tokens for u in packed[-1]) + unit.tokens > budget:
                packed.append([])
            packed[-1].append(unit)
        return [
            Chunk(
                doc_id=doc.doc_id,
                ordinal=ordinal + i,
                text=text[group[0].start : group[-1].end],
                page_start=page.number,
                page_end=page.number,
                section=None,
                char_start=group[0].start,
                char_end=group[-1].end,
                kind=kind,
            )
            for i, group in enumerate(packed)
        ]

    def _budget(self, doc: Document, section: str | None) -> int:
        if not self.with_header:
            return self.max_tokens
        header = self.count_tokens([context_header(doc, section)])[0]
        return max(self.max_tokens - header, self.max_tokens // 2)

    def _units(self, doc: Document, text: str) -> tuple[list[_Unit], dict[str | None, int]]:
        """Sentences (or token windows of over-long sentences) tagged with their section."""
        spans: list[tuple[int, int, str | None, bool]] = []
        section: str | None = None
        for para in _PARAGRAPH.finditer(text):
            if is_heading(para.group()):
                section = para.group().lstrip("#").strip()
                spans.append((para.start(), para.end(), section, True))
                continue
            for start, end in _sentences(para.group(), para.start()):
                spans.append((start, end, section, False))
        counts = [
            n
            for i in range(0, len(spans), COUNT_BATCH)
            for n in self.count_tokens([text[s:e] for s, e, _, _ in spans[i : i + COUNT_BATCH]])
        ]
        units: list[_Unit] = []
        budgets: dict[str | None, int] = {}
        for (start, end, sec, heading), tokens in zip(spans, counts):
            if sec not in budgets:
                budgets[sec] = self._budget(doc, sec)
            budget = budgets[sec]
            if tokens <= budget:
                units.append(_Unit(start, end, tokens, sec, heading))
            else:
                units.extend(_split_by_words(text, start, end, sec, budget, self.count_tokens))
        return units, budgets

    def _pack(self, units: list[_Unit], budgets: dict[str | None, int]) -> list[tuple[int, int, str | None]]:
        """Greedy packing of units into spans within the budget, with overlap."""
        spans: list[tuple[int, int, str | None]] = []
        current: list[_Unit] = []
        for unit in units:
            budget = budgets[unit.section]
            starts_section = unit.heading or (current and unit.section != current[-1].section)
            if current and (starts_section or sum(u.tokens for u in current) + unit.tokens > budget):
                spans.append((current[0].start, current[-1].end, current[0].section))
                current = [] if starts_section else self._overlap_tail(current, budget - unit.tokens)
            current.append(unit)
        if current:
            spans.append((current[0].start, current[-1].end, current[0].section))
        headings = {(u.start, u.end) for u in units if u.heading}
        return [s for s in spans if (s[0], s[1]) not in headings]

    def _overlap_tail(self, current: list[_Unit], room: int) -> list[_Unit]:
        tail: list[_Unit] = []
        total = 0
        for unit in reversed(current):
            if unit.heading or total + unit.tokens > min(self.overlap, room):
                break
            tail.insert(0, unit)
            total += unit.tokens
        return tail


def _sentences(paragraph: str, offset: int) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        spans.append((offset + start, offset + match.start()))
        start = match.end()
    spans.append((offset + start, offset + len(paragraph.rstrip())))
    return [(s, e) for s, e in spans if e > s]


def _split_by_words(
    text: str, start: int, end: int, section: str | None, budget: int, count: TokenCounter
) -> list[_Unit]:
    words = list(re.finditer(r"\S+", text[start:end]))
    tokens = count([w.group() for w in words])
    units, first, total = [], 0, 0
    for i, n in enumerate(tokens):
        if total + n > budget and i > first:
            units.append(_Unit(start + words[first].start(), start + words[i - 1].end(), total, section, False))
            first, total = i, 0
        total += n
    units.append(_Unit(start + words[first].start(), start + words[-1].end(), total, section, False))
    return units


def _page_starts(doc: Document) -> list[int]:
    starts, position = [], 0
    for page in doc.pages:
        starts.append(position)
        position += len(page.text) + len(PAGE_SEPARATOR)
    return starts
