"""Document metadata: an optional `<file name>.meta.json` sidecar, else what the
file and its name tell; document ids and content hashes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from ..records import Document
from .base import Extracted, LoadError, decode_utf8, read_bytes

SIDECAR_SUFFIX = ".meta.json"
TEXT_FIELDS = ("id", "title", "doc_type", "meeting", "source")
TITLE_MAX_CHARS = 150
TITLE_PARAGRAPHS = 6  # paragraphs of the first page searched for a title

_YEAR = re.compile(r"(?<!\d)(19\d\d|20[0-3]\d)(?!\d)")
_SPACES = re.compile(r"\s+")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|janv|févr|fevr|mars|avr|mai|juin|juil|août|aout|sept|déc"
_DATELINE = re.compile(rf"\b(?:{_MONTHS})[a-zéû]*\.?\s+\d{{4}}\W*$|\d{{1,2}}[-/.]\d{{4}}\W*$", re.IGNORECASE)
_JUNK_TITLE = re.compile(r"microsoft (?:word|powerpoint|excel)\b|untitled\b|powerpoint presentation$|slide \d+$", re.I)
_FILE_NAME = re.compile(r"\S+\.(?:docx?|pdf|pptx?|xlsx?|rtf|odt|indd|txt|md|html?)$", re.I)
_DOC_TYPES = [
    (re.compile(rf"\b(?:{pattern})\b"), name)
    for pattern, name in (
        ("inception report", "inception report"),
        ("management response", "management response"),
        ("terms of reference|tor", "terms of reference"),
        ("concept note", "concept note"),
        ("background paper", "background paper"),
        ("brief", "brief"),
        ("annex", "annex"),
        ("case stud(?:y|ies)", "case study"),
        ("summary", "summary"),
        ("report", "report"),
        ("review", "review"),
    )
]
_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
}


def sidecar_path(path: Path) -> Path:
    """Where a file's metadata sidecar lives: `report.pdf` -> `report.pdf.meta.json`."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> tuple[dict[str, Any], bytes]:
    """The validated sidecar of `path` and its bytes; ({}, b"") when there is none."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return {}, b""
    data = read_bytes(sidecar)
    try:
        meta = json.loads(decode_utf8(data, sidecar))
    except json.JSONDecodeError as exc:
        raise LoadError(sidecar, f"invalid JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise LoadError(sidecar, f"must hold a JSON object, not {_JSON_TYPES.get(type(meta), 'null')}")
    for key in TEXT_FIELDS:
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            raise LoadError(sidecar, f"field {key!r} must be a string, not {_JSON_TYPES[type(value)]}")
    if meta.get("id") is not None and not slugify(meta["id"]):
        raise LoadError(sidecar, "field 'id' must contain letters or digits")
    if "year" in meta:
        meta["year"] = _sidecar_year(meta["year"], sidecar)
    return meta, data


def identify(path: Path, root: Path | None = None, max_bytes: int | None = None) -> tuple[str, str]:
    """A file's (doc_id, content_hash) without parsing it: cheap change detection."""
    meta, sidecar = read_sidecar(path)
    data = read_bytes(path, max_bytes)
    if not data:
        raise LoadError(path, "empty file")
    return meta.get("id") or doc_id_for(path, root), content_hash(data, sidecar)


def content_hash(data: bytes, sidecar: bytes) -> str:
    """sha256 of the file and its sidecar, so that editing either counts as a change."""
    digest = hashlib.sha256(data)
    digest.update(sidecar)
    return digest.hexdigest()


def build_document(path: Path, root: Path | None, extracted: Extracted, meta: dict[str, Any], digest: str) -> Document:
    """The Document of extracted pages: sidecar values win, guesses fill the rest."""
    first_text = next((p.text for p in extracted.pages if p.text.strip()), "")
    relative = _relative(path, root)
    return Document(
        doc_id=meta.get("id") or doc_id_for(path, root),
        title=meta.get("title")
        or meaningful_title(extracted.title, path)
        or title_from_text(first_text)
        or humanise(path.stem),
        pages=extracted.pages,
        year=meta["year"] if "year" in meta else extracted.year or year_in_name(path.name) or year_in_text(first_text),
        doc_type=meta["doc_type"] if "doc_type" in meta else guess_doc_type(path.stem),
        source=meta.get("source") or (relative.as_posix() if relative else path.name),
        path=str(path.resolve()),
        meeting=meta.get("meeting"),
        content_hash=digest,
        extra={k: v for k, v in meta.items() if k not in TEXT_FIELDS and k != "year"},
    )


