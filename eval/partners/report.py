"""The outputs of a partner evaluation: metrics, per-query scores, TREC runs, Markdown reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from gfmd_search.config import Settings

from ..report import table as markdown_table
from .runner import Outcome
from .scoring import save_runs
from .training import FOLDS
from .tuning import FIRST_GUESS, is_defaults, sensitivity

COLUMNS = {"map": "MAP", "p@5": "P@5", "recall@10": "Recall@10"}
GOAL = 1.15
"""The goal: the learned ranker's MAP at least this times the best baseline's (issue 13)."""
PARTNER_SETTINGS = (
    "mode", "fusion", "rrf_k", "candidates", "partner_model", "partner_passages", "partner_relevance",
    "partner_rank_c", "partner_assoc_norm", "partner_prior", "role_weights",
)


def settings_used(settings: Settings) -> dict[str, Any]:
    """The settings a partner run depends on."""
    return {"model": settings.model, **{k: getattr(settings, k) for k in PARTNER_SETTINGS}}


def table(metrics: dict[str, dict[str, float]]) -> str:
    """MAP, P@5 and Recall@10 of each system."""
    return markdown_table(metrics, columns=COLUMNS).rstrip("\n")


def _p(values: dict[str, float]) -> str:
    return ", ".join(f"{v:g} ({m})" for m, v in values.items())


def comparison(outcome: Outcome) -> str:
    """The models' MAP as ratios to the best baseline (and to popularity), with the paired tests."""
    s = outcome.summary
    best = s["best_baseline"]
    lines = []
    for model, ratio in s["ratio_to_best_baseline"].items():
        goal = f" (goal ≥ {GOAL}×: {'met' if ratio and ratio >= GOAL else 'not met'})" if model == "ranker" else ""
        tests = "; ".join(f"against {b}: p = {_p(p)}" for b, p in s["p_values"][model].items())
        lines.append(
            f"- **{model}** ({s['models'][model]}): MAP / best baseline ({best}) = **{ratio:.2f}×**{goal}, "
            f"MAP / popularity = {s['ratio_to_popularity'][model]:.2f}×. Paired randomisation tests, {tests}."
        )
    return "\n".join(lines)


def report(iom: Outcome | None, roundtables: Outcome | None, settings: Settings, command: str) -> str:
    """The Markdown report of a run."""
    out = ["# Partner suggestion: evaluation", "", f"Command: `{command}`", ""]
    if iom is not None:
        s = iom.summary
        out += [
            "## IOM evaluations: donors of held-out records",
            "",
            (f"{s['train_records']} train records indexed; {s['queries']} of {s['test_records']} test records "
             f"are queries ({s['no_donor']} have no real donor); {s['judgments']} judged donors, "
             f"{len(s['unresolved'])} of them resolve to no actor (judged, never retrievable)."),
            "",
            table(iom.metrics),
            "",
            comparison(iom),
            "",
            (f"Baselines: `popularity` ranks actors by the train documents naming them; `popularity-donor-role` "
             f"by those naming them as donors; `nearest-neighbours` lets the {s['nearest_neighbours_k']} train "
             "records most similar to the query (TF-IDF) vote for their donors, weighted by similarity, then the "
             "other donors by popularity."),
            "",
        ]
    if roundtables is not None:
        s = roundtables.summary
        out += [
            "## GFMD roundtables: teams of held-back sessions",
            "",
            (f"{s['documents']} session and thematic-meeting documents; {s['queries']} held-back sessions with "
             f"a known team ({s['judgments']} judged co-chairs and team members). Each query is the session's "
             "title; its own document is filtered out of the search and out of every count."),
            "",
            table(roundtables.metrics),
            "",
            comparison(roundtables),
            "",
        ]
    out += ["## Settings", "", "```json", json.dumps(settings_used(settings), indent=1), "```", ""]
    return "\n".join(out)


