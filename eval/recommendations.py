"""Scores recommendation extraction, response parsing and linking against the judged set.

    gfmd-search eval-recommendations [--pdfs ../shared/data/iom-pdfs] [--out eval/results/recommendations]

Each PDF is loaded and its recommendations extracted and linked by the functions ingest calls
(`load_document`, `recommendations.extract`, `recommendations.link`, `recommendations.resolve`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from gfmd_search import recommendations
from gfmd_search.loaders import load_document
from gfmd_search.recommendation_search import unit_bm25
from gfmd_search.recommendation_search import units as index_units
from gfmd_search.records import Recommendation, RecommendationQuery

JUDGED = Path(__file__).parent / "recommendations" / "judged.json"


def evaluate(pdfs: Path, judged_path: Path = JUDGED, progress: bool = True) -> dict[str, Any]:
    """Extract from every PDF the judged set names and score it; returns the metrics."""
    judged = json.loads(judged_path.read_text())
    documents = [
        load_document(pdfs / j["file"], pdfs)
        for j in tqdm(judged["documents"].values(), "Loading", disable=not progress)
    ]
    units = [u for d in documents for u in recommendations.extract(d).units]
    rows = [{"doc_id": d.doc_id, "title": d.title, "doc_type": d.doc_type, "pages": len(d.pages)} for d in documents]
    linked = recommendations.resolve(recommendations.link(units, rows))
    return score(judged, linked)


def score(judged: dict[str, Any], units: list[Recommendation]) -> dict[str, Any]:
    """Precision, recall, right page, right status, responsible units and links."""
    by_doc: dict[str, list[Recommendation]] = {}
    for u in units:
        by_doc.setdefault(u.doc_id, []).append(u)
    numbered = _Tally()
    prose = _Tally()
    status_right = status_total = 0
    responsible_right = responsible_total = 0
    per_doc = {}
    misses: list[str] = []
    for doc_id, want in judged["documents"].items():
        mine = by_doc.get(doc_id, [])
        got = {u.number: u for u in mine if u.kind == "numbered"}
        doc = _Tally()
        for j in want["recommendations"]:
            u = got.get(j["number"])
            doc.add_judged(u is not None, u is not None and u.page == j["page"])
            if u is None:
                misses.append(f"{doc_id} #{j['number']}: not found")
            elif u.page != j["page"]:
                misses.append(f"{doc_id} #{j['number']}: page {u.page}, judged {j['page']}")
            if "status" in j:
                status_total += 1
                own = u.response if u is not None and u.response and u.response.doc_id == doc_id else None
                status_right += own is not None and own.status == j["status"]
            for k, cell in enumerate(j.get("responsible", [])):
                responsible_total += 1
                cells = [_norm(c) for c in (u.response.responsible if u and u.response else [])]
                responsible_right += k < len(cells) and cells[k] == _norm(cell)
        judged_numbers = {j["number"] for j in want["recommendations"]}
        for number in got:
            doc.add_found(number in judged_numbers)
            if number not in judged_numbers:
                misses.append(f"{doc_id} #{number}: extracted, not judged")
        numbered.merge(doc)
        ptally = _Tally()
        found_prose = [u for u in mine if u.kind == "prose"]
        for j in want.get("prose", []):
            hit = any(u.page == j["page"] and _norm(u.text).startswith(_norm(j["starts"])) for u in found_prose)
            ptally.add_judged(hit, hit)
            if not hit:
                misses.append(f"{doc_id} prose p{j['page']} {j['starts']!r}: not found")
        for u in found_prose:
            right = any(
                u.page == j["page"] and _norm(u.text).startswith(_norm(j["starts"])) for j in want.get("prose", [])
            )
            ptally.add_found(right)
            if not right:
                misses.append(f"{doc_id} prose p{u.page} {u.text[:60]!r}: extracted, not judged")
        prose.merge(ptally)
        per_doc[doc_id] = {**doc.report(), "prose": ptally.report()}
    links = _links(judged, units)
    matrix = _matrix(judged, units)
    overall = _Tally()
    overall.merge(numbered)
    overall.merge(prose)
    return {
        "numbered": numbered.report(),
        "prose": prose.report(),
        "all": overall.report(),
        "status": {"right": status_right, "judged": status_total, "rate": _ratio(status_right, status_total)},
        "responsible_cells": {
            "right": responsible_right,
            "judged": responsible_total,
            "rate": _ratio(responsible_right, responsible_total),
        },
        "links": links,
        "matrix_responses_linked_with_right_status": matrix,
        "stats": recommendations.stats(units),
        "documents": per_doc,
        "errors": misses,
    }


def _links(judged: dict[str, Any], units: list[Recommendation]) -> dict[str, Any]:
    want = {tuple(link["from"]): tuple(link["to"]) for link in judged["links"]}
    skip = {tuple(x) for x in judged.get("unjudged_links", [])}
    got = {(u.doc_id, u.number): (u.same_as["doc_id"], u.same_as["number"]) for u in units if u.same_as}
    got = {k: v for k, v in got.items() if k not in skip and k[0] in judged["documents"]}
    right = sum(1 for k, v in got.items() if want.get(k) == v)
    wrong = sorted(
        f"{a}#{b} -> {got[(a, b)][0]}#{got[(a, b)][1]} (judged {want.get((a, b))})"
        for a, b in got
        if want.get((a, b)) != got[(a, b)]
    )
    missing = sorted(f"{a}#{b}" for a, b in want if (a, b) not in got)
    return {
        "right": right,
        "found": len(got),
        "judged": len(want),
        "precision": _ratio(right, len(got)),
        "recall": _ratio(right, len(want)),
        "wrong": wrong,
        "missing": missing,
    }


def _matrix(judged: dict[str, Any], units: list[Recommendation]) -> dict[str, Any]:
    """Each judged response of a matrix document: is its recommendation linked to the judged report
    recommendation, and does that recommendation show the judged status?"""
    index = {(u.doc_id, u.number): u for u in units}
    want = {tuple(link["from"]): tuple(link["to"]) for link in judged["links"]}
    right = total = 0
    for doc_id, doc in judged["documents"].items():
        for j in doc["recommendations"]:
            if "responsible" not in j:  # the matrix layout is the one with responsible cells judged
                continue
            total += 1
            mine = index.get((doc_id, j["number"]))
            target = index.get(want.get((doc_id, j["number"]), ("", "")))
            right += bool(
                mine
                and target
                and mine.same_as
                and (mine.same_as["doc_id"], mine.same_as["number"]) == want[(doc_id, j["number"])]
                and target.response
                and target.response.status == j["status"]
            )
    return {"right": right, "judged": total, "all": right == total}


class _Tally:
    def __init__(self) -> None:
        self.judged = self.found = self.matched = self.pages = self.correct = 0

    def add_judged(self, matched: bool, page_right: bool) -> None:
        self.judged += 1
        self.matched += matched
        self.pages += page_right

    def add_found(self, correct: bool) -> None:
        self.found += 1
        self.correct += correct

    def merge(self, other: _Tally) -> None:
        for k in ("judged", "found", "matched", "pages", "correct"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def report(self) -> dict[str, Any]:
        return {
            "judged": self.judged,
            "extracted": self.found,
            "precision": _ratio(self.correct, self.found),
            "recall": _ratio(self.matched, self.judged),
            "right_page": _ratio(self.pages, self.matched),
        }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def write_report(metrics: dict[str, Any], out: Path) -> None:
    """metrics.json and a short report.md."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    n, p, a, s = metrics["numbered"], metrics["prose"], metrics["all"], metrics["status"]
    lines = [
        "# Recommendation extraction on the judged IOM PDFs",
        "",
        "| units | judged | extracted | precision | recall | right page |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {name} | {t['judged']} | {t['extracted']} | {t['precision']} | {t['recall']} | {t['right_page']} |"
            for name, t in (("numbered", n), ("prose", p), ("all", a))
        ),
        "",
        f"Response status right: {s['right']} of {s['judged']} ({s['rate']}). "
        f"Responsible-unit cells of the HoA matrix read exactly: {metrics['responsible_cells']['right']} of "
        f"{metrics['responsible_cells']['judged']}.",
        f"Matrix responses linked to their report recommendation with the right status: "
        f"{metrics['matrix_responses_linked_with_right_status']['right']} of "
        f"{metrics['matrix_responses_linked_with_right_status']['judged']}.",
        f"Repeats linked: precision {metrics['links']['precision']}, recall {metrics['links']['recall']} "
        f"({metrics['links']['right']} right of {metrics['links']['found']} found, "
        f"{metrics['links']['judged']} judged).",
        *(_search_lines(metrics["search"]) if "search" in metrics else []),
        "",
        "## Errors",
        "",
        *(
            f"- {e}"
            for e in metrics["errors"]
            + [f"link {w}" for w in metrics["links"]["wrong"]]
            + [f"link missing {m}" for m in metrics["links"]["missing"]]
        ),
        "",
    ]
    (out / "report.md").write_text("\n".join(lines))


