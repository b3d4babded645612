"""One document's recommendations: matrix blocks, numbered ones, then prose, in reading order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..records import ADDRESSEE, RESPONSIBLE, Chunk, Document, Mention, Recommendation, Response
from .addressees import addressee_phrase, resolve
from .layout import Layout
from .numbered import LABEL, find_numbered
from .prose import find_prose
from .responses import RECOMMENDATION_TO, Parsed, parse_form, parse_matrix_block, units_field

NUMBERED, PROSE = "numbered", "prose"
_ADDRESSED_PHRASE = re.compile(
    r"recommendation\s+to\s*:\s*(?P<who>.*?)(?=\bpriority\b|\n\s*\n|$)", re.IGNORECASE | re.S
)


@dataclass
class Extraction:
    """A document's recommendation units, and the spans (start, end, role) of its text that name
    addressees and responsible units (for the roles of actor mentions)."""

    units: list[Recommendation]
    roles: list[tuple[int, int, str]] = field(default_factory=list)


def extract(doc: Document) -> Extraction:
    """The recommendations of one document; none when it has none."""
    layout = Layout.of(doc)
    text = layout.text
    themes = _themes(doc)
    found: list[tuple[Recommendation, Parsed | None, int]] = []
    roles: list[tuple[int, int, str]] = []
    blocks = _matrix_blocks(layout)
    for start, end, block_start, block_end, number in blocks:
        parsed = parse_matrix_block(text[block_start:block_end])
        addressed = _ADDRESSED_PHRASE.match(text, block_start, block_end)
        phrase = addressed.group("who") if addressed else None
        if phrase:
            roles.append((addressed.start("who"), addressed.end("who"), ADDRESSEE))
        statement = text[start:end].strip() or parsed.raw[:300]
        unit = Recommendation(
            doc.doc_id,
            0,
            number,
            statement,
            layout.page(start),
            start,
            end,
            NUMBERED,
            resolve(phrase) or resolve(addressee_phrase(statement)),
            themes,
        )
        found.append((unit, parsed, block_start + parsed.offset))
        roles.extend(_spans(text, parsed.responsible, block_start, block_end, RESPONSIBLE))
    in_blocks = [(s, e) for s, _, _, e, _ in blocks]
    numbered, covered = find_numbered(layout)
    numbered = [f for f in numbered if not any(s <= f.start < e for s, e in in_blocks)]
    for f in numbered:
        statement = text[f.start : f.end]
        body = text[f.start : f.body_end]
        parsed = parse_form(body)
        phrase = addressee_phrase(statement)
        units = units_field(body)
        names = list(dict.fromkeys(resolve(phrase) + resolve(units)))
        if phrase:
            roles.append((f.start, f.start + len(phrase), ADDRESSEE))
        if units:
            roles.extend(_spans(text, [units], f.start, f.body_end, ADDRESSEE))
        if parsed:
            roles.extend(_spans(text, parsed.responsible, f.start, f.body_end, RESPONSIBLE))
        unit = Recommendation(
            doc.doc_id, 0, f.number, statement.strip(), layout.page(f.start), f.start, f.end, NUMBERED, names, themes
        )
        found.append((unit, parsed, f.start + (parsed.offset if parsed else 0)))
    skip = in_blocks + covered
    for start, end, names in find_prose(text, skip):
        unit = Recommendation(
            doc.doc_id, 0, None, text[start:end], layout.page(start), start, end, PROSE, names, themes
        )
        found.append((unit, None, start))
    found.sort(key=lambda item: item[0].char_start)
    units = []
    for i, (unit, parsed, at) in enumerate(found):
        unit.ordinal = i
        if parsed is not None:
            unit.response = Response(
                parsed.status,
                parsed.actions,
                parsed.responsible,
                parsed.deadline,
                parsed.priority,
                doc.doc_id,
                layout.page(at),
                parsed.raw,
            )
        units.append(unit)
    return Extraction(units, roles)


def _matrix_blocks(layout: Layout) -> list[tuple[int, int, int, int, str]]:
    """(statement start, statement end, block start, block end, number) of each response-matrix block:
    the statement is the text before "Recommendation to:" on its page, the block runs to the next."""
    text = layout.text
    marks = list(RECOMMENDATION_TO.finditer(text))
    out = []
    starts: list[int] = []
    for i, m in enumerate(marks):
        floor = marks[i - 1].end() if i else 0
        page_start = layout.page_starts[layout.page(m.start()) - 1]
        starts.append(max(floor, page_start))
    for i, m in enumerate(marks):
        start = starts[i]
        block_end = starts[i + 1] if i + 1 < len(marks) else len(text)
        statement = text[start : m.start()]
        label = LABEL.search(statement)
        number = (label.group("num") or label.group("rnum")).upper() if label else str(i + 1)
        if label:
            start += label.end()
            statement = text[start : m.start()]
        lead = len(statement) - len(statement.lstrip(" \t\n:.-–—"))
        out.append((start + lead, len(text[: m.start()].rstrip()), m.start(), block_end, number))
    return out


def _spans(text: str, phrases: list[str], lo: int, hi: int, role: str) -> list[tuple[int, int, str]]:
    """Where each (whitespace-normalised) phrase stands in text[lo:hi]."""
    out = []
    for phrase in phrases:
        words = phrase.split()
        if not words:
            continue
        m = re.compile(r"\s+".join(map(re.escape, words))).search(text, lo, hi)
        if m:
            out.append((m.start(), m.end(), role))
    return out


def _themes(doc: Document) -> list[str]:
    value = doc.extra.get("themes") or doc.extra.get("theme")
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    return [str(t) for t in value] if isinstance(value, list) else []


def with_roles(mentions: list[Mention], chunk: Chunk, roles: list[tuple[int, int, str]]) -> list[Mention]:
    """The chunk's mentions, those inside an addressee or responsible span given that role when
    no other role was stated (offsets of `roles` are in the document, of mentions in the chunk)."""
    for m in mentions:
        at = chunk.char_start + m.start
        if m.role is None:
            m.role = next((role for s, e, role in roles if s <= at < e), None)
    return mentions