def write_outputs(out: Path, iom: Outcome | None, roundtables: Outcome | None, settings: Settings,
                  command: str) -> list[Path]:
    """metrics.json (IOM), roundtables.json, per-query scores, TREC runs, run.json and report.md."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    run: dict[str, Any] = {"command": command, "settings": settings_used(settings)}
    for outcome, metrics, queries, prefix in ((iom, "metrics.json", "queries.json", ""),
                                              (roundtables, "roundtables.json", "roundtables-queries.json", "roundtables-")):
        if outcome is None:
            continue
        written += [out / metrics, out / queries]
        written[-2].write_text(json.dumps(outcome.metrics, indent=2) + "\n")
        written[-1].write_text(json.dumps(outcome.queries, indent=1) + "\n")
        written += save_runs(outcome.runs, out / "runs", prefix)
        run["roundtables" if prefix else "iom"] = outcome.summary
    written.append(out / "run.json")
    written[-1].write_text(json.dumps(run, indent=2, default=str) + "\n")
    written.append(out / "report.md")
    written[-1].write_text(report(iom, roundtables, settings, command))
    return written


def tuning_report(tuning: dict[str, Any], settings: Settings, command: str, top: int = 15) -> str:
    """The Markdown report of a tuning run: the baselines, the k of the nearest-neighbour baseline,
    the best grid points of the voting model and each parameter's sensitivity."""
    results = tuning["grid"]
    out = ["# Partner suggestion: tuning on the tune split", "", f"Command: `{command}`", "",
           f"{tuning['queries']} queries. Baselines:", "", table(tuning["baselines"]), "",
           "Nearest-neighbour vote by the number of neighbours k (chosen: "
           f"k = {tuning['best_k']}, the best MAP; ties to the smaller k):", "",
           "| k | MAP | P@5 | R@10 |", "|---:|---:|---:|---:|"]
    out += [f"| {r['k']} | {r['map']:.4f} | {r['p@5']:.4f} | {r['recall@10']:.4f} |" for r in tuning["neighbours"]]
    if not results:
        return "\n".join(out) + "\n"
    out += ["", f"Voting model: {len(results)} grid points, best MAP first.", "",
            "| MAP | P@5 | R@10 | passages | relevance | c | prior | assoc_norm | role weight |",
            "|---:|---:|---:|---:|---|---:|---:|---:|---:|"]
    for r in results[:top]:
        p, m = r["point"], r["metrics"]
        out.append(
            f"| {m['map']:.4f} | {m['p@5']:.4f} | {m['recall@10']:.4f} | {p['partner_passages']} | "
            f"{p['partner_relevance']} | {p['partner_rank_c']:g} | {p['partner_prior']:g} | "
            f"{p['partner_assoc_norm']:g} | {p['role_weight']:g} |"
        )
    out += ["", "Best MAP reached with each value of a parameter (the others free):", ""]
    for key, values in sensitivity(results).items():
        out.append(f"- {key}: " + ", ".join(f"{v}: {m:.4f}" for v, m in values))
    defaults = next((r for r in results if is_defaults(r["point"], settings)), None)
    first = next((r for r in results if r["point"] == FIRST_GUESS), None)
    out.append("")
    for label, found in (("The configured defaults", defaults), ("The first guesses " + json.dumps(FIRST_GUESS), first)):
        if found:
            m = found["metrics"]
            out.append(f"{label}: MAP {m['map']:.4f}, P@5 {m['p@5']:.4f}, R@10 {m['recall@10']:.4f}.")
    return "\n".join(out) + "\n"


def tuning_json(tuning: dict[str, Any]) -> str:
    """A tuning run as compact JSON: one row of parameters and metrics per grid point, best first."""
    grid = tuning["grid"]
    params = list(grid[0]["point"]) if grid else []
    metrics = list(COLUMNS)
    rows = [[r["point"][k] for k in params] + [round(r["metrics"][m], 4) for m in metrics] for r in grid]
    head = {k: v for k, v in tuning.items() if k != "grid"}
    body = ",\n".join(json.dumps(row) for row in rows)
    return json.dumps({**head, "columns": params + metrics})[:-1] + ', "rows": [\n' + body + "\n]}\n"


def ranker_report(table_rows: list[dict[str, Any]], ranker: Any, command: str) -> str:
    """The Markdown report of a ranker training: the cross-validation table and the saved model's weights."""
    out = ["# Partner suggestion: training the learned ranker", "", f"Command: `{command}`", "",
           f"{ranker.about['trained_on']}; {ranker.about['folds']}-fold cross-validation over the queries, "
           "the documents of a query's fold held back from its features. "
           f"Saved: version `{ranker.version}`.", "",
           "| features | neighbours | objective | C | MAP | P@5 | R@10 |", "|---|---:|---|---:|---:|---:|---:|"]
    out += [f"| {r['features']} | {r['neighbours']} | {r['objective']} | {r['C']:g} | {r['map']:.4f} | "
            f"{r['p@5']:.4f} | {r['recall@10']:.4f} |" for r in table_rows]
    out += ["", "Weights of the standardised features (largest magnitude first):", "",
            "| feature | weight |", "|---|---:|"]
    order = sorted(zip(ranker.features, ranker.weights.tolist()), key=lambda fw: -abs(fw[1]))
    out += [f"| {f} | {w:+.3f} |" for f, w in order if abs(w) > 1e-9]
    return "\n".join(out) + "\n"


def curve_report(rows: list[dict[str, Any]], ranker: Any, k_neighbours: int, command: str) -> str:
    """The Markdown report of a learning curve, with the ratio's trend per doubling of the records."""
    out = ["# Partner suggestion: learning curve", "", f"Command: `{command}`", "",
           f"{FOLDS}-fold cross-validation over the train queries, the fold and a seeded share of the other records "
           f"held back; the ranker with the packaged ranker's settings ({ranker.about['features']}, "
           f"k = {ranker.neighbours}, {ranker.about['objective']}, C = {ranker.about['C']:g}), the baseline the "
           f"nearest-neighbour vote (k = {k_neighbours}).", "",
           "| share | samples | records indexed | ranker MAP | nearest-neighbours MAP | ratio |",
           "|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {r['fraction']:g} | {r['samples']} | {r['records_indexed']:.0f} | {r['ranker_map']:.4f} | "
            f"{r['nearest_neighbours_map']:.4f} | {r['ratio']:.3f}× |" for r in rows]
    x = np.log2([r["records_indexed"] for r in rows])
    slope, intercept = np.polyfit(x, [r["ratio"] for r in rows], 1)
    out += ["", f"Least-squares trend of the ratio: {slope:+.3f}× per doubling of the records indexed."]
    if slope > 0:
        needed = 2 ** ((GOAL - intercept) / slope)
        out.append(f"Extended, it reaches the goal of {GOAL}× at about {needed:,.0f} records indexed.")
    return "\n".join(out) + "\n"
