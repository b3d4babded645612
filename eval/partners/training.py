"""Train the learned partner ranker (scikit-learn) on the train records; settings by cross-validation.

Each train record with a real donor is a query over the train index; candidates whose name is among
its donors are the positives. The queries fall into seeded folds, and a query's features are
computed with the documents of its whole fold held back (out of the search, the nearest documents
and every count), so they are those of new records, and every query of a fold sees the same counts.
(Holding back only the query's own document leaks its donors: each would be counted one document
fewer than in every other query, which a model that splits on counts reads off. A gradient-boosted
model did, to a cross-validated MAP of 0.92; see eval/results/partners/README.md.)

Settings are chosen by cross-validation over those folds: the feature set (all, or only those that
name no particular role), the number of nearest documents that vote, the objective (pointwise
logistic regression on the candidates, or pairwise: logistic regression on the differences of a
donor and a non-donor of the same query, as RankSVM does) and the regularisation C. The chosen
settings are then fitted on every train query and saved (`LinearRanker`), with their table.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from gfmd_search.app import Engine
from gfmd_search.partners import retrieve
from gfmd_search.partners.features import FEATURES, candidates
from gfmd_search.partners.ranker import LinearRanker
from gfmd_search.records import ROLES, Filters

from .records import Judged
from .scoring import DEPTH, score

ANY_ROLE = [f for f in FEATURES if f.partition(":")[2] not in ROLES]
"""The features that name no particular role (``vote:stated``, not ``vote:donor``): a ranker on them
reads a task whose roles differ from those it was trained on (roundtable teams, after IOM donors)."""
FEATURE_SETS = {"all": list(FEATURES), "any role": ANY_ROLE}
GRID: dict[str, tuple[Any, ...]] = {
    "features": tuple(FEATURE_SETS),
    "neighbours": (10, 20),
    "objective": ("pointwise", "pairwise"),
    "C": (0.1, 1.0),
}
FOLDS = 5
SEED = 2024


@dataclass
class Examples:
    """The candidates of every training query: feature rows, labels, the query and fold of each row."""

    x: np.ndarray
    y: np.ndarray
    query: np.ndarray
    fold: np.ndarray
    qids: list[str]
    names: list[str]


def assign_folds(qids: list[str], folds: int = FOLDS, seed: int = SEED) -> dict[str, int]:
    """A seeded random fold for each query (sizes differ by at most one)."""
    order = sorted(qids)
    np.random.default_rng(seed).shuffle(order)
    return {q: i % folds for i, q in enumerate(order)}


def fold_members(fold_of: dict[str, int]) -> dict[int, list[str]]:
    """The queries (and so the documents) of each fold."""
    members: dict[int, list[str]] = {}
    for qid, f in fold_of.items():
        members.setdefault(f, []).append(qid)
    return members


def examples(engine: Engine, queries: dict[str, str], judged: Judged, ks: tuple[int, ...], folds: int = FOLDS,
             progress: bool = False, also_held: dict[int, list[str]] | None = None) -> dict[int, Examples]:
    """Every training query's candidates and features for each number `k` of voting neighbours, the
    documents of its whole fold held back, and those `also_held` names for that fold. (Holding back
    only its own document would leak its donors: each of them would be counted one document fewer
    than in every other query.)"""
    searcher, settings = engine.searcher(), engine.settings
    fold_of = assign_folds(list(queries), folds)
    members = fold_members(fold_of)
    extra = also_held or {}
    rows: dict[int, list[np.ndarray]] = {k: [] for k in ks}
    labels: dict[int, list[bool]] = {k: [] for k in ks}
    owner: dict[int, list[int]] = {k: [] for k in ks}
    names: dict[int, list[str]] = {k: [] for k in ks}
    qids = list(queries)
    for i, qid in enumerate(tqdm(qids, desc="Features of the training queries", disable=not progress)):
        held = Filters(exclude_doc_ids=members[fold_of[qid]] + extra.get(fold_of[qid], []))
        passages = retrieve(searcher, queries[qid], settings.partner_passages, held)
        for k in ks:
            found = candidates(searcher, queries[qid], settings, k, held, passages=passages)
            if found.items:
                rows[k].append(found.matrix(list(FEATURES)))
            labels[k] += [c.name in judged[qid] for c in found.items]
            owner[k] += [i] * len(found.items)
            names[k] += [c.name for c in found.items]
    return {
        k: Examples(np.vstack(rows[k]) if rows[k] else np.zeros((0, len(FEATURES))), np.array(labels[k], dtype=int),
                    np.array(owner[k], dtype=int), np.array([fold_of[qids[i]] for i in owner[k]], dtype=int),
                    qids, names[k])
        for k in ks
    }


def fit(data: Examples, features: list[str], objective: str, c: float, rows: np.ndarray | None = None
        ) -> tuple[StandardScaler, np.ndarray, float]:
    """Standardise `features` and fit the linear model on `rows` (all by default): (scaler, weights, bias)."""
    rows = np.arange(len(data.y)) if rows is None else rows
    x = data.x[np.ix_(rows, columns(features))]
    scaler = StandardScaler().fit(x)
    scaler.scale_[scaler.scale_ == 0] = 1.0
    z, y, query = scaler.transform(x), data.y[rows], data.query[rows]
    if len(set(y.tolist())) < 2:  # nothing to tell apart: every candidate scores alike
        return scaler, np.zeros(z.shape[1]), 0.0
    if objective == "pointwise":
        model = LogisticRegression(C=c, max_iter=5000).fit(z, y)
        return scaler, model.coef_[0], float(model.intercept_[0])
    diffs = []
    for q in np.unique(query):
        mine = query == q
        pos, neg = z[mine & (y == 1)], z[mine & (y == 0)]
        diffs += [p - n for p in pos for n in neg]
    d = np.array(diffs)
    model = LogisticRegression(C=c, max_iter=5000, fit_intercept=False).fit(
        np.vstack([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))]
    )
    return scaler, model.coef_[0], 0.0


def columns(features: list[str]) -> list[int]:
    """The columns of `features` in the rows of `Examples`."""
    return [FEATURES.index(f) for f in features]


def rankings(data: Examples, features: list[str], scaler: StandardScaler, weights: np.ndarray, rows: np.ndarray
             ) -> dict[str, list[str]]:
    """Each query's candidates (among `rows`) by the linear score, best first (ties by name)."""
    s = scaler.transform(data.x[np.ix_(rows, columns(features))]) @ weights
    out: dict[str, list[tuple[float, str]]] = {}
    for r, value in zip(rows.tolist(), s.tolist()):
        out.setdefault(data.qids[data.query[r]], []).append((-value, data.names[r]))
    return {q: [n for _, n in sorted(v)][:DEPTH] for q, v in out.items()}