def evaluate_search(engine: Any, judged_path: Path = JUDGED, k: int = 10) -> dict[str, Any]:
    """How well a recommendation is found from a restatement of it: each judged repeat (a brief's
    or a response document's wording) is a query whose answer is the unit it repeats. Ranks with
    `Engine.recommendations` (the units as their own rows, the design in use) and with the design
    it was chosen over: passages ranked by the hybrid search, mapped to the units they hold."""
    judged = json.loads(judged_path.read_text())
    searcher = engine.searcher()
    every = index_units(searcher.reader)
    text_of = {(u.doc_id, u.number): u.text for u in every.units}
    queries = [
        (text_of[tuple(link["from"])], tuple(link["to"])) for link in judged["links"] if tuple(link["from"]) in text_of
    ]
    ranks: dict[str, list[int | None]] = {"units as their own rows": [], "passages mapped to units": []}
    for text, want in tqdm(queries, "Queries"):
        found = [(u.doc_id, u.number) for u in engine.recommendations(RecommendationQuery(text, k))]
        ranks["units as their own rows"].append(found.index(want) + 1 if want in found else None)
        mapped = [(u.doc_id, u.number) for u in _passages_mapped(searcher, every, text, k)]
        ranks["passages mapped to units"].append(mapped.index(want) + 1 if want in mapped else None)
    return {
        "queries": len(queries),
        "k": k,
        "systems": {
            name: {
                "mrr": round(sum(1 / r for r in rs if r) / len(rs), 3),
                "recall@1": round(sum(1 for r in rs if r == 1) / len(rs), 3),
                "recall@10": round(sum(1 for r in rs if r) / len(rs), 3),
            }
            for name, rs in ranks.items()
        },
    }


