"""Records files: JSONL, JSON or CSV catalogues, one Document per record through a field mapping.

The mapping says which record fields are the id, title, text, year, source link, document type,
the files a record describes, and which fields are facets. It lives beside the file
(``practices.jsonl`` -> ``practices.jsonl.mapping.toml``) or in the config under
``record_mappings."practices.jsonl"``::

    id = "id"                       # required: the record id (doc id = id_prefix + slug of it)
    title = "title"                 # required
    text = ["summary", "notes"]     # one field or several, written one paragraph each (ending in a stop)
    label_text = true               # write each text field as "Field name: value"
    year = "year"                   # a number, or a date starting with the year ("2025-08-11")
    source = "source_url"           # the link a hit shows (the first, for a list)
    doc_type = "type"               # a field; or doc_type_value = "practice" for every record
    files = "documents"             # file names or URLs of the record's files (matched by file name)
    id_prefix = "iom-"

    [facets]
    country = "countries"                            # a list, or a string holding one value
    donor = { field = "donor", split = "," }         # a delimited string (not split inside (...))
    theme = { field = ["themes", "topics"] }         # several fields into one facet

A record with a bad field is skipped (its line or index and the field named) and the rest go
in; a CSV without a mapped column is refused as a whole. The README's "Records files and facets"
has the sample corpus' mapping.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..records import Document, Page
from .base import LoadError, decode_utf8, read_bytes
from .metadata import slugify

MAPPING_SUFFIX = ".mapping.toml"
RECORD_EXTENSIONS: frozenset[str] = frozenset({".jsonl", ".json", ".csv"})
FACET_MAX_CHARS = 200
_FACET_NAME = re.compile(r"[a-z][a-z0-9_]*")
_KEYS = {"id", "title", "text", "label_text", "year", "source", "doc_type", "doc_type_value", "files", "id_prefix",
         "facets"}
_YEAR = re.compile(r"\s*(\d{4})(?:\D|$)")


@dataclass(frozen=True)
class FacetField:
    """The record fields one facet takes its values from, and the delimiter of string values."""

    fields: tuple[str, ...]
    split: str | None = None


@dataclass(frozen=True)
class RecordMapping:
    """Which record fields make which parts of a Document."""

    id: str
    title: str
    text: tuple[str, ...] = ()
    label_text: bool = False
    year: str | None = None
    source: str | None = None
    doc_type: str | None = None
    doc_type_value: str | None = None
    files: str | None = None
    id_prefix: str = ""
    facets: dict[str, FacetField] = field(default_factory=dict)
    digest: str = ""

    def fields(self) -> set[str]:
        """Every record field the mapping names."""
        named = {self.id, self.title, *self.text, self.year, self.source, self.doc_type, self.files}
        named.update(f for facet in self.facets.values() for f in facet.fields)
        return {f for f in named if f}


@dataclass
class RecordProblem:
    """A record that was skipped or reported: where it is in its file and what is wrong."""

    where: str
    reason: str


def mapping_path(path: Path) -> Path:
    """Where a records file's mapping lives: `a.jsonl` -> `a.jsonl.mapping.toml`."""
    return path.with_name(path.name + MAPPING_SUFFIX)


def read_mapping(path: Path, configured: dict[str, dict[str, Any]] | None = None) -> RecordMapping:
    """The mapping of a records file: its sidecar, else the config's entry for its file name."""
    sidecar = mapping_path(path)
    if sidecar.is_file():
        data = read_bytes(sidecar)
        try:
            raw = tomllib.loads(decode_utf8(data, sidecar))
        except tomllib.TOMLDecodeError as exc:
            raise LoadError(sidecar, f"not valid TOML: {exc}") from None
        return parse_mapping(raw, sidecar)
    if path.name in (configured or {}):
        return parse_mapping(dict(configured[path.name]), f"config record_mappings.{path.name!r}")
    raise LoadError(path, f"no field mapping: write {sidecar.name} beside it "
                          '(see the README, "Records files and facets")')


