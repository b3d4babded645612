"""Plain text and Markdown: one page, paragraphs split at blank lines."""

from __future__ import annotations

import re
from pathlib import Path

from ..records import Page
from .base import Extracted, LoadError, decode_utf8

_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")
_MD_HEADING = re.compile(r"#{1,6}\s+(.*?)(?:\s+#+)?\s*")
_MD_RULE = re.compile(r"(?:[-*_=]\s*){3,}")
_LIST_ITEM = re.compile(r"(?:[-*+•]|\d+[.)])\s")


def load_text(data: bytes, path: Path, markdown: bool = False) -> Extracted:
    """A UTF-8 text file as one page; Markdown headings (the first is the title) and
    list items become paragraphs."""
    text = decode_utf8(data, path).replace("\r\n", "\n").replace("\r", "\n")
    found: list[str] = []
    title = None
    for block in _BLANK_LINES.split(text):
        current: list[str] = []
        for line in block.strip().split("\n"):
            line = line.strip()
            heading = _MD_HEADING.fullmatch(line) if markdown else None
            rule = markdown and _MD_RULE.fullmatch(line)
            if heading or rule or _LIST_ITEM.match(line):
                _flush(current, found)
            if heading and heading.group(1):
                found.append(heading.group(1))
                title = title or heading.group(1)
            elif line and not (heading or rule):
                current.append(line)
        _flush(current, found)
    if not found:
        raise LoadError(path, "file has no text")
    return Extracted(pages=[Page(number=1, text="\n\n".join(found))], title=title)


def _flush(lines: list[str], found: list[str]) -> None:
    """Move the wrapped lines gathered so far into `found` as one paragraph."""
    if lines:
        found.append(_SPACES.sub(" ", " ".join(lines)))
        lines.clear()
