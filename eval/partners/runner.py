"""Run the partner models and the baselines on a task's queries, and score them.

Every model goes through `gfmd_search.partners.suggest`, the function `Engine.partners` calls, over
an index built by `Engine.ingest_documents`, so what is measured is what `gfmd-search partners` runs.
A held-back query (roundtables) filters its own document out of the search and out of every count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from gfmd_search.app import Engine
from gfmd_search.config import Settings
from gfmd_search.partners import ModelChoice, suggest
from gfmd_search.partners.actor_table import actor_table
from gfmd_search.partners.neighbours import neighbour_index
from gfmd_search.records import Document, Filters

from ..cache import DEFAULT_CACHE, cache_dir, documents_key
from .baselines import neighbour_vote, popularity, role_popularity
from .records import UNRESOLVED, Judged, Record, iom_queries, record_document, roundtable_sessions
from .scoring import DEPTH, Ranking, score, significance

BASELINES = ("popularity", "role-popularity", "nearest-neighbours")


@dataclass
class Task:
    """What a task's queries ask for: the judged roles (donors, or co-chairs and team members)."""

    name: str
    roles: tuple[str, ...]
    role_baseline: str
    """The recorded name of the task's role-popularity baseline."""
    hold_back: bool
    """Each query is a document of the index, filtered out while it is predicted."""

    def system(self, baseline: str) -> str:
        """The recorded name of a baseline."""
        return self.role_baseline if baseline == "role-popularity" else baseline


IOM = Task("iom", ("donor",), "popularity-donor-role", hold_back=False)
ROUNDTABLES = Task("roundtables", ("co-chair", "team member"), "popularity-team-role", hold_back=True)


@dataclass
class Outcome:
    """What one evaluation produced: mean metrics per system, per-query scores, a summary, the rankings."""

    metrics: dict[str, dict[str, float]]
    queries: dict[str, dict[str, dict[str, float]]]
    summary: dict[str, Any]
    runs: dict[str, dict[str, Ranking]] = field(default_factory=dict)


def cached_engine(
    name: str, documents: list[Document], settings: Settings, cache: Path = DEFAULT_CACHE, progress: bool = False
) -> Engine:
    """An engine over a cached index of `documents` (keyed by their ids and text); a re-run embeds nothing."""
    folder = cache_dir(name, documents_key(documents), settings, cache, prefix="partners-")
    engine = Engine(settings.with_overrides(index_dir=folder))
    engine.ingest_documents(documents, progress=progress)
    return engine


def run_task(
    task: Task,
    engine: Engine,
    queries: dict[str, str],
    judged: Judged,
    models: dict[str, ModelChoice],
    k_neighbours: int,
    progress: bool = False,
) -> Outcome:
    """Rank actors for every query with each model and baseline; score them against the judgments."""
    searcher = engine.searcher()
    table, index = actor_table(searcher.reader), neighbour_index(searcher.reader)
    runs: dict[str, dict[str, Ranking]] = {name: {} for name in models}
    runs.update({task.system(b): {} for b in BASELINES})
    seconds: dict[str, float] = {}
    for qid, text in tqdm(queries.items(), desc=f"Ranking partners ({task.name})", disable=not progress):
        held = [qid] if task.hold_back else []
        filters = Filters(exclude_doc_ids=held) if held else None
        for name, model in models.items():
            started = time.perf_counter()
            found = suggest(searcher, text, DEPTH, filters=filters, model=model).partners
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
            runs[name][qid] = [p.name for p in found]
        counts = table.counts(held)
        runs[task.system("popularity")][qid] = popularity(counts)
        runs[task.system("role-popularity")][qid] = role_popularity(counts, task.roles)
        runs[task.system("nearest-neighbours")][qid] = neighbour_vote(table, index, text, k_neighbours, task.roles, held)
    metrics, per_query = score(judged, runs)
    baselines = [task.system(b) for b in BASELINES]
    best = max(baselines, key=lambda b: metrics[b]["map"])
    summary = {
        "queries": len(queries),
        "judgments": sum(len(r) for r in judged.values()),
        "unresolved": sorted({a for r in judged.values() for a in r if a.startswith(UNRESOLVED)}),
        "models": {name: model.name for name, model in models.items()},
        "nearest_neighbours_k": k_neighbours,
        "best_baseline": best,
        "ratio_to_best_baseline": {m: _ratio(metrics[m]["map"], metrics[best]["map"]) for m in models},
        "ratio_to_popularity": {m: _ratio(metrics[m]["map"], metrics["popularity"]["map"]) for m in models},
        "p_values": {m: {b: significance(judged, runs, m, b) for b in baselines} for m in models},
        "documents": len(table.doc_ids),
        "index": str(engine.settings.index_dir),
        "seconds_per_query": {m: round(s / max(len(queries), 1), 4) for m, s in seconds.items()},
    }
    if len(models) > 1:
        first, *others = models
        summary["p_values"][first].update({o: significance(judged, runs, first, o) for o in others})
    return Outcome(metrics, per_query, summary, runs)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def evaluate_iom(
    train: list[Record],
    test: list[Record],
    settings: Settings,
    models: dict[str, ModelChoice],
    k_neighbours: int,
    cache: Path = DEFAULT_CACHE,
    progress: bool = False,
) -> Outcome:
    """Index the train records, rank actors for each test record with a real donor, score against its donors."""
    engine = cached_engine("iom", [record_document(r) for r in train], settings, cache, progress)
    queries, judged, no_donor = iom_queries(test)
    outcome = run_task(IOM, engine, queries, judged, models, k_neighbours, progress)
    outcome.summary.update({"train_records": len(train), "test_records": len(test), "no_donor": no_donor})
    return outcome


def evaluate_roundtables(
    meetings: list[Record],
    settings: Settings,
    models: dict[str, ModelChoice],
    k_neighbours: int,
    cache: Path = DEFAULT_CACHE,
    progress: bool = False,
) -> Outcome:
    """Hold back each session with a known team in turn; suggest partners from the other sessions."""
    sessions = roundtable_sessions(meetings)
    engine = cached_engine("roundtables", [s.document for s in sessions], settings, cache, progress)
    queries = {s.document.doc_id: s.query for s in sessions if s.query is not None}
    judged = {s.document.doc_id: s.team for s in sessions if s.query is not None}
    return run_task(ROUNDTABLES, engine, queries, judged, models, k_neighbours, progress)
