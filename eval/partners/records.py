"""Real records as documents, queries and judgments: IOM evaluations and GFMD roundtables.

* An IOM evaluation record (``../shared/data/iom-evaluations/evaluations.json``) is indexed as one
  document (title, year, countries, themes, commissioner, donors written as text) and queried with
  its title, countries and themes only, never its donors. Its judgments are its donors, resolved by
  `canonical_actor`; placeholders ("Not specified", "Multiple", ...) are ignored, and a donor no
  actor resolves to stays judged (``unresolved:<name>``: nothing can find it).
* A GFMD roundtable session or thematic meeting (``../shared/data/gfmd-facts/meetings.json``) is a
  document worded by `gfmd_search.meetings`, the writer of the sample corpus' meeting records; a
  session with known co-chairs or team members is also a query (its title) judged by that team.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gfmd_search.actors import canonical_actor
from gfmd_search.meetings import meeting_label, roundtable_heading, roundtable_paragraphs, thematic_heading, thematic_paragraphs
from gfmd_search.records import Document, Page

Record = dict[str, Any]
Judged = dict[str, set[str]]
PLACEHOLDERS = frozenset(
    {"", "not specified", "not available", "not applicable", "multiple", "n/a", "na", "none", "unknown", "other", "tbd"}
)
UNRESOLVED = "unresolved:"
"""Prefix of a judged actor no gazetteer entry resolves to (it can be judged, never found)."""


def load_records(path: Path) -> list[Record]:
    """IOM evaluation records: a JSON list of objects with an `id`."""
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(records, list) or not all(isinstance(r, dict) and r.get("id") for r in records):
        raise ValueError(f"{path}: expected a JSON list of records with an 'id'")
    return records


def split_names(value: str | None) -> list[str]:
    """The names of a comma-separated field; commas inside parentheses do not split."""
    if not value:
        return []
    parts, depth, current = [], 0, []
    for ch in value:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def actor_key(name: str) -> str | None:
    """The canonical actor a judged name stands for; None for a placeholder ("Not specified");
    ``unresolved:<name>`` when no actor resolves (kept as a judgment nothing can retrieve)."""
    clean = " ".join(name.split()).strip(" .;")
    if clean.lower() in PLACEHOLDERS:
        return None
    found = canonical_actor(clean)
    return found[0] if found else UNRESOLVED + clean.lower()


def judged_actors(names: Iterable[str]) -> set[str]:
    """The judged actors of some names (placeholders dropped)."""
    return {key for key in map(actor_key, names) if key is not None}


def donors(record: Record) -> set[str]:
    """A record's real donors as canonical actors."""
    return judged_actors(split_names(record.get("donor")))


def _countries(record: Record) -> str:
    value = record.get("countries_covered") or []
    return ", ".join(value) if isinstance(value, list) else str(value)


def _line(label: str, value: Any) -> str:
    return f"{label}: {str(value).strip().rstrip('.')}." if value not in (None, "", []) else ""


def record_text(record: Record, as_query: bool = False) -> str:
    """A record written out as text, one field a line; as a query only its title, countries and themes."""
    lines = [
        str(record.get("title") or "").strip(),
        "" if as_query else _line("Year", record.get("year")),
        _line("Countries covered", _countries(record)),
        _line("Thematic areas", record.get("migration_thematic_areas")),
        _line("Cross-cutting themes", record.get("relevant_crosscutting_themes")),
    ]
    if not as_query:
        lines += [_line("Commissioned by", record.get("evaluation_commissioner")), _line("Donors", record.get("donor"))]
    return "\n".join(line for line in lines if line)


def record_document(record: Record) -> Document:
    """A train record as a document: title, year, countries, themes, commissioner and donors."""
    year = record.get("year")
    return Document(
        doc_id=str(record["id"]),
        title=str(record.get("title") or record["id"]).strip(),
        pages=[Page(1, record_text(record))],
        year=int(year) if str(year or "").isdigit() else None,
        doc_type="evaluation",
        source="IOM evaluation repository",
    )


def record_query(record: Record) -> str:
    """A test record as a query: its title, countries and themes, never its donors."""
    return record_text(record, as_query=True).replace("\n", " ")


def iom_queries(records: list[Record]) -> tuple[dict[str, str], Judged, int]:
    """Queries and judgments of the records with a real donor, and how many have none."""
    queries, qrels = {}, {}
    for record in records:
        relevant = donors(record)
        if relevant:
            queries[str(record["id"])] = record_query(record)
            qrels[str(record["id"])] = relevant
    return queries, qrels, len(records) - len(queries)


@dataclass
class Session:
    """A roundtable session or thematic meeting as a document, and its team if it is a query."""

    document: Document
    query: str | None
    team: set[str]


def _year(value: Any) -> int | None:
    m = re.match(r"\d{4}", str(value or ""))
    return int(m.group()) if m else None


def roundtable_sessions(meetings: list[Record]) -> list[Session]:
    """Every roundtable session and thematic meeting of the GFMD facts, worded as the meeting records
    word them. A session with known co-chairs or team members is also a query: its title, judged by
    that team."""
    out = []
    for meeting in meetings:
        label = meeting_label(meeting)
        for i, rt in enumerate(meeting.get("roundtables", [])):
            doc = Document(
                doc_id=f"rt-{meeting['year']}-{i}",
                title=f"{label}: {roundtable_heading(rt)}",
                pages=[Page(1, "\n\n".join(roundtable_paragraphs(rt, label)))],
                year=_year(meeting["year"]),
                doc_type="roundtable",
            )
            team = judged_actors(list(rt.get("co_chairs", [])) + list(rt.get("team_members", [])))
            out.append(Session(doc, rt["title"] if team else None, team))
        for i, tm in enumerate(meeting.get("thematic_meetings", [])):
            doc = Document(
                doc_id=f"tm-{meeting['year']}-{i}",
                title=f"{label}: {thematic_heading(tm)}",
                pages=[Page(1, "\n\n".join(thematic_paragraphs(tm)))],
                year=_year(meeting["year"]),
                doc_type="thematic meeting",
            )
            out.append(Session(doc, None, set()))
    return out
