"""Partner records of ranked actors: their evidence passages, roles and explanation."""

from __future__ import annotations

from ..records import Evidence, Partner
from ..snippets import snippet
from ..store import IndexReader
from .voting import Support, Tally


def partners(reader: IndexReader, tallies: list[Tally], evidence: int) -> list[Partner]:
    """Partners of the tallies, each with its `evidence` strongest passages (distinct documents first)."""
    doc_of, doc_ids = reader.chunk_doc_index, reader.doc_ids()
    chosen: list[list[Support]] = []
    for t in tallies:
        ordered = sorted(t.support, key=lambda s: (-s.weight, s.row))
        seen: set[int] = set()
        first, rest = [], []
        for s in ordered:
            (rest if int(doc_of[s.row]) in seen else first).append(s)
            seen.add(int(doc_of[s.row]))
        chosen.append((first + rest)[:evidence])
    rows = reader.chunk_rows(sorted({s.row for picked in chosen for s in picked}))
    chunk = {c["row"]: c for c in rows}
    out = []
    for t, picked in zip(tallies, chosen):
        roles: dict[str, int] = {}
        for s in t.support:
            if s.role:
                roles[s.role] = roles.get(s.role, 0) + 1
        out.append(
            Partner(
                name=t.name,
                type=t.type,
                score=round(t.score, 6),
                documents=len({doc_ids[int(doc_of[s.row])] for s in t.support}),
                roles=sorted(roles, key=lambda r: (-roles[r], r)),
                explanation=t.explanation,
                evidence=[
                    Evidence(
                        doc_id=chunk[s.row]["doc_id"],
                        chunk_id=s.row,
                        title=chunk[s.row]["title"],
                        year=chunk[s.row]["year"],
                        page=chunk[s.row]["page_start"],
                        score=round(s.weight, 6),
                        snippet=snippet(chunk[s.row]["text"], s.spans),
                        role=s.role,
                    )
                    for s in picked
                ],
            )
        )
    return out