def _search_lines(search: dict[str, Any]) -> list[str]:
    return [
        "",
        f"## Search: finding a recommendation from a restatement of it "
        f"({search['queries']} queries, top {search['k']})",
        "",
        "| design | MRR | recall@1 | recall@10 |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {m['mrr']} | {m['recall@1']} | {m['recall@10']} |" for name, m in search["systems"].items()),
    ]


def _passages_mapped(searcher: Any, every: Any, query: str, k: int) -> list[Recommendation]:
    """Each unit at the rank of the best passage holding it; the units of one passage ordered by
    BM25 of their own texts."""
    canonical = [(u, t) for u, t in zip(every.units, every.terms) if u.same_as is None]
    ranked = searcher.rank(query, searcher.settings.candidates)
    chunks = searcher.reader.chunk_rows([r for r, _ in ranked])
    best: dict[int, int] = {}
    for rank, chunk in enumerate(chunks):
        for i, (u, _) in enumerate(canonical):
            if u.doc_id == chunk["doc_id"] and u.char_start < chunk["char_end"] and chunk["char_start"] < u.char_end:
                best.setdefault(i, rank)
    held = list(best)
    own = unit_bm25(searcher.reader.analyzer.terms(query), [canonical[i][1] for i in held])
    order = sorted(range(len(held)), key=lambda j: (best[held[j]], -own[j]))
    return [canonical[held[j]][0] for j in order[:k]]
