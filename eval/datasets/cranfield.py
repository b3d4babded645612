"""The Cranfield collection in its SMART files: `cran.all.1400`, `cran.qry`, `cranqrel`.

Queries are numbered by their position in `cran.qry` (1 to 225), as `cranqrel` numbers
them, not by their `.I` field. `cranqrel` grades run from 1 (complete answer) to 4
(minimum interest), and -1 marks the query's source paper; they are turned into gains
the way `QRelsCorrectedforTRECeval` does: 1..4 become 4..1 and -1 becomes 5.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import Collection, CorpusDoc, DatasetError, Qrels, judged

DOCUMENTS = "cran.all.1400"
QUERIES = "cran.qry"
QRELS = "cranqrel"
GAINS = {1: 4, 2: 3, 3: 2, 4: 1, -1: 5}

_FIELD = re.compile(r"^\.([ITABW])\b ?(.*)$", re.M)


def load(path: Path, split: str = "test") -> Collection:
    """All 225 judged queries (Cranfield has one split: cross-validate to tune)."""
    if split != "test":
        raise DatasetError(f"{path}: Cranfield has only the 'test' split, not {split!r}")
    queries, qrels = judged(read_queries(path / QUERIES), read_qrels(path / QRELS))
    return Collection(path.name, split, queries, qrels, read_documents(path / DOCUMENTS), path / DOCUMENTS)


def read_documents(path: Path) -> list[CorpusDoc]:
    """Documents by their `.I` number, with `.T` as title and `.W` as text."""
    return [
        CorpusDoc(record["I"], _clean(record.get("T", "")), _clean(record.get("W", "")))
        for record in _records(path)
    ]


def read_queries(path: Path) -> dict[str, str]:
    """Query texts keyed by position ("1" … "225"), as the judgments number them."""
    return {str(n): _clean(record.get("W", "")) for n, record in enumerate(_records(path), 1)}


def read_qrels(path: Path) -> Qrels:
    """Judgments of `cranqrel` (`query doc grade`) as gains (see the module docstring)."""
    qrels: Qrels = {}
    for number, line in enumerate(_read(path).splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        try:
            query, doc, grade = fields[0], fields[1], int(fields[2])
            qrels.setdefault(query, {})[doc] = GAINS[grade]
        except (IndexError, ValueError, KeyError):
            raise DatasetError(f"{path}:{number}: expected 'query doc grade' with grade in -1..4") from None
    return qrels


def _records(path: Path) -> list[dict[str, str]]:
    """SMART records: a `.I n` line, then fields `.T`, `.A`, `.B`, `.W` up to the next `.I`."""
    records: list[dict[str, str]] = []
    text = _read(path)
    marks = list(_FIELD.finditer(text))
    for mark, following in zip(marks, marks[1:] + [None]):
        body = mark.group(2) + text[mark.end() : following.start() if following else len(text)]
        if mark.group(1) == "I":
            records.append({"I": mark.group(2).strip()})
        elif not records:
            raise DatasetError(f"{path}: field .{mark.group(1)} before the first .I")
        else:
            records[-1][mark.group(1)] = body
    return records


def _read(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None


def _clean(text: str) -> str:
    """Whitespace runs folded to one space."""
    return " ".join(text.split())
