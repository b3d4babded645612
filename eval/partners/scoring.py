"""Rankings of actors scored with ranx: MAP@100, P@5, Recall@10, paired randomisation tests, TREC files."""

from __future__ import annotations

from pathlib import Path

from ranx import Qrels, Run, compare, evaluate

DEPTH = 100
"""Actors ranked per query (MAP is computed over this depth)."""
METRICS = {"map": f"map@{DEPTH}", "p@5": "precision@5", "recall@10": "recall@10"}
"""Our names of the metrics (the keys of the recorded files) and ranx's."""
PERMUTATIONS = 10000

Ranking = list[str]
Judged = dict[str, set[str]]


def ranx_qrels(judged: Judged) -> Qrels:
    """The judgments as ranx qrels (every judged actor relevant at level 1)."""
    return Qrels({q: {a: 1 for a in actors} for q, actors in judged.items()})


def ranx_run(rankings: dict[str, Ranking], name: str) -> Run:
    """Rankings as a ranx run: the first actor scores `DEPTH`, the next one less, and so on."""
    return Run({q: {a: float(DEPTH - i) for i, a in enumerate(r[:DEPTH])} for q, r in rankings.items() if r}, name=name)


def score(
    judged: Judged, runs: dict[str, dict[str, Ranking]]
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, dict[str, float]]]]:
    """Mean metrics per system, and each query's metrics per system (a query a system leaves
    unanswered scores 0)."""
    qrels = ranx_qrels(judged)
    means, per_query = {}, {}
    for system, rankings in runs.items():
        run = ranx_run(rankings, system)
        found = evaluate(qrels, run, list(METRICS.values()), make_comparable=True)
        means[system] = {ours: float(found[theirs]) for ours, theirs in METRICS.items()}
        per_query[system] = {
            q: {ours: float(run.scores[theirs].get(q, 0.0)) for ours, theirs in METRICS.items()} for q in sorted(judged)
        }
    return means, per_query


def significance(judged: Judged, runs: dict[str, dict[str, Ranking]], system: str, against: str) -> dict[str, float]:
    """Two-sided p-values of a paired randomisation test (ranx's Fisher test) of `system` against
    `against`, on each metric."""
    report = compare(
        ranx_qrels(judged),
        [ranx_run(runs[system], system), ranx_run(runs[against], against)],
        list(METRICS.values()),
        stat_test="fisher",
        n_permutations=PERMUTATIONS,
        rounding_digits=4,
        make_comparable=True,
    )
    found = report.to_dict()[system]["comparisons"][against]
    return {ours: float(found[theirs]) for ours, theirs in METRICS.items()}


def save_runs(runs: dict[str, dict[str, Ranking]], folder: Path, prefix: str = "") -> list[Path]:
    """Each system's rankings as a TREC run file `<prefix><system>.trec`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for system, rankings in runs.items():
        written.append(folder / f"{prefix}{system}.trec")
        ranx_run(rankings, system).save(str(written[-1]), kind="trec")
    return written
