"""PDF text with pypdf: one Page per physical page, running headers and footers
dropped, wrapped lines rejoined into paragraphs separated by blank lines.

Footnotes (numbered lines in a smaller font at the foot of a page, told apart by
the font sizes pypdf's text visitor reports) and table or chart lines (mostly
numbers, with the labels around them) are taken out of the page's body text into
`Page.notes` and `Page.tables`.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections import Counter
from io import BytesIO
from pathlib import Path

from pypdf import PasswordType, PdfReader

from ..records import Page
from .base import Extracted, LoadError

log = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported as LoadError, not log noise
warnings.filterwarnings("ignore", module=r"pypdf(\.|$)")

EDGE_LINES = 2  # lines at the top and at the bottom of a page searched for headers and footers
REPEAT_SHARE = 0.4  # a line on the edge of this share of pages (and at least REPEAT_MIN_PAGES) is running
REPEAT_MIN_PAGES = 3
SHORT_LINE = 0.8  # a line ending a sentence and shorter than this share of the page width ends a paragraph
VERY_SHORT_LINE = 0.6  # so does a line this short before a capital, even without a stop
HEADING_WIDTH = 0.7
SPARSE_PAGE = 0.6  # a page is judged against at least this share of the document's typical line width
HEADING_WORDS = 12
NOTE_SIZE = 0.92  # a line whose font is at most this share of the body's size is small print
NOTE_NUMBER_GAP = 5  # a note number follows the previous one by at most this much
TABLE_NUMBERS = 0.6  # a line whose tokens are at least this share numbers is a table line
TABLE_MIN_NUMBERS = 4  # a run of table lines holds at least this many numbers
LABEL_WORDS = 6  # a short line beside table lines, of at most this many words, is a chart label

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_ROMAN = r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE_NUMBER = re.compile(
    rf"[-–—|\s]*(?:page\s*)?(?:\d{{1,4}}|{_ROMAN})(?:\s*(?:of|/)\s*\d{{1,4}})?[-–—|\s]*", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*\d{0,3}$")  # footnote marks may follow the stop
_LEADERS = re.compile(r"(?:\.\s?){4,}|…{2,}")  # table-of-contents dot leaders
_TOC_LINE = re.compile(r"…\s*\d+$")
_BULLETS = "•●▪■◦○➢►▶✓❖*\\-–—\ue000-\uf8ff"
_BULLET = re.compile(rf"(?:[{_BULLETS}]|o)\s")
_BULLET_ONLY = re.compile(rf"[{_BULLETS}]")
_CONTROL = {**dict.fromkeys([*range(9), *range(11, 32)]), 0x7F: "•"}  # reportlab's bullet reads as DEL
_NUMBERING = re.compile(r"(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.|[A-Z][.)])\s+")
_NO_HEADING_END = (".", ",", ";", ":", "!", "?", "-")
_CONNECTORS = frozenset(
    ("a", "an", "and", "as", "at", "by", "de", "des", "du", "en", "et", "for", "from", "in", "la", "le", "les")
    + ("of", "on", "or", "the", "to", "with")
)
_TRAILING_WORD = re.compile(r"([^\W\d_]+)-$")
_WORD = re.compile(r"[^\W\d_]+")
_COMPOUND = re.compile(r"[^\W\d_]+-[^\W\d_]+")
_LINE_END_SPLIT = re.compile(r"[^\W\d_]+-[ \t]*\n\s*[^\W\d_]+")
_NUMBER = re.compile(r"[-+(]?[$€£]?\d[\d.,:/%-]*[)%]?[a-z]{0,2}|[-–—]|n/?a", re.IGNORECASE)
_NOTE_START = re.compile(r"(\d{1,3})\s*(?=[^\W\d_]|[\"“(])")


def load_pdf(data: bytes, path: Path, max_pages: int) -> Extracted:
    """Pages of a PDF's text layer with its info title and creation year; LoadError on any failure."""
    try:
        return _load(data, path, max_pages)
    except LoadError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files
        raise LoadError(path, f"not a valid PDF: {exc or type(exc).__name__}") from None