def cross_validate(data: dict[int, Examples], judged: Judged, grid: dict[str, tuple[Any, ...]] = GRID,
                   folds: int = FOLDS) -> list[dict[str, Any]]:
    """Mean held-out MAP, P@5 and Recall@10 of every grid point, best MAP first."""
    results = []
    for chosen, k, objective, c in itertools.product(grid["features"], grid["neighbours"], grid["objective"], grid["C"]):
        ex, features = data[k], FEATURE_SETS[chosen]
        run: dict[str, list[str]] = {}
        for f in range(folds):
            scaler, weights, _ = fit(ex, features, objective, c, np.flatnonzero(ex.fold != f))
            run.update(rankings(ex, features, scaler, weights, np.flatnonzero(ex.fold == f)))
        metrics, _ = score(judged, {"ranker": run})
        results.append({"features": chosen, "neighbours": k, "objective": objective, "C": c, **metrics["ranker"]})
    return sorted(results, key=lambda r: (-r["map"], -r["p@5"]))


def train(engine: Engine, queries: dict[str, str], judged: Judged, grid: dict[str, tuple[Any, ...]] = GRID,
          folds: int = FOLDS, progress: bool = False) -> tuple[LinearRanker, list[dict[str, Any]]]:
    """The ranker of the best cross-validated settings, fitted on every training query, and the CV table."""
    data = examples(engine, queries, judged, tuple(grid["neighbours"]), folds, progress)
    table = cross_validate(data, judged, grid, folds)
    best = table[0]
    ex, features = data[best["neighbours"]], FEATURE_SETS[best["features"]]
    scaler, weights, bias = fit(ex, features, best["objective"], best["C"])
    today = dt.datetime.now(dt.UTC).strftime("%Y.%m.%d")
    ranker = LinearRanker(
        version=f"{today}-{best['objective']}-k{best['neighbours']}",
        features=features,
        mean=scaler.mean_,
        scale=scaler.scale_,
        weights=weights,
        bias=bias,
        neighbours=best["neighbours"],
        about={
            "trained_on": f"{len(queries)} IOM evaluation records (train split), each with its fold held back",
            "features": best["features"], "objective": best["objective"], "C": best["C"], "folds": folds,
            "cross_validated": {m: round(best[m], 4) for m in ("map", "p@5", "recall@10")},
            "candidates": int(len(ex.y)), "positives": int(ex.y.sum()),
        },
    )
    return ranker, table
