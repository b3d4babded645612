"""Links between recommendation units of different documents.

A unit *repeats* another when a brief, an abridged report or a response matrix restates a
report's recommendation: their statements share most content words, or share many and carry
the same number. Documents are ranked (full reports first, then other documents, then response
documents, which restate a report's recommendations in full, and briefs, which summarise them,
last; larger before smaller); each numbered unit of a lower-ranked document is linked to the best
match among the units of higher-ranked ones, at most one per document.
A repeat is counted once (in its report); its response is shown on the report's unit, and the
report's unit lists where it is repeated.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Any

from ..records import Recommendation

STRONG, WITH_NUMBER = 0.6, 0.35
_STOP = frozenset(
    """the and for with that this from into their its are was were been which while also more such than other
    les des une dans pour avec sur par aux est sont qui que leur leurs ces cette plus entre afin ainsi
    los las del para con por una sus que como entre más the iom oim""".split()
)
_BRIEF = re.compile(r"brief|note|summary|résumé|resumen", re.IGNORECASE)
_RESPONSE = re.compile(r"management response|response|réponse|respuesta", re.IGNORECASE)
_REPORT = re.compile(r"report|review|evaluation|rapport|informe", re.IGNORECASE)


def words(text: str) -> set[str]:
    """Content words of a statement, accents folded and cut to 6 letters (a crude stem that
    works alike in English, French and Spanish)."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return {w[:6] for w in re.findall(r"[a-z]{3,}", folded[:600]) if w not in _STOP}


def similarity(a: set[str], b: set[str]) -> float:
    """Overlap of two word sets over the smaller one."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _rank(doc: dict[str, Any]) -> tuple[int, int]:
    kind = f"{doc.get('doc_type') or ''} {doc.get('title') or ''}"
    if _BRIEF.search(kind):
        tier = 3
    elif _RESPONSE.search(kind):
        tier = 2
    elif _REPORT.search(kind):
        tier = 0
    else:
        tier = 1
    return tier, -int(doc.get("pages") or 0)


def link(units: list[Recommendation], documents: list[dict[str, Any]]) -> list[Recommendation]:
    """The units with `same_as` set on each repeat (to the unit it repeats); prose units are
    not linked. `documents` are catalogue rows (doc_id, title, doc_type, pages)."""
    rank = {d["doc_id"]: _rank(d) for d in documents}
    out = [replace(u, same_as=None, repeated_in=[]) for u in units]
    by_doc: dict[str, list[Recommendation]] = {}
    for u in out:
        if u.kind == "numbered":
            by_doc.setdefault(u.doc_id, []).append(u)
    canonical: list[tuple[Recommendation, set[str]]] = []
    for doc_id in sorted(by_doc, key=lambda d: (rank.get(d, (1, 0)), d)):
        mine = [(u, words(u.text)) for u in by_doc[doc_id]]
        claimed: set[int] = set()
        pairs = []
        for i, (u, wu) in enumerate(mine):
            for j, (c, wc) in enumerate(canonical):
                score = similarity(wu, wc)
                if score >= STRONG or (score >= WITH_NUMBER and u.number == c.number):
                    pairs.append((score + (0.1 if u.number == c.number else 0.0), i, j))
        taken: set[int] = set()
        for _, i, j in sorted(pairs, reverse=True):
            if i in claimed or j in taken:
                continue
            # One unit per document may repeat a given canonical unit, and only one of its documents.
            claimed.add(i)
            taken.add(j)
            target = canonical[j][0]
            mine[i][0].same_as = {"doc_id": target.doc_id, "number": target.number, "page": target.page}
        canonical.extend(mine[i] for i in range(len(mine)) if i not in claimed)
    return out


def resolve(units: list[Recommendation]) -> list[Recommendation]:
    """Links shown on both sides: a repeated unit lists its repeats (`repeated_in`) and carries
    the first response found among them when it has none of its own."""
    key = {(u.doc_id, u.number): u for u in units if u.number is not None}
    out = {id(u): replace(u, repeated_in=[]) for u in units}
    by_key = {k: out[id(u)] for k, u in key.items()}
    for u in units:
        if u.same_as is None:
            continue
        target = by_key.get((u.same_as["doc_id"], u.same_as["number"]))
        if target is None:
            continue
        target.repeated_in.append({"doc_id": u.doc_id, "number": u.number, "page": u.page})
        if target.response is None and u.response is not None:
            target.response = u.response
    return [out[id(u)] for u in units]


def stats(units: list[Recommendation]) -> dict[str, Any]:
    """Counts of resolved units (see `resolve`), repeats and responses. A response whose
    recommendation is in no other document of the index (its report is not there) is named in
    `unlinked_responses`."""
    unlinked = [
        {"doc_id": u.doc_id, "number": u.number, "page": u.page}
        for u in units
        if u.response is not None and u.response.doc_id == u.doc_id and u.same_as is None and not u.repeated_in
    ]
    return {
        "recommendations": sum(1 for u in units if u.same_as is None),
        "numbered": sum(1 for u in units if u.same_as is None and u.kind == "numbered"),
        "prose": sum(1 for u in units if u.kind == "prose"),
        "repeats": sum(1 for u in units if u.same_as is not None),
        "responses": sum(1 for u in units if u.response is not None and u.response.doc_id == u.doc_id),
        "unlinked_responses": unlinked,
    }
