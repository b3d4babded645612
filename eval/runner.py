"""Evaluate the production search on a test collection: index it, rank every query, score.

The index is built with `Engine` (the same chunking, embedding and BM25 as `gfmd-search
ingest`) and every query goes through `Searcher.rank`, the path `gfmd-search search`
takes. Chunk scores become document scores by `settings.doc_aggregation`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from gfmd_search.aggregate import by_document
from gfmd_search.app import Engine
from gfmd_search.config import MODES, Settings
from gfmd_search.ingest import EMBEDDING_SETTINGS, LEXICAL_SETTINGS
from gfmd_search.records import Document, IngestReport, Page
from gfmd_search.search import Searcher

from .cache import DEFAULT_CACHE, cache_dir, source_key
from .datasets import Collection, CorpusDoc, Qrels, Run

METRICS = ("ndcg@10", "recall@100", "mrr@10", "map@100")
CHUNK_DEPTH = 1000
"""Chunk rows retrieved per query: enough to fill the document top 100."""
DOC_DEPTH = 100

@dataclass
class Evaluation:
    """What one evaluation produced: runs and metrics per mode, and what it cost."""

    collection: Collection
    settings: Settings
    index_dir: Path
    runs: dict[str, Run]
    metrics: dict[str, dict[str, float]]
    ingest: IngestReport
    seconds: dict[str, float] = field(default_factory=dict)

    def add_runs(self, runs: dict[str, Run]) -> None:
        """Score other runs (read from files, say) beside the modes, for the comparison."""
        self.runs.update(runs)
        self.metrics.update(score(self.collection.qrels, runs))

    def summary(self) -> dict[str, Any]:
        """Everything about the run except the rankings, JSON-ready."""
        s = self.settings
        return {
            "dataset": self.collection.name,
            "split": self.collection.split,
            "queries": len(self.collection.queries),
            "judgments": sum(len(v) for v in self.collection.qrels.values()),
            "model": s.model,
            "settings": {k: getattr(s, k) for k in SETTINGS_REPORTED},
            "index": str(self.index_dir),
            "chunks_embedded": self.ingest.chunks_embedded,
            "chunks_reused": self.ingest.chunks_reused,
            "documents_ingested": len(self.ingest.ingested),
            "documents_unchanged": len(self.ingest.unchanged),
            "seconds": {k: round(v, 1) for k, v in self.seconds.items()},
        }


SETTINGS_REPORTED = EMBEDDING_SETTINGS + LEXICAL_SETTINGS + (
    "fusion", "rrf_k", "dense_weight", "candidates", "doc_aggregation",
)


def evaluate_collection(
    collection: Collection,
    settings: Settings,
    modes: Iterable[str] = MODES,
    cache: Path = DEFAULT_CACHE,
    progress: bool = True,
) -> Evaluation:
    """Index the collection (cached), run every query in each mode, and score the runs."""
    modes = list(modes)
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown mode(s) {', '.join(unknown)}; use {', '.join(MODES)}")
    aggregation = settings.doc_aggregation
    started = time.perf_counter()
    engine, report = build_index(collection, settings, cache, progress)
    seconds = {"index": time.perf_counter() - started}
    searcher = engine.searcher()
    runs: dict[str, Run] = {}
    for mode in modes:
        begun = time.perf_counter()
        runs[mode] = rank_all(searcher, collection.queries, mode, aggregation, progress)
        seconds[mode] = time.perf_counter() - begun
    metrics = score(collection.qrels, runs)
    seconds["total"] = time.perf_counter() - started
    return Evaluation(collection, engine.settings, engine.settings.index_dir, runs, metrics, report, seconds)


def build_index(
    collection: Collection, settings: Settings, cache: Path = DEFAULT_CACHE, progress: bool = True
) -> tuple[Engine, IngestReport]:
    """An engine over the collection's cached index, brought up to date by ingest."""
    engine = Engine(settings.with_overrides(index_dir=index_dir(collection, settings, cache)))
    if collection.documents is None:
        report = engine.ingest([collection.source], prune=True, progress=progress)
    else:
        report = engine.ingest_documents(map(as_document, collection.documents), progress=progress)
    return engine, report


def index_dir(collection: Collection, settings: Settings, cache: Path = DEFAULT_CACHE) -> Path:
    """The cache folder of a collection's index: keyed by corpus, model and embedding settings."""
    return cache_dir(collection.name, source_key(collection.source), settings, cache)


def as_document(doc: CorpusDoc) -> Document:
    """A corpus entry as the record `Engine.ingest_documents` takes (a title-only one keeps its title as text)."""
    return Document(doc_id=doc.doc_id, title=doc.title, pages=[Page(1, doc.text if doc.text.strip() else doc.title)])


def rank_all(
    searcher: Searcher, queries: dict[str, str], mode: str, aggregation: str, progress: bool = True
) -> Run:
    """Each query's top documents in one mode."""
    doc_ids = np.array(searcher.reader.doc_ids(), dtype=object)
    doc_of = searcher.reader.chunk_doc_index
    run: Run = {}
    for qid, text in tqdm(queries.items(), desc=f"Ranking ({mode})", unit="query", disable=not progress):
        ranked = searcher.rank(text, CHUNK_DEPTH, mode)
        if ranked:
            run[qid] = doc_scores(ranked, doc_of, doc_ids, aggregation)
    return run


def doc_scores(
    ranked: list[tuple[int, float]], doc_of: np.ndarray, doc_ids: np.ndarray, aggregation: str
) -> dict[str, float]:
    """The top documents of ranked chunk rows, each scored from its chunks (`aggregate.by_document`)."""
    return {str(doc_ids[d]): score for d, _, score in by_document(ranked, doc_of, aggregation, DOC_DEPTH)}


def score(qrels: Qrels, runs: dict[str, Run]) -> dict[str, dict[str, float]]:
    """The mean of each metric for each run (a query with no results scores 0)."""
    from ranx import Qrels as RanxQrels
    from ranx import evaluate

    judged = RanxQrels(qrels)
    return {
        name: {m: float(v) for m, v in evaluate(judged, ranx_run(run, name), list(METRICS), make_comparable=True).items()}
        for name, run in runs.items()
    }


def ranx_run(run: Run, name: str) -> Any:
    """A ranx Run of a ranking (empty rankings left out)."""
    from ranx import Run as RanxRun

    return RanxRun({q: d for q, d in run.items() if d}, name=name)
