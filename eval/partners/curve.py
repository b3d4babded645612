"""The learning curve: the learned ranker and the nearest-neighbour vote as their records grow.

The train queries fall into the folds of the ranker's training (training.py). For each fraction of
the records outside a query's fold, a seeded sample of that fraction stays in the index and the rest
is held back with the fold: out of the search, the nearest records, every count and the classifier's
examples. At each point the ranker of the packaged ranker's settings is cross-validated over the
folds, and the nearest-neighbour baseline votes over the same records; their MAP and its ratio show
whether the ranker's lead grows with the records it learns from. At fraction 1 the ranker's MAP is
the recorded cross-validation's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from gfmd_search.app import Engine
from gfmd_search.partners.actor_table import actor_table
from gfmd_search.partners.neighbours import neighbour_index
from gfmd_search.partners.ranker import LinearRanker

from .baselines import neighbour_vote
from .records import Judged
from .scoring import Ranking, score
from .training import FOLDS, assign_folds, cross_validate, examples, fold_members

FRACTIONS = (0.25, 0.5, 0.75, 1.0)
REPEATS = 2
"""Samples drawn at each fraction below 1 (their MAPs are averaged)."""


def held_samples(doc_ids: Sequence[str], members: dict[int, list[str]], fraction: float, seed: int
                 ) -> dict[int, list[str]]:
    """For each fold, the records outside it that a seeded sample of `fraction` of them leaves out."""
    out = {}
    for f, fold in members.items():
        mine = set(fold)
        others = [d for d in doc_ids if d not in mine]
        rng = np.random.default_rng([seed, f])
        kept = set(rng.choice(len(others), size=round(fraction * len(others)), replace=False).tolist())
        out[f] = [d for i, d in enumerate(others) if i not in kept]
    return out


def learning_curve(engine: Engine, queries: dict[str, str], judged: Judged, ranker: LinearRanker, k_neighbours: int,
                   fractions: Sequence[float] = FRACTIONS, repeats: int = REPEATS, progress: bool = False
                   ) -> list[dict[str, Any]]:
    """One row per fraction: records indexed per fold, and the cross-validated MAP of the ranker (with
    `ranker`'s settings) and of the `k_neighbours` vote, with their ratio (means over the samples)."""
    reader = engine.searcher().reader
    table, index = actor_table(reader), neighbour_index(reader)
    members = fold_members(assign_folds(list(queries), FOLDS))
    fold_of = {q: f for f, qs in members.items() for q in qs}
    grid = {"features": (ranker.about["features"],), "neighbours": (ranker.neighbours,),
            "objective": (ranker.about["objective"],), "C": (ranker.about["C"],)}
    rows = []
    for fraction in tqdm(fractions, desc="Learning curve", disable=not progress):
        points = []
        for seed in range(repeats if fraction < 1 else 1):
            extra = held_samples(table.doc_ids, members, fraction, seed)
            data = examples(engine, queries, judged, (ranker.neighbours,), FOLDS, False, extra)
            learned = cross_validate(data, judged, grid, FOLDS)[0]["map"]
            votes: dict[str, Ranking] = {
                q: neighbour_vote(table, index, text, k_neighbours, ("donor",), members[fold_of[q]] + extra[fold_of[q]])
                for q, text in queries.items()
            }
            vote = score(judged, {"nearest-neighbours": votes})[0]["nearest-neighbours"]["map"]
            indexed = np.mean([len(table.doc_ids) - len(members[f]) - len(extra[f]) for f in members])
            points.append((indexed, learned, vote))
        indexed, learned, vote = np.mean(points, axis=0).tolist()
        rows.append({"fraction": fraction, "samples": len(points), "records_indexed": round(indexed, 1),
                     "ranker_map": round(learned, 4), "nearest_neighbours_map": round(vote, 4),
                     "ratio": round(learned / vote, 4) if vote else None})
    return rows