def _load(data: bytes, path: Path, max_pages: int) -> Extracted:
    if b"%PDF-" not in data[:1024]:
        raise LoadError(path, "not a valid PDF: no %PDF header")
    reader = PdfReader(BytesIO(data))
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
        except Exception as exc:
            raise LoadError(path, f"PDF is encrypted ({exc})") from None
        if not opened:
            raise LoadError(path, "PDF is encrypted")
    count = len(reader.pages)
    if count > max_pages:
        raise LoadError(path, f"{count} pages, over the limit of {max_pages}")
    raw, sizes = [], []
    for number, page in enumerate(reader.pages, start=1):
        try:
            text, line_sizes = _page_text(page)
        except Exception as exc:
            raise LoadError(path, f"not a valid PDF: page {number}: {exc or type(exc).__name__}") from None
        raw.append(text)
        sizes.append(line_sizes)
    if not any(text.strip() for text in raw):
        raise LoadError(path, "PDF has no text layer (scanned?); OCR it first")
    pages = [[_LEADERS.sub(" … ", line.translate(_CONTROL).strip()) for line in text.split("\n")] for text in raw]
    drop_running_lines(pages)
    joiner = Joiner("\n".join(raw))
    width = _typical_width(pages)
    body = body_size(sizes)
    if body is None:
        log.warning("%s: the fonts give no sizes; footnotes are left in the body text", path)
    labels = _labels(reader)
    built = []
    for i, lines in enumerate(pages):
        tables = take_tables(lines, width)
        notes = take_notes(lines, sizes[i], body) if body else []
        built.append(
            Page(
                number=i + 1,
                text=paragraphs(lines, joiner, width),
                label=labels[i] if labels else None,
                notes=[joiner.join(note) for note in notes],
                tables=[" ".join(run) for run in tables],
            )
        )
    title, year = _info(reader)
    return Extracted(
        pages=built,
        title=title,
        year=year,
    )


def drop_running_lines(pages: list[list[str]]) -> None:
    """Blank, in place, page numbers and lines repeated on the edges of many pages."""
    edges = []
    for lines in pages:
        filled = [i for i, line in enumerate(lines) if line]
        edges.append({i: _normalise(lines[i]) for i in filled[:EDGE_LINES] + filled[-EDGE_LINES:]})
    counts = Counter(key for page in edges for key in set(page.values()))
    threshold = max(REPEAT_MIN_PAGES, math.ceil(REPEAT_SHARE * len(pages)))
    for lines, page in zip(pages, edges):
        for i, key in page.items():
            if counts[key] >= threshold or _PAGE_NUMBER.fullmatch(lines[i]):
                lines[i] = ""


def _page_text(page) -> tuple[str, list[float]]:
    """The page's text and, per line, the font size (in points) most of its characters are set in."""
    lines: list[Counter[float]] = [Counter()]

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        # the vertical scale of the text rendering matrix tm × cm turns the font size into points
        c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
        points = round(abs(size or 0) * math.hypot(c, d) * 2) / 2
        for i, piece in enumerate(text.split("\n")):
            if i:
                lines.append(Counter())
            lines[-1][points] += len(piece.strip())

    text = page.extract_text(visitor_text=visit) or ""
    found = [line.most_common(1)[0][0] if line else 0.0 for line in lines]
    return text, found + [0.0] * (text.count("\n") + 1 - len(found))


def body_size(sizes: list[list[float]]) -> float | None:
    """The font size most lines of the document are set in; None when the fonts give no sizes."""
    counts = Counter(size for page in sizes for size in page if size > 0)
    return counts.most_common(1)[0][0] if counts else None


