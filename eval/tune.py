"""Choose BM25 and fusion settings on training queries (a train split, or k-fold cross-validation).

Every query is ranked once per side: its dense score and its BM25 score for every chunk,
under each BM25 configuration. Hybrid rankings are then re-fused in memory with the
production `fuse` over the same candidate pool `Searcher.rank` builds (the top
`candidates` chunks of each side), so a grid of hundreds of settings costs seconds.
Numbers to report come from `gfmd-search eval` with the chosen settings, not from here.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from gfmd_search.chunking import embedding_text
from gfmd_search.config import AGGREGATIONS, Settings
from gfmd_search.fusion import METHODS, fuse
from gfmd_search.lexical import Analyzer, LexicalIndex

from .datasets import Collection, Run
from .markdown import markdown_table
from .runner import CHUNK_DEPTH, DEFAULT_CACHE, build_index, doc_scores

OBJECTIVE = "ndcg@10"
ANALYZERS = [(stem, stop) for stem in ("english", "porter", None) for stop in ("en", None)]
REFERENCE_BM25 = (1.2, 0.75)
"""k1 and b at which the analyzers (stemmer, stop words) are compared first: Lucene's defaults."""
K1 = (0.6, 0.9, 1.2, 1.5, 2.0)
B = (0.3, 0.5, 0.75, 0.9, 1.0)
LEXICAL_FINALISTS = 3
RRF_K = (1, 2, 5, 10, 20, 40, 60, 100)
WEIGHTS = tuple(round(w, 2) for w in np.arange(0.05, 1.0, 0.05))
RRF_WEIGHTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
LEXICAL_KEYS = ("stemmer", "stopwords", "bm25_k1", "bm25_b")


@dataclass
class Trial:
    """One setting combination and its per-query objective on the tuning queries."""

    mode: str
    settings: dict[str, Any]
    per_query: np.ndarray

    @property
    def mean(self) -> float:
        return float(self.per_query.mean())


@dataclass
class Tuning:
    """Every trial, the best settings per mode, and (with folds) the cross-validated estimate."""

    dataset: str
    split: str
    queries: list[str]
    trials: list[Trial]
    folds: int | None = None
    cross_validated: dict[str, dict[str, Any]] = field(default_factory=dict)

    def best(self, mode: str) -> Trial:
        """The trial of a mode with the highest mean objective."""
        return max((t for t in self.trials if t.mode == mode), key=lambda t: t.mean)

    def to_dict(self) -> dict[str, Any]:
        modes = list(dict.fromkeys(t.mode for t in self.trials))
        return {
            "dataset": self.dataset,
            "split": self.split,
            "queries": len(self.queries),
            "objective": OBJECTIVE,
            "best": {m: {"settings": self.best(m).settings, OBJECTIVE: round(self.best(m).mean, 4)} for m in modes},
            "folds": self.folds,
            "cross_validated": self.cross_validated,
            "trials": [{"mode": t.mode, **t.settings, OBJECTIVE: round(t.mean, 4)} for t in self.trials],
        }

    def markdown(self, top: int = 10) -> str:
        """The best settings of each mode and the top trials of each fusion method."""
        where = f"{self.folds}-fold cross-validation of" if self.folds else "split"
        lines = [f"# Tuning on {self.dataset}, {where} {self.split!r} ({len(self.queries)} queries)", ""]
        best = [(mode, self.best(mode), self.cross_validated.get(mode, {}).get(OBJECTIVE))
                for mode in dict.fromkeys(t.mode for t in self.trials)]
        lines += markdown_table(
            ["mode", "best settings", OBJECTIVE, "cross-validated"],
            [(mode, _settings(b.settings), f"{b.mean:.4f}", "" if cv is None else f"{cv:.4f}") for mode, b, cv in best],
            "llrr",
        )
        for method in METHODS:
            ranked = sorted((t for t in self.trials if t.settings.get("fusion") == method), key=lambda t: -t.mean)
            if ranked:
                lines += ["", f"## Hybrid, {method}: top {min(top, len(ranked))} of {len(ranked)}", ""]
                lines += markdown_table(["settings", OBJECTIVE], [(_settings(t.settings), f"{t.mean:.4f}") for t in ranked[:top]])
        return "\n".join(lines) + "\n"

    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "tuning.json").write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        (out / "tuning.md").write_text(self.markdown())