def parse_mapping(raw: dict[str, Any], origin: Path | str) -> RecordMapping:
    """A RecordMapping from its TOML table; a bad key or value is a LoadError naming it."""
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise LoadError(origin, f"unknown mapping key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    for key in ("id", "title"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise LoadError(origin, f"mapping key {key!r} must name a field")
    for key in ("year", "source", "doc_type", "doc_type_value", "files", "id_prefix"):
        if key in raw and not isinstance(raw[key], str):
            raise LoadError(origin, f"mapping key {key!r} must be a string")
    if "label_text" in raw and not isinstance(raw["label_text"], bool):
        raise LoadError(origin, "mapping key 'label_text' must be true or false")
    facets_raw = raw.get("facets", {})
    if not isinstance(facets_raw, dict):
        raise LoadError(origin, "mapping key 'facets' must be a table of facet = field")
    facets = {name: _facet_field(name, spec, origin) for name, spec in facets_raw.items()}
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return RecordMapping(
        id=raw["id"], title=raw["title"], text=_field_names(raw.get("text", ()), "text", origin),
        label_text=raw.get("label_text", False), year=raw.get("year"), source=raw.get("source"),
        doc_type=raw.get("doc_type"), doc_type_value=raw.get("doc_type_value"), files=raw.get("files"),
        id_prefix=raw.get("id_prefix", ""), facets=facets, digest=digest,
    )


def _facet_field(name: str, spec: Any, origin: Path | str) -> FacetField:
    if not _FACET_NAME.fullmatch(name):
        raise LoadError(origin, f"facet name {name!r} must be lower-case letters, digits and _")
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - {"field", "split"})
        if unknown or "field" not in spec:
            raise LoadError(origin, f"facet {name!r} takes {{ field = ..., split = ... }}")
        split = spec.get("split")
        if split is not None and (not isinstance(split, str) or not split):
            raise LoadError(origin, f"facet {name!r}: 'split' must be a non-empty string")
        return FacetField(_field_names(spec["field"], f"facets.{name}", origin), split)
    return FacetField(_field_names(spec, f"facets.{name}", origin))


def _field_names(value: Any, key: str, origin: Path | str) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n for n in names):
        raise LoadError(origin, f"mapping key {key!r} must be a field name or a list of them")
    return tuple(names)


def load_records(path: Path, mapping: RecordMapping) -> tuple[list[Document], list[RecordProblem]]:
    """The documents of a records file and the records skipped or reported (line or index, field).

    A record whose id repeats an earlier one in the file is reported and left out."""
    data = read_bytes(path)
    if not data.strip():
        raise LoadError(path, "empty file")
    documents: list[Document] = []
    problems: list[RecordProblem] = []
    first_seen: dict[str, str] = {}
    for where, record in _raw_records(path, decode_utf8(data, path), mapping, problems):
        try:
            doc = record_document(record, mapping, path)
        except RecordFieldError as exc:
            problems.append(RecordProblem(where, str(exc)))
            continue
        if doc.doc_id in first_seen:
            problems.append(RecordProblem(where, f"duplicate record id {record[mapping.id]!r} "
                                                 f"(first at {first_seen[doc.doc_id]}); left out"))
            continue
        first_seen[doc.doc_id] = where
        documents.append(doc)
    return documents, problems


def _raw_records(
    path: Path, text: str, mapping: RecordMapping, problems: list[RecordProblem]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, record object) of each record; unreadable ones go to `problems`."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = set(reader.fieldnames or ())
        missing = sorted(mapping.fields() - columns)
        if missing:
            raise LoadError(path, f"column {missing[0]!r} named by the mapping is missing "
                                  f"(columns: {', '.join(reader.fieldnames or ()) or 'none'})")
        for row in reader:
            yield f"line {reader.line_num}", {k: v for k, v in row.items() if v != "" and k is not None}
        return
    if suffix == ".json":
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LoadError(path, f"invalid JSON: {exc}") from None
        if not isinstance(loaded, list):
            raise LoadError(path, "must hold a JSON array of record objects")
        for index, record in enumerate(loaded):
            if isinstance(record, dict):
                yield f"record {index}", record
            else:
                problems.append(RecordProblem(f"record {index}", f"not a JSON object but {_kind(record)}; skipped"))
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(RecordProblem(f"line {number}", f"invalid JSON ({exc.msg}); skipped"))
            continue
        if isinstance(record, dict):
            yield f"line {number}", record
        else:
            problems.append(RecordProblem(f"line {number}", f"not a JSON object but {_kind(record)}; skipped"))