def take_tables(lines: list[str], width: int) -> list[list[str]]:
    """Runs of table lines (mostly numbers, and the short labels beside them), blanked in place."""
    numeric = [bool(line) and _is_numeric(line) for line in lines]
    label = [bool(line) and not numeric[i] and _is_label(line, width) for i, line in enumerate(lines)]
    runs, i = [], 0
    while i < len(lines):
        if not (numeric[i] or label[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and (numeric[j] or label[j] or not lines[j]):
            j += 1
        while j > i and not lines[j - 1]:
            j -= 1
        numbers = sum(len(_NUMBER.findall(lines[n])) for n in range(i, j) if numeric[n])
        if numbers >= TABLE_MIN_NUMBERS:
            runs.append([line for line in lines[i:j] if line])
            lines[i:j] = [""] * (j - i)
        i = j
    return runs


def take_notes(lines: list[str], sizes: list[float], body: float) -> list[list[str]]:
    """The footnotes at the foot of a page, each a list of its lines, blanked in place.

    The notes are the last lines of the page in small print, from the first one
    that starts with a note number; a line starts a new note when it begins with
    a number a little above the previous note's.
    """
    small = [i for i, line in enumerate(lines) if line]
    start = len(small)
    while start > 0 and 0 < sizes[small[start - 1]] <= NOTE_SIZE * body:
        start -= 1
    foot = small[start:]
    first = next((k for k, i in enumerate(foot) if _NOTE_START.match(lines[i])), None)
    if first is None:
        return []
    notes: list[list[str]] = []
    last = 0
    for i in foot[first:]:
        number = _NOTE_START.match(lines[i])
        if number and (not notes or last < int(number.group(1)) <= last + NOTE_NUMBER_GAP):
            notes.append([])
            last = int(number.group(1))
        notes[-1].append(lines[i])
        lines[i] = ""
    return notes


def _is_numeric(line: str) -> bool:
    tokens = line.split()
    return sum(bool(_NUMBER.fullmatch(t)) for t in tokens) >= TABLE_NUMBERS * len(tokens)


def _is_label(line: str, width: int) -> bool:
    """A chart or table label: a few words, no sentence."""
    return len(line.split()) <= LABEL_WORDS and len(line) < VERY_SHORT_LINE * width and not _SENTENCE_END.search(line)


def paragraphs(lines: list[str], joiner: Joiner, typical_width: int = 0) -> str:
    """A page's lines as paragraphs separated by blank lines; headings stand alone.

    Line lengths are judged against the page's typical width (footnotes and tables
    make the longest line a poor measure), or a share of the document's on sparse
    pages such as covers.
    """
    width = max(_typical_width([lines]), int(SPARSE_PAGE * typical_width))
    found: list[str] = []
    current: list[str] = []
    heading = False
    for line in lines:
        if not line or _BULLET_ONLY.fullmatch(line):
            if current:
                found.append(joiner.join(current))
                current = []
            continue
        if current:
            prev = current[-1]
            capitals = line.isupper() and not prev.isupper() and _is_heading(line, width)
            if capitals or _BULLET.match(line) or _TOC_LINE.search(prev):
                ends = True
            elif heading:
                # a heading wraps onto a line continuing it; a long continuation makes it a paragraph
                ends = not (line[0].islower() or _continues(prev))
                heading = ends or _is_short(line, width)
            elif _SENTENCE_END.search(prev):
                ends = len(prev) < SHORT_LINE * width or _is_heading(line, width)
            else:  # a short line without a stop, then a capital: the end of a title or a table cell
                ends = len(prev) < VERY_SHORT_LINE * width and line[0].isupper() and not _continues(prev)
            if ends:
                found.append(joiner.join(current))
                current = []
        if not current:
            heading = _is_heading(line, width)
        current.append(line)
    if current:
        found.append(joiner.join(current))
    return "\n\n".join(found)


class Joiner:
    """Joins wrapped lines, mending words hyphenated at a line end.

    Before an uppercase letter or a digit the hyphen stays ("EU-" + "IOM"). Before
    a lowercase letter it goes ("migra-" + "nts"), unless the document never writes
    the closed word and either writes the hyphenated one or knows both halves as
    words ("capacity-" + "building"). The vocabulary leaves out line-end splits.
    """

    def __init__(self, text: str):
        lowered = _LINE_END_SPLIT.sub(" ", text.lower())
        self.compounds = set(_COMPOUND.findall(lowered))
        self.words = set(_WORD.findall(lowered))

    def join(self, lines: list[str]) -> str:
        pieces = [lines[0]]
        for prev, line in zip(lines, lines[1:]):
            if prev.endswith("-") and prev[-2:-1].isalnum() and line[:1].isalnum():
                if line[0].islower() and not self._compound(prev, line):
                    pieces[-1] = pieces[-1][:-1]
            else:
                pieces.append(" ")
            pieces.append(line)
        return _SPACES.sub(" ", "".join(pieces)).strip()

    def _compound(self, prev: str, line: str) -> bool:
        head = _TRAILING_WORD.search(prev)
        tail = _WORD.match(line)
        if not head or not tail:
            return False
        first, second = head.group(1).lower(), tail.group(0).lower()
        if first + second in self.words:
            return False
        return f"{first}-{second}" in self.compounds or (first in self.words and second in self.words)


def _continues(line: str) -> bool:
    """Whether a line visibly runs on: it ends with a comma, a hyphen or a connecting word."""
    return line.endswith((",", ";", "-")) or line.rsplit(None, 1)[-1].lower() in _CONNECTORS


def _is_short(line: str, width: int) -> bool:
    """Short enough for a heading and not ending like a sentence."""
    return (
        len(line) <= HEADING_WIDTH * width and len(line.split()) <= HEADING_WORDS and not line.endswith(_NO_HEADING_END)
    )


def _is_heading(line: str, width: int) -> bool:
    """A short line starting with a capital, after any numbering."""
    if not _is_short(line, width):
        return False
    numbering = _NUMBERING.match(line)
    rest = line[numbering.end() :] if numbering else line
    return rest[:1].isupper()


def _typical_width(pages: list[list[str]]) -> int:
    """The 80th percentile of the line lengths on the pages."""
    lengths = sorted(len(line) for lines in pages for line in lines if line)
    return lengths[int(0.8 * (len(lengths) - 1))] if lengths else 0


def _normalise(line: str) -> str:
    return _SPACES.sub(" ", _DIGITS.sub("#", line)).strip().lower()


def _labels(reader: PdfReader) -> list[str] | None:
    """Printed page labels where the PDF defines them."""
    if "/PageLabels" not in reader.root_object:
        return None
    try:
        return list(reader.page_labels)
    except Exception:
        return None


def _info(reader: PdfReader) -> tuple[str | None, int | None]:
    """The document info's title and creation year, where present and readable."""
    try:
        info = reader.metadata
        title, created = (info.title, info.creation_date_raw) if info else (None, None)
    except Exception:
        return None, None
    found = re.match(r"(?:D:)?((?:19|20)\d\d)", str(created or ""))
    year = int(found.group(1)) if found else None
    return (str(title).strip() or None) if title else None, year if year and 1990 <= year <= 2039 else None