def tune(
    collection: Collection,
    settings: Settings,
    cache: Path = DEFAULT_CACHE,
    folds: int | None = None,
    progress: bool = True,
) -> Tuning:
    """Grid-search BM25 analysis and parameters, then fusion, on the collection's queries."""
    engine, _ = build_index(collection, settings, cache, progress)
    engine.optimize()  # one segment without deleted rows: the rows of load_all are the index rows
    searcher = engine.searcher()
    reader = searcher.reader
    documents, chunks, _, _ = reader.load_all()
    by_id = {d.doc_id: d for d in documents}
    texts = [embedding_text(by_id[c.doc_id], c, settings.context_header) for c in chunks]
    qids = list(collection.queries)
    query_vectors = engine.embedder.encode([collection.queries[q] for q in qids], progress=progress)
    dense = reader.matrix() @ query_vectors.T  # chunk rows x queries
    scorer = _Scorer(collection, qids, reader.chunk_doc_index, np.array(reader.doc_ids(), dtype=object))
    trials = [
        Trial("dense", {"doc_aggregation": agg}, scorer(_side_runs(dense, agg, scorer)))
        for agg in AGGREGATIONS
    ]

    def lexical(stemmer: str | None, stopwords: str | None, k1: float, b: float) -> np.ndarray:
        """BM25 score of every chunk row (rows) for every query (columns)."""
        index = LexicalIndex.build(texts, Analyzer(stemmer, stopwords), k1, b)
        return np.stack([index.scores(collection.queries[q]) for q in qids], axis=1)

    def bm25_trials(configs: list[tuple]) -> list[Trial]:
        found = []
        for stem, stop, k1, b in tqdm(configs, desc="BM25 grid", disable=not progress):
            scores = lexical(stem, stop, k1, b)
            for agg in AGGREGATIONS:
                values = {"stemmer": stem, "stopwords": stop, "bm25_k1": k1, "bm25_b": b, "doc_aggregation": agg}
                found.append(Trial("bm25", values, scorer(_side_runs(scores, agg, scorer, positive=True))))
        return found

    trials += bm25_trials([(stem, stop, *REFERENCE_BM25) for stem, stop in ANALYZERS])
    stem, stop = _lexical_of(max((t for t in trials if t.mode == "bm25"), key=lambda t: t.mean))[:2]
    trials += bm25_trials([(stem, stop, k1, b) for k1, b in itertools.product(K1, B) if (k1, b) != REFERENCE_BM25])
    finalists = _finalists([t for t in trials if t.mode == "bm25"], LEXICAL_FINALISTS)
    for config in tqdm(finalists, desc="Fusion grid", disable=not progress):
        depth = max(CHUNK_DEPTH, settings.candidates)
        trials += _fusion_trials(dense, lexical(*config), dict(zip(LEXICAL_KEYS, config)), depth, scorer)
    tuning = Tuning(collection.name, collection.split, qids, trials, folds)
    if folds:
        tuning.cross_validated = cross_validate(trials, folds)
    return tuning


def _fusion_trials(
    dense: np.ndarray, lexical: np.ndarray, lexical_settings: dict, depth: int, scorer: _Scorer
) -> list[Trial]:
    """Hybrid trials over every fusion method, weight and document aggregation."""
    grid = [("rrf", k, w) for k in RRF_K for w in RRF_WEIGHTS]
    grid += [(m, 60, w) for m in METHODS if m != "rrf" for w in WEIGHTS]
    pools = [_pool(dense[:, j], lexical[:, j], depth) for j in range(dense.shape[1])]
    trials = []
    for method, rrf_k, weight in grid:
        fused = [_fused(dense[rows, j], lexical[rows, j], rows, method, weight, rrf_k) for j, rows in enumerate(pools)]
        for agg in AGGREGATIONS:
            values = {**lexical_settings, "fusion": method, "rrf_k": rrf_k, "dense_weight": weight,
                      "doc_aggregation": agg}
            runs = {q: scorer.docs(r, agg) for q, r in zip(scorer.qids, fused)}
            trials.append(Trial("hybrid", values, scorer(runs)))
    return trials