class RecordFieldError(ValueError):
    """A record field the mapping needs is missing or of the wrong kind."""


def record_document(record: dict[str, Any], mapping: RecordMapping, path: Path) -> Document:
    """The Document of one record object (RecordFieldError names a bad field)."""
    record_id = _scalar(record, mapping.id, required=True)
    if not slugify(record_id):
        raise RecordFieldError(f"field {mapping.id!r} must contain letters or digits, not {record_id!r}")
    doc_id = slugify(mapping.id_prefix + record_id)
    title = _scalar(record, mapping.title, required=True)
    paragraphs = []
    for name in mapping.text:
        values = _values(record, name)
        if values:
            label = f"{name.replace('_', ' ').capitalize()}: " if mapping.label_text else ""
            paragraph = label + "; ".join(values)
            # a closing stop keeps a short field from reading as a heading when chunked
            paragraphs.append(paragraph if paragraph.endswith((".", "!", "?")) else paragraph + ".")
    files = _values(record, mapping.files) if mapping.files else []
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return Document(
        doc_id=doc_id,
        title=title,
        pages=[Page(1, "\n\n".join(paragraphs) or title)],
        year=_year(record, mapping.year),
        doc_type=(_scalar(record, mapping.doc_type) if mapping.doc_type else None) or mapping.doc_type_value,
        source=next(iter(_values(record, mapping.source)), None) if mapping.source else None,
        path=str(path.resolve()),
        content_hash=hashlib.sha256((mapping.digest + canonical).encode()).hexdigest(),
        extra={"record_id": record_id, **({"files": [file_key(f) for f in files]} if files else {})},
        facets={name: found for name, spec in mapping.facets.items() if (found := _facet(record, spec))},
    )


def file_key(name_or_url: str) -> str:
    """The key a record's file and a local file are matched by: the slug of the file name
    ("…/Annex%20VI%20Case%20Study%20-%20RDH%20East%2C%20Horn.pdf" and "Annex_VI_Case_Study_-_RDH_East_Horn.pdf"
    give the same key)."""
    name = unquote(urlsplit(name_or_url).path if "://" in name_or_url else name_or_url)
    return slugify(name.replace("\\", "/").rsplit("/", 1)[-1])


def _facet(record: dict[str, Any], spec: FacetField) -> list[str]:
    out: list[str] = []
    for name in spec.fields:
        for value in _values(record, name):
            for part in split_outside_parentheses(value, spec.split) if spec.split else [value]:
                part = " ".join(part.split())[:FACET_MAX_CHARS].rstrip()
                if part and part not in out:
                    out.append(part)
    return out


def split_outside_parentheses(text: str, delimiter: str) -> list[str]:
    """`text` cut at each `delimiter` that is not inside (...) or [...]."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(delimiter, i):
            parts.append(text[start:i])
            start = i + len(delimiter)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _scalar(record: dict[str, Any], name: str, required: bool = False) -> str | None:
    value = record.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordFieldError(f"field {name!r} is missing or empty")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordFieldError(f"field {name!r} must be a string, not {_kind(value)}")
    return " ".join(str(value).split())


def _values(record: dict[str, Any], name: str) -> list[str]:
    value = record.get(name)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise RecordFieldError(f"field {name!r} must be a string or a list of strings, not {_kind(value)}")
        if str(item).strip():
            out.append(str(item).strip())
    return out


def _year(record: dict[str, Any], name: str | None) -> int | None:
    if not name or record.get(name) in (None, ""):
        return None
    value = record[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and (m := _YEAR.match(value)):
        value = int(m.group(1))
    if not isinstance(value, int) or isinstance(value, bool) or not 1000 <= value <= 9999:
        raise RecordFieldError(f"field {name!r} must be a four-digit year or a date, not {value!r}")
    return value


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number",
             str: "a string"}
    return names.get(type(value), "null")
