"""Scores recommendation extraction, response parsing and linking against the judged sets.

    gfmd-search eval-recommendations [--pdfs ../shared/data/iom-pdfs] [--seeds ../shared/seeds]
                                     [--out eval/results/recommendations]

Three judged sets (eval/recommendations/README.md): `judged.json` (the development set: numbered
recommendations, responses, links), `prose.json` (prose recommendations of every PDF, each document
marked dev or test) and `test.json` (held-out numbered recommendations: pages and documents no rule
was written on). Each file is loaded and its recommendations extracted and linked by the functions
ingest calls (`load_document`, `recommendations.extract`, `recommendations.link`,
`recommendations.resolve`). The dev figures sit at the top level of the metrics, the held-out
ones under `test`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from gfmd_search import recommendations
from gfmd_search.loaders import load_document
from gfmd_search.recommendation_search import unit_bm25
from gfmd_search.recommendation_search import units as index_units
from gfmd_search.records import Recommendation, RecommendationQuery

SETS = Path(__file__).parent / "recommendations"
JUDGED, PROSE, TEST = SETS / "judged.json", SETS / "prose.json", SETS / "test.json"
DEV, HELD_OUT = "dev", "test"


def evaluate(pdfs: Path, seeds: Path, progress: bool = True) -> dict[str, Any]:
    """Extract from every file the judged sets name and score it; returns the metrics."""
    judged, prose, test = (json.loads(p.read_text()) for p in (JUDGED, PROSE, TEST))
    roots = {"pdfs": pdfs, "seeds": seeds}
    files = {j["file"]: pdfs for j in [*judged["documents"].values(), *prose["documents"].values()]}
    files.update({j["file"]: roots[j["root"]] for j in test["documents"].values()})
    documents = [load_document(root / f, root) for f, root in tqdm(files.items(), "Loading", disable=not progress)]
    units = [u for d in documents for u in recommendations.extract(d).units]
    rows = [{"doc_id": d.doc_id, "title": d.title, "doc_type": d.doc_type, "pages": len(d.pages)} for d in documents]
    linked = recommendations.resolve(recommendations.link(units, rows))
    held_out = {doc_id: j["pages"] for doc_id, j in test["documents"].items()}
    dev_units = [u for u in linked if not _inside(u, held_out)]
    metrics = score(judged, dev_units)
    metrics["prose"] = score_prose(prose, dev_units, DEV)
    metrics["all"] = _sum(metrics["numbered"], metrics["prose"])
    metrics["test"] = score_test(test, prose, linked)
    return metrics


def _inside(unit: Recommendation, scopes: dict[str, list[int] | None]) -> bool:
    """Whether a unit lies in a held-out scope: a whole document (None) or a page range."""
    if unit.doc_id not in scopes:
        return False
    pages = scopes[unit.doc_id]
    return pages is None or pages[0] <= unit.page <= pages[1]


def score(judged: dict[str, Any], units: list[Recommendation]) -> dict[str, Any]:
    """Numbered recommendations (precision, recall, right page), right status, responsible units
    and links."""
    by_doc: dict[str, list[Recommendation]] = {}
    for u in units:
        by_doc.setdefault(u.doc_id, []).append(u)
    numbered = _Tally()
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
        per_doc[doc_id] = doc.report()
    links = _links(judged, units)
    matrix = _matrix(judged, units)
    return {
        "numbered": numbered.report(),
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


def score_prose(prose: dict[str, Any], units: list[Recommendation], split: str) -> dict[str, Any]:
    """Prose recommendations of the documents of one split: precision and recall against every
    prose recommendation judged there, right page, and addressees; with the errors."""
    tally, names, errors = _Tally(), _Names(), []
    for doc_id, want in prose["documents"].items():
        if want["split"] != split:
            continue
        found = [u for u in units if u.doc_id == doc_id and u.kind == "prose"]
        _match(doc_id, want["prose"], found, tally, names, errors, lambda u, j: True)
    return {**tally.report(), "addressees": names.report(), "errors": errors}


def score_test(test: dict[str, Any], prose: dict[str, Any], units: list[Recommendation]) -> dict[str, Any]:
    """The held-out set: its numbered recommendations (in `test.json`'s scopes, matched by number and
    the words they start with), the prose recommendations of the test documents, and addressees."""
    tally, names, errors = _Tally(), _Names(), []
    for doc_id, want in test["documents"].items():
        scope = {doc_id: want["pages"]}
        found = [u for u in units if u.kind == "numbered" and _inside(u, scope)]
        _match(doc_id, want["recommendations"], found, tally, names, errors, lambda u, j: u.number.split()[0] == j["number"])
    numbered = {**tally.report(), "addressees": names.report()}
    prose_test = score_prose(prose, units, HELD_OUT)
    return {
        "numbered": numbered,
        "prose": {k: v for k, v in prose_test.items() if k != "errors"},
        "all": _sum(numbered, prose_test),
        "responses": "no held-out document holds a management response; none can be scored",
        "errors": errors + prose_test["errors"],
    }


def _match(doc_id: str, judged: list[dict[str, Any]], found: list[Recommendation], tally: _Tally, names: _Names,
           errors: list[str], same: Callable[[Recommendation, dict[str, Any]], bool]) -> None:
    """Pair judged and extracted units by their first words (and `same`), tallying hits, pages and
    addressees; a judged unit matches on any page, its page is then scored."""
    taken: set[int] = set()
    for j in judged:
        hit = next((u for u in found if id(u) not in taken and same(u, j)
                    and _norm(u.text).startswith(_norm(j["starts"]))), None)
        tally.add_judged(hit is not None, hit is not None and hit.page == j["page"])
        if hit is None:
            errors.append(f"{doc_id} p{j['page']} {j['starts']!r}: not found")
            continue
        taken.add(id(hit))
        if hit.page != j["page"]:
            errors.append(f"{doc_id} {j['starts']!r}: page {hit.page}, judged {j['page']}")
        names.add(hit.addressees, j["addressees"])
        if set(hit.addressees) != set(j["addressees"]):
            errors.append(f"{doc_id} p{j['page']} {j['starts']!r}: addressees {hit.addressees}, judged {j['addressees']}")
    for u in found:
        tally.add_found(id(u) in taken)
        if id(u) not in taken:
            errors.append(f"{doc_id} p{u.page} {u.text[:70]!r}: extracted, not judged")


class _Names:
    """Addressees of matched units against the judged ones: units with exactly the judged set, and
    micro precision and recall over names."""

    def __init__(self) -> None:
        self.units = self.exact = self.found = self.judged = self.right = 0

    def add(self, got: list[str], want: list[str]) -> None:
        self.units += 1
        self.exact += set(got) == set(want)
        self.found += len(set(got))
        self.judged += len(set(want))
        self.right += len(set(got) & set(want))

    def report(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "exact": _ratio(self.exact, self.units),
            "names_extracted": self.found,
            "names_judged": self.judged,
            "precision": _ratio(self.right, self.found),
            "recall": _ratio(self.right, self.judged),
        }


def _sum(*reports: dict[str, Any]) -> dict[str, Any]:
    """Two or more tally reports added up."""
    t = _Tally()
    for r in reports:
        t.judged += r["judged"]
        t.found += r["extracted"]
        t.correct += r["correct"]
        t.matched += r["matched"]
        t.pages += r["page_right"]
    return t.report()


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
            "correct": self.correct,
            "matched": self.matched,
            "page_right": self.pages,
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
    s, test = metrics["status"], metrics["test"]
    lines = [
        "# Recommendation extraction on the judged IOM PDFs",
        "",
        "## Development set (the rules were written on it)",
        "",
        *_table((("numbered", metrics["numbered"]), ("prose", metrics["prose"]), ("all", metrics["all"]))),
        "",
        f"Prose addressees: {_names(metrics['prose']['addressees'])}",
        f"Response status right: {s['right']} of {s['judged']} ({s['rate']}). "
        f"Responsible-unit cells of the HoA matrix read exactly: {metrics['responsible_cells']['right']} of "
        f"{metrics['responsible_cells']['judged']}.",
        f"Matrix responses linked to their report recommendation with the right status: "
        f"{metrics['matrix_responses_linked_with_right_status']['right']} of "
        f"{metrics['matrix_responses_linked_with_right_status']['judged']}.",
        f"Repeats linked: precision {metrics['links']['precision']}, recall {metrics['links']['recall']} "
        f"({metrics['links']['right']} right of {metrics['links']['found']} found, "
        f"{metrics['links']['judged']} judged).",
        "",
        "## Held-out test set (judged before it was first scored; see eval/recommendations/README.md)",
        "",
        *_table((("numbered", test["numbered"]), ("prose", test["prose"]), ("all", test["all"]))),
        "",
        f"Addressees, numbered: {_names(test['numbered']['addressees'])}",
        f"Addressees, prose: {_names(test['prose']['addressees'])}",
        f"Responses: {test['responses']}.",
        *(_search_lines(metrics["search"]) if "search" in metrics else []),
        *(_roles_lines(metrics["roles"]) if "roles" in metrics else []),
        "",
        "## Errors, development set",
        "",
        *(
            f"- {e}"
            for e in metrics["errors"]
            + metrics["prose"]["errors"]
            + [f"link {w}" for w in metrics["links"]["wrong"]]
            + [f"link missing {m}" for m in metrics["links"]["missing"]]
        ),
        "",
        "## Errors, held-out test set",
        "",
        *(f"- {e}" for e in test["errors"]),
        "",
    ]
    (out / "report.md").write_text("\n".join(lines))


def _table(rows: tuple[tuple[str, dict[str, Any]], ...]) -> list[str]:
    return [
        "| units | judged | extracted | precision | recall | right page |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {name} | {t['judged']} | {t['extracted']} | {t['precision']} | {t['recall']} | {t['right_page']} |"
            for name, t in rows
        ),
    ]


def _names(n: dict[str, Any]) -> str:
    return (
        f"of {n['units']} units found, the share with exactly the judged addressees {n['exact']}; over names, "
        f"precision {n['precision']} ({n['names_extracted']} extracted), recall {n['recall']} ({n['names_judged']} judged)."
    )


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


def _roles_lines(roles: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"## Partner suggestion: who was asked to act on a recommendation ({roles['recommendations']} judged)",
        "",
        f"Both `addressee` and `responsible` role weights set to each value; p: paired sign-flip test against "
        f"{roles['baseline']:g} (the default); W/T/L: queries whose MAP@10 rises, stays, falls against it.",
    ]
    for name in ("own statement", "restatement"):
        r = roles[name]
        lines += [
            "",
            f"Queries: the recommendation's {name} ({r['queries']}).",
            "",
            "| role weight | MAP@10 | nDCG@10 | P@3 | p (MAP) | W/T/L |",
            "|---|---:|---:|---:|---:|---|",
            *(
                f"| {run.removeprefix('role weight ')} | {s['map@10']} | {s['ndcg@10']} | {s['precision@3']} | "
                f"{r['p_vs_default'].get(run, {}).get('map@10', '')} | "
                f"{'/'.join(map(str, r['wins_ties_losses_vs_default_map'].get(run, []))) or 'default'} |"
                for run, s in r["scores"].items()
            ),
        ]
    return lines


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