def _pool(dense: np.ndarray, lexical: np.ndarray, depth: int) -> np.ndarray:
    """The candidate rows `Searcher.rank` fuses: top `depth` dense rows, then the top `depth` rows of
    positive BM25 score (best first, ties by row)."""
    depth = min(depth, len(dense))
    matching = np.flatnonzero(lexical > 0)
    best = matching[np.lexsort((matching, -lexical[matching]))][:depth]
    return np.array(list(dict.fromkeys(_top(dense, depth).tolist() + best.tolist())), dtype=np.int64)


def _fused(dense: np.ndarray, lexical: np.ndarray, rows: np.ndarray, method: str, weight: float, rrf_k: int
           ) -> list[tuple[int, float]]:
    fused = fuse(method, dense, lexical, weight, rrf_k)
    order = np.argsort(-fused, kind="stable")[:CHUNK_DEPTH]
    return [(int(rows[i]), float(fused[i])) for i in order]


def _side_runs(scores: np.ndarray, aggregation: str, scorer: _Scorer, positive: bool = False) -> dict[str, Run]:
    """Each query's documents from one side's top chunks (BM25 keeps positive scores only, as search does)."""
    runs = {}
    for j, qid in enumerate(scorer.qids):
        rows = _top(scores[:, j], CHUNK_DEPTH)
        ranked = [(int(r), float(scores[r, j])) for r in rows if not positive or scores[r, j] > 0]
        runs[qid] = scorer.docs(ranked, aggregation)
    return runs


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


class _Scorer:
    """Per-query objective of document runs on the tuning queries (ranx)."""

    def __init__(self, collection: Collection, qids: list[str], doc_of: np.ndarray, doc_ids: np.ndarray):
        from ranx import Qrels

        self.qids = qids
        self.qrels = Qrels({q: collection.qrels[q] for q in qids})
        self.doc_of = doc_of
        self.doc_ids = doc_ids

    def docs(self, ranked: list[tuple[int, float]], aggregation: str) -> dict[str, float]:
        if not ranked:
            return {}
        top = doc_scores(ranked, self.doc_of, self.doc_ids, aggregation)
        return dict(itertools.islice(top.items(), 10))

    def __call__(self, runs: dict[str, dict[str, float]]) -> np.ndarray:
        from ranx import Run as RanxRun
        from ranx import evaluate

        run = RanxRun({q: runs.get(q) or {"": 0.0} for q in self.qids})
        evaluate(self.qrels, run, OBJECTIVE)
        return np.array([run.scores[OBJECTIVE][q] for q in self.qids])


def cross_validate(trials: list[Trial], folds: int, seed: int = 42) -> dict[str, dict[str, Any]]:
    """Per mode: pick the best trial on k-1 folds, score it on the held-out fold; the pooled mean."""
    size = len(trials[0].per_query)
    order = list(range(size))
    random.Random(seed).shuffle(order)
    parts = [np.array(sorted(order[i::folds])) for i in range(folds)]
    result = {}
    for mode in dict.fromkeys(t.mode for t in trials):
        own = [t for t in trials if t.mode == mode]
        held = np.zeros(size)
        chosen = []
        for part in parts:
            train = np.setdiff1d(np.arange(size), part)
            best = max(own, key=lambda t: t.per_query[train].mean())
            held[part] = best.per_query[part]
            chosen.append(best.settings)
        result[mode] = {OBJECTIVE: round(float(held.mean()), 4), "chosen": chosen}
    return result


def _finalists(trials: list[Trial], n: int) -> list[tuple]:
    """The n best distinct BM25 configurations."""
    ranked = sorted(trials, key=lambda t: -t.mean)
    return list(dict.fromkeys(_lexical_of(t) for t in ranked))[:n]


def _lexical_of(trial: Trial) -> tuple:
    return tuple(trial.settings[k] for k in LEXICAL_KEYS)


def _settings(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())