def doc_id_for(path: Path, root: Path | None = None) -> str:
    """Slug of the path under `root` without extension, folders joined by "--"; a name
    without letters or digits is replaced by a short hash of it, so distinct names stay distinct."""
    relative = _relative(path, root)
    parts = relative.with_suffix("").parts if relative else (path.stem,)
    return "--".join(slugify(part) or hashlib.sha256(os.fsencode(part)).hexdigest()[:10] for part in parts)


def slugify(text: str) -> str:
    """Lowercase letters and digits of any script, other runs turned into single hyphens;
    accents on Latin letters are dropped ("Côte d'Ivoire" -> "cote-d-ivoire", "日本" -> "日本")."""
    kept: list[str] = []
    base = ""
    for char in unicodedata.normalize("NFKD", text.lower()):
        kind = unicodedata.category(char)[0]
        if kind == "M":  # a combining mark: an accent on a Latin letter goes, other scripts keep theirs
            if not base.isascii():
                kept.append(char)
        elif kind in "LN":
            kept.append(char)
            base = char
        else:
            kept.append("-")
            base = ""
    return re.sub(r"-+", "-", unicodedata.normalize("NFC", "".join(kept))).strip("-")


def meaningful_title(title: str | None, path: Path) -> str | None:
    """`title` unless it is empty, a generator's placeholder or a file name."""
    title = _SPACES.sub(" ", title or "").strip()
    looks_like_file = _FILE_NAME.fullmatch(title) or (" " not in title and "_" in title)
    if (
        len(title) < 3
        or _JUNK_TITLE.match(title)
        or looks_like_file
        or title.lower() in (path.name.lower(), path.stem.lower())
    ):
        return None
    return title


def humanise(stem: str) -> str:
    """A readable title from a file name: "chair-summary" -> "Chair summary"."""
    text = stem.replace("_", " ")
    if " " not in text:
        text = text.replace("-", " ")
    text = _SPACES.sub(" ", text).strip(" -")
    return text[:1].upper() + text[1:] if text.islower() else text


def year_in_name(name: str) -> int | None:
    """The latest plausible year written in a file name (2020-2024 -> 2024)."""
    return max(map(int, _YEAR.findall(name)), default=None)


def year_in_text(text: str, limit: int = 5000) -> int | None:
    """The most frequent year in the start of a text, the first one on ties."""
    counts = Counter(_YEAR.findall(text[:limit]))
    return int(counts.most_common(1)[0][0]) if counts else None


def guess_doc_type(stem: str) -> str | None:
    """A document type from the words of a file name, most specific first."""
    words = " ".join(re.split(r"[^a-z0-9]+", stem.lower()))
    return next((name for pattern, name in _DOC_TYPES if pattern.search(words)), None)


def title_from_text(text: str) -> str | None:
    """The first short paragraph of a few words that is not a label or a date line."""
    for paragraph in text.split("\n\n", TITLE_PARAGRAPHS)[:TITLE_PARAGRAPHS]:
        if len(paragraph) > TITLE_MAX_CHARS:
            return None
        if len(paragraph.split()) >= 3 and not paragraph.endswith(":") and not _DATELINE.search(paragraph):
            return paragraph
    return None


def _relative(path: Path, root: Path | None) -> Path | None:
    """The path under `root` as walked (a symlink is named by where it lies), else as resolved."""
    if root is None:
        return None
    for inner, outer in ((os.path.abspath(path), os.path.abspath(root)), (path.resolve(), Path(root).resolve())):
        try:
            return Path(inner).relative_to(outer)
        except ValueError:
            continue
    return None


def _sidecar_year(value: Any, sidecar: Path) -> int | None:
    if value is None:
        return None
    if (isinstance(value, str) and value.strip().isdigit()) or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1000 <= value <= 9999:
        raise LoadError(sidecar, f"field 'year' must be a four-digit year, not {value!r}")
    return value
