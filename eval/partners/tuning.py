"""Tuning on the tune split: the voting model's settings on a grid, and the k of the nearest-neighbour baseline.

The index holds the fit records; the tune records are the queries. Passages are retrieved once per
query at the largest depth of the grid, and each grid point re-votes them.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from gfmd_search.config import Settings
from gfmd_search.partners import idf_prior, retrieve, vote
from gfmd_search.partners.actor_table import actor_table
from gfmd_search.partners.neighbours import neighbour_index

from ..cache import DEFAULT_CACHE
from .baselines import neighbour_vote, popularity, role_popularity
from .records import Record, iom_queries, record_document
from .runner import IOM, cached_engine
from .scoring import DEPTH, score

GRID: dict[str, list[Any]] = {
    "partner_passages": [10, 20, 30, 50, 100],
    "relevance": [("rank", 0.0), ("rank", 2.0), ("rank", 5.0), ("rank", 10.0), ("rank", 20.0), ("rank", 50.0),
                  ("score", 0.0)],
    "partner_prior": [0.0, 0.5, 1.0, 1.5, 2.0, 3.0],
    "partner_assoc_norm": [0.0, 0.5, 1.0],
    "role_weight": [1.0, 1.5, 2.0, 4.0, 10.0, 20.0],
}
"""The voting grid. `role_weight` is the weight of a mention with a stated role (donor, chair, ...)
against 1 for a mention without one; `relevance` is (partner_relevance, partner_rank_c)."""
NEIGHBOURS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50]
"""The numbers of nearest records tried for the nearest-neighbour baseline."""
FIRST_GUESS = {"partner_passages": 50, "partner_prior": 1.0, "partner_assoc_norm": 0.0, "role_weight": 1.5,
               "partner_relevance": "rank", "partner_rank_c": 10.0}
"""The partner settings before tuning (role weights of 1.5 to 2 for stated roles)."""


def grid_settings(settings: Settings, point: dict[str, Any]) -> Settings:
    """The settings of one grid point."""
    how, c = point["relevance"]
    roles = {role: point["role_weight"] for role in settings.role_weights if role != "none"}
    return settings.with_overrides(
        partner_passages=point["partner_passages"],
        partner_relevance=how,
        partner_rank_c=c,
        partner_prior=point["partner_prior"],
        partner_assoc_norm=point["partner_assoc_norm"],
        role_weights={**roles, "none": 1.0},
    )


def tune_iom(
    train: list[Record],
    tune: list[Record],
    settings: Settings,
    cache: Path = DEFAULT_CACHE,
    grid: dict[str, list[Any]] | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Every voting grid point's metrics on the tune records (best MAP first, under "grid"; an empty
    `grid` skips the voting model), the nearest-neighbour baseline's for each k (under "neighbours"),
    and the other baselines'."""
    grid = GRID if grid is None else grid
    engine = cached_engine("iom-tune", [record_document(r) for r in train], settings, cache, progress)
    searcher = engine.searcher()
    table, index = actor_table(searcher.reader), neighbour_index(searcher.reader)
    queries, judged, _ = iom_queries(tune)
    counts = table.totals
    baselines, _ = score(judged, {
        "popularity": {q: popularity(counts) for q in queries},
        IOM.system("role-popularity"): {q: role_popularity(counts, IOM.roles) for q in queries},
    })
    neighbours = []
    for k in NEIGHBOURS:
        run = {q: neighbour_vote(table, index, text, k, IOM.roles) for q, text in queries.items()}
        neighbours.append({"k": k, **score(judged, {"nn": run})[0]["nn"]})
    results = []
    names = list(grid)
    retrieved = {q: retrieve(searcher, text, max(grid["partner_passages"])) for q, text in queries.items()} if grid else {}
    for values in itertools.product(*(grid[n] for n in names)) if grid else ():
        point = dict(zip(names, values))
        s = grid_settings(settings, point)
        prior = idf_prior(counts.documents, counts.df, s.partner_prior)
        run = {q: [t.name for t in vote(p.top(s.partner_passages), s, prior)[:DEPTH]] for q, p in retrieved.items()}
        results.append({"point": _plain(point), "metrics": score(judged, {"voting": run})[0]["voting"]})
    results.sort(key=lambda r: (-r["metrics"]["map"], -r["metrics"]["p@5"]))
    best_k = max(neighbours, key=lambda r: (r["map"], -r["k"]))
    return {"queries": len(judged), "baselines": baselines, "neighbours": neighbours, "best_k": best_k["k"],
            "grid": results}


def _plain(point: dict[str, Any]) -> dict[str, Any]:
    out = dict(point)
    how, c = out.pop("relevance")
    out["partner_relevance"], out["partner_rank_c"] = how, c
    return out


def sensitivity(results: list[dict[str, Any]]) -> dict[str, list[tuple[Any, float]]]:
    """For each parameter, the best MAP reached with each of its values (others free)."""
    out: dict[str, dict[Any, float]] = {}
    for r in results:
        for key, value in r["point"].items():
            if key == "partner_rank_c" and r["point"]["partner_relevance"] == "score":
                continue
            best = out.setdefault(key, {})
            best[value] = max(best.get(value, 0.0), r["metrics"]["map"])
    return {k: sorted(v.items(), key=lambda kv: str(kv[0])) for k, v in out.items()}


def is_defaults(point: dict[str, Any], s: Settings) -> bool:
    """Whether a grid point is the configured voting settings."""
    roles = {v for k, v in s.role_weights.items() if k != "none"}
    return (
        point["partner_passages"] == s.partner_passages
        and point["partner_relevance"] == s.partner_relevance
        and (s.partner_relevance == "score" or point["partner_rank_c"] == s.partner_rank_c)
        and point["partner_prior"] == s.partner_prior
        and point["partner_assoc_norm"] == s.partner_assoc_norm
        and roles == {point["role_weight"] * s.role_weights.get("none", 1.0)}
    )
