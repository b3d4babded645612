"""`gfmd-search eval-partners`: partner suggestion scored against real records.

Two evaluations, both through the production code path (`Engine.ingest_documents`, then
`gfmd_search.partners`: the searcher's hybrid ranking and the voting model):

* IOM evaluations (``../shared/data/iom-evaluations/evaluations.json``, 515 real records). The
  train records become documents, one per record (title, year, countries, themes, commissioner
  and donors written as text). Each test record is a query (title, themes and countries, never
  its donors); the ranked actors are scored against its real donors, resolved by
  `canonical_actor`. Placeholder donors ("Not specified", "Multiple", ...) are ignored; a test
  record left with no donor is not a query; a donor no actor resolves to stays in the judgments
  (neither system can find it, so both lose it alike).
* GFMD roundtables (``../shared/data/gfmd-facts/meetings.json``). Every roundtable session and
  thematic meeting becomes a document in the words of the sample corpus' meeting records ("The
  roundtable was co-chaired by ... Team members: ..."). Each session with a known team is held
  back in turn (its document filtered out, and left out of the prior's counts): its title is the
  query and its real co-chairs and team members are the judgments.

Both compare the model with a popularity baseline: actors ranked by how many of the indexed
documents name them (the held-back one excluded). Metrics are MAP, P@5 and Recall@10 over the
top `DEPTH` actors, written as small pure functions below.

Splits: `eval/partners/split.json` holds the record ids of a seeded random split of the 515
records into fit / tune / test; `--make-split DIR` writes the record files of the runs:
``train.json`` (fit + tune) and ``test.json`` for the final run, ``tune-train.json`` (fit) and
``tune-test.json`` (tune) for `--tune`. The data stay in ../shared; only ids are committed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import shlex
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gfmd_search.actors import canonical_actor
from gfmd_search.app import Engine
from gfmd_search.config import Settings
from gfmd_search.embedding import Embedder
from gfmd_search.ingest import EMBEDDING_SETTINGS
from gfmd_search.partners import document_counts, idf_prior, retrieve, vote
from gfmd_search.records import Document, Filters, Page

DEPTH = 100
"""Actors ranked per query (MAP is computed over this depth)."""
DEFAULT_DATA = Path("../shared/data/iom-evaluations/evaluations.json")
DEFAULT_MEETINGS = Path("../shared/data/gfmd-facts/meetings.json")
DEFAULT_SPLIT = Path("eval/partners/split.json")
DEFAULT_CACHE = Path("eval/cache")
SPLIT_SEED = 2024
TEST_SHARE, TUNE_SHARE = 0.2, 0.2
PLACEHOLDERS = frozenset(
    {"", "not specified", "not available", "not applicable", "multiple", "n/a", "na", "none", "unknown", "other", "tbd"}
)
UNRESOLVED = "unresolved:"
"""Prefix of a judged actor no gazetteer entry resolves to (it can be judged, never found)."""

Ranking = list[str]
Qrels = dict[str, set[str]]


# --- metrics -------------------------------------------------------------------------------------


def average_precision(ranking: Sequence[str], relevant: set[str]) -> float:
    """Mean of the precision at each relevant actor's rank, over all relevant actors (0 if none)."""
    if not relevant:
        return 0.0
    found, total = 0, 0.0
    for rank, name in enumerate(ranking, 1):
        if name in relevant:
            found += 1
            total += found / rank
    return total / len(relevant)


def precision_at(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the first `k` ranks that hold a relevant actor (an empty rank counts as wrong)."""
    return sum(1 for name in ranking[:k] if name in relevant) / k


def recall_at(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the relevant actors found in the first `k` ranks (0 if none are relevant)."""
    if not relevant:
        return 0.0
    return sum(1 for name in ranking[:k] if name in relevant) / len(relevant)


def per_query(run: dict[str, Ranking], qrels: Qrels) -> dict[str, dict[str, float]]:
    """MAP's AP, P@5 and Recall@10 of each judged query (a query missing from the run scores 0)."""
    out = {}
    for qid, relevant in qrels.items():
        ranking = run.get(qid, [])
        out[qid] = {
            "map": average_precision(ranking, relevant),
            "p@5": precision_at(ranking, relevant, 5),
            "recall@10": recall_at(ranking, relevant, 10),
        }
    return out


def mean_metrics(run: dict[str, Ranking], qrels: Qrels) -> dict[str, float]:
    """MAP, P@5 and Recall@10 averaged over the judged queries with at least one relevant actor."""
    judged = {q: r for q, r in qrels.items() if r}
    scores = per_query(run, judged)
    if not scores:
        return {"map": 0.0, "p@5": 0.0, "recall@10": 0.0}
    return {m: sum(s[m] for s in scores.values()) / len(scores) for m in ("map", "p@5", "recall@10")}


def paired_permutation(a: Sequence[float], b: Sequence[float], rounds: int = 10000, seed: int = 0) -> float:
    """Two-sided p-value of a paired randomisation test of mean(a) - mean(b) (signs flipped at random)."""
    diffs = [x - y for x, y in zip(a, b)]
    if not diffs:
        return 1.0
    observed = abs(sum(diffs))
    rng = random.Random(seed)
    hits = sum(abs(sum(d if rng.random() < 0.5 else -d for d in diffs)) >= observed - 1e-12 for _ in range(rounds))
    return (hits + 1) / (rounds + 1)


def significance(queries: dict[str, dict[str, dict[str, float]]], against: str = "popularity") -> dict[str, float]:
    """p-values of the model against a baseline on each metric (paired over queries)."""
    model, base = queries["model"], queries[against]
    qids = sorted(model)
    return {
        m: round(paired_permutation([model[q][m] for q in qids], [base[q][m] for q in qids]), 4)
        for m in ("map", "p@5", "recall@10")
    }


# --- records -------------------------------------------------------------------------------------


def load_records(path: Path) -> list[dict[str, Any]]:
    """IOM evaluation records: a JSON list of objects with an `id`."""
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(records, list) or not all(isinstance(r, dict) and r.get("id") for r in records):
        raise ValueError(f"{path}: expected a JSON list of records with an 'id'")
    return records


def split_names(value: str | None) -> list[str]:
    """The names of a comma-separated field; commas inside parentheses do not split."""
    if not value:
        return []
    parts, depth, current = [], 0, []
    for ch in value:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def actor_key(name: str) -> str | None:
    """The canonical actor a judged name stands for; None for a placeholder ("Not specified");
    ``unresolved:<name>`` when no actor resolves (kept as a judgment nothing can retrieve)."""
    clean = " ".join(name.split()).strip(" .;")
    if clean.lower() in PLACEHOLDERS:
        return None
    found = canonical_actor(clean)
    return found[0] if found else UNRESOLVED + clean.lower()


def judged_actors(names: Iterable[str]) -> set[str]:
    """The judged actors of some names (placeholders dropped)."""
    return {key for key in map(actor_key, names) if key is not None}


def donors(record: dict[str, Any]) -> set[str]:
    """A record's real donors as canonical actors."""
    return judged_actors(split_names(record.get("donor")))


def _countries(record: dict[str, Any]) -> str:
    value = record.get("countries_covered") or []
    return ", ".join(value) if isinstance(value, list) else str(value)


def _line(label: str, value: Any) -> str:
    return f"{label}: {str(value).strip().rstrip('.')}." if value not in (None, "", []) else ""


def record_text(record: dict[str, Any], as_query: bool = False) -> str:
    """A record written out as text, one field a line; as a query only its title, countries and themes."""
    lines = [
        str(record.get("title") or "").strip(),
        "" if as_query else _line("Year", record.get("year")),
        _line("Countries covered", _countries(record)),
        _line("Thematic areas", record.get("migration_thematic_areas")),
        _line("Cross-cutting themes", record.get("relevant_crosscutting_themes")),
    ]
    if not as_query:
        lines += [_line("Commissioned by", record.get("evaluation_commissioner")), _line("Donors", record.get("donor"))]
    return "\n".join(line for line in lines if line)


def record_document(record: dict[str, Any]) -> Document:
    """A train record as a document: title, year, countries, themes, commissioner and donors."""
    year = record.get("year")
    return Document(
        doc_id=str(record["id"]),
        title=str(record.get("title") or record["id"]).strip(),
        pages=[Page(1, record_text(record))],
        year=int(year) if str(year or "").isdigit() else None,
        doc_type="evaluation",
        source="IOM evaluation repository",
    )


def record_query(record: dict[str, Any]) -> str:
    """A test record as a query: its title, countries and themes, never its donors."""
    return record_text(record, as_query=True).replace("\n", " ")


# --- splits --------------------------------------------------------------------------------------


def make_split(
    records: list[dict[str, Any]], seed: int = SPLIT_SEED, test: float = TEST_SHARE, tune: float = TUNE_SHARE
) -> dict[str, Any]:
    """A seeded random split of record ids: `test` of all, `tune` of the rest, the rest `fit`."""
    ids = sorted(str(r["id"]) for r in records)
    random.Random(seed).shuffle(ids)
    n_test = round(len(ids) * test)
    n_tune = round((len(ids) - n_test) * tune)
    return {
        "seed": seed,
        "about": "IOM evaluation record ids (../shared/data/iom-evaluations/evaluations.json): "
        "tune on fit->tune, report train (fit+tune)->test",
        "test": sorted(ids[:n_test]),
        "tune": sorted(ids[n_test:n_test + n_tune]),
        "fit": sorted(ids[n_test + n_tune:]),
    }


def split_files(split: dict[str, Any], records: list[dict[str, Any]], out: Path) -> dict[str, Path]:
    """Write the record files of a split: train/test (final run) and tune-train/tune-test (tuning)."""
    by_id = {str(r["id"]): r for r in records}
    missing = [i for part in ("fit", "tune", "test") for i in split[part] if i not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} split ids are not in the records, e.g. {missing[0]}")
    parts = {
        "train": split["fit"] + split["tune"],
        "test": split["test"],
        "tune-train": split["fit"],
        "tune-test": split["tune"],
    }
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, ids in parts.items():
        written[name] = out / f"{name}.json"
        written[name].write_text(json.dumps([by_id[i] for i in ids], indent=1, ensure_ascii=False) + "\n")
    return written


def ensure_split(split_path: Path, data: Path, seed: int = SPLIT_SEED) -> dict[str, Any]:
    """The committed split, created from the data on first use."""
    if split_path.is_file():
        return json.loads(split_path.read_text())
    split = make_split(load_records(data), seed)
    split_path.parent.mkdir(parents=True, exist_ok=True)
    split_path.write_text(json.dumps(split, indent=1) + "\n")
    return split


# --- indexes -------------------------------------------------------------------------------------


def cached_engine(
    name: str, documents: list[Document], settings: Settings, cache: Path = DEFAULT_CACHE, progress: bool = False
) -> Engine:
    """An engine over a cached index of `documents`, keyed by their ids and text, model and chunking.
    A re-run finds every document unchanged and embeds nothing."""
    key = [
        name,
        sorted((d.doc_id, hashlib.sha256(d.text.encode()).hexdigest()) for d in documents),
        Embedder(settings.model, "cpu").fingerprint,
        *(f"{k}={getattr(settings, k)}" for k in EMBEDDING_SETTINGS),
    ]
    folder = Path(cache) / f"partners-{name}-{hashlib.sha256(repr(key).encode()).hexdigest()[:12]}"
    engine = Engine(settings.with_overrides(index_dir=folder))
    engine.ingest_documents(documents, progress=progress)
    return engine


# --- rankings ------------------------------------------------------------------------------------


def popularity(counts: dict[str, int], depth: int = DEPTH) -> Ranking:
    """Actors by how many documents name them, most first (ties by name)."""
    return [name for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n > 0][:depth]


def model_ranking(engine: Engine, text: str, depth: int = DEPTH, filters: Filters | None = None) -> Ranking:
    """The model's actors for a text, through `Engine.partners` (the path `gfmd-search partners` takes)."""
    return [p.name for p in engine.partners(text, depth, filters=filters)]


def doc_actors(engine: Engine, role: str | None = None) -> dict[str, set[str]]:
    """Each document's actors (only those given `role` when one is named)."""
    reader = engine.searcher().reader
    doc_ids, doc_of = reader.doc_ids(), reader.chunk_doc_index
    out: dict[str, set[str]] = {d: set() for d in doc_ids}
    for row, found in reader.mentions(list(range(reader.size))).items():
        out[doc_ids[int(doc_of[row])]].update(m.name for m in found if role is None or m.role == role)
    return out


def count_documents(actors_of: dict[str, set[str]], leave_out: str | None = None) -> dict[str, int]:
    """Documents naming each actor, one document left out if asked."""
    counts: dict[str, int] = {}
    for doc, names in actors_of.items():
        if doc != leave_out:
            for name in names:
                counts[name] = counts.get(name, 0) + 1
    return counts


# --- IOM evaluation ------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one evaluation produced: mean metrics per system, per-query scores, a summary."""

    metrics: dict[str, dict[str, float]]
    queries: dict[str, dict[str, dict[str, float]]]
    summary: dict[str, Any]


def iom_qrels(test: list[dict[str, Any]]) -> tuple[dict[str, str], Qrels, dict[str, int]]:
    """Queries and judgments of the test records, and counts of what was left out."""
    queries, qrels = {}, {}
    skipped = {"no real donor": 0}
    for record in test:
        relevant = donors(record)
        if not relevant:
            skipped["no real donor"] += 1
            continue
        queries[str(record["id"])] = record_query(record)
        qrels[str(record["id"])] = relevant
    return queries, qrels, skipped


def evaluate_iom(
    train: list[dict[str, Any]],
    test: list[dict[str, Any]],
    settings: Settings,
    cache: Path = DEFAULT_CACHE,
    progress: bool = False,
    name: str = "iom",
) -> Outcome:
    """Index the train records, rank actors for each test record, score model and baselines."""
    started = time.perf_counter()
    engine = cached_engine(name, [record_document(r) for r in train], settings, cache, progress)
    indexed = time.perf_counter()
    queries, qrels, skipped = iom_qrels(test)
    runs: dict[str, dict[str, Ranking]] = {"model": {q: model_ranking(engine, text) for q, text in queries.items()}}
    ranked = time.perf_counter()
    everything = popularity(count_documents(doc_actors(engine)))
    as_donor = popularity(count_documents(doc_actors(engine, "donor")))
    runs["popularity"] = {q: everything for q in queries}
    runs["popularity-donor-role"] = {q: as_donor for q in queries}
    metrics = {system: mean_metrics(run, qrels) for system, run in runs.items()}
    scores = {s: per_query(run, qrels) for s, run in runs.items()}
    unresolved = sorted({a for r in qrels.values() for a in r if a.startswith(UNRESOLVED)})
    summary = {
        "p_values_vs_popularity": significance(scores),
        "p_values_vs_popularity_donor_role": significance(scores, "popularity-donor-role"),
        "train_records": len(train),
        "test_records": len(test),
        "queries": len(queries),
        "skipped": skipped,
        "judgments": sum(len(r) for r in qrels.values()),
        "unresolved_donors": unresolved,
        "index": str(engine.settings.index_dir),
        "seconds": {"index": round(indexed - started, 1), "rank": round(ranked - indexed, 1)},
    }
    return Outcome(metrics, scores, summary)


# --- tuning --------------------------------------------------------------------------------------

GRID: dict[str, list[Any]] = {
    "partner_passages": [10, 20, 30, 50, 100],
    "relevance": [("rank", 0.0), ("rank", 2.0), ("rank", 5.0), ("rank", 10.0), ("rank", 20.0), ("rank", 50.0),
                  ("score", 0.0)],
    "partner_prior": [0.0, 0.5, 1.0, 1.5, 2.0, 3.0],
    "partner_assoc_norm": [0.0, 0.5, 1.0],
    "role_weight": [1.0, 1.5, 2.0, 4.0, 10.0, 20.0],
}
"""The tuning grid. `role_weight` is the weight of a mention with a stated role (donor, chair, ...)
against 1 for a mention without one; `relevance` is (partner_relevance, partner_rank_c)."""


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
    train: list[dict[str, Any]],
    tune: list[dict[str, Any]],
    settings: Settings,
    cache: Path = DEFAULT_CACHE,
    grid: dict[str, list[Any]] | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Every grid point's metrics on the tune records (index: the train records), best MAP first
    (under "grid"), and the baselines' metrics.
    Passages are retrieved once per query at the largest depth; each grid point re-votes them."""
    grid = grid or GRID
    engine = cached_engine("iom-tune", [record_document(r) for r in train], settings, cache, progress)
    searcher = engine.searcher()
    queries, qrels, _ = iom_qrels(tune)
    depth = max(grid["partner_passages"])
    retrieved = {q: retrieve(searcher, text, depth) for q, text in queries.items()}
    n_docs, df = document_counts(searcher.reader)
    baselines = {
        "popularity": mean_metrics({q: popularity(df) for q in queries}, qrels),
        "popularity-donor-role": mean_metrics(
            {q: popularity(count_documents(doc_actors(engine, "donor"))) for q in queries}, qrels
        ),
    }
    results = []
    names = list(grid)
    for values in itertools.product(*(grid[n] for n in names)):
        point = dict(zip(names, values))
        s = grid_settings(settings, point)
        prior = idf_prior(n_docs, df, s.partner_prior)
        run = {q: _names(vote(p.top(s.partner_passages), s, prior)) for q, p in retrieved.items()}
        results.append({"point": _plain(point), "metrics": mean_metrics(run, qrels)})
    results.sort(key=lambda r: (-r["metrics"]["map"], -r["metrics"]["p@5"]))
    return {"queries": len(qrels), "baselines": baselines, "grid": results}


def _names(tallies: list[Any], depth: int = DEPTH) -> Ranking:
    return [t.name for t in tallies[:depth]]


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


# --- roundtables ---------------------------------------------------------------------------------


@dataclass
class Session:
    """A roundtable session or thematic meeting as a document, and its team if it is a query."""

    document: Document
    query: str | None
    team: set[str]


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _year(value: Any) -> int | None:
    m = re.match(r"\d{4}", str(value or ""))
    return int(m.group()) if m else None


def roundtable_sessions(meetings: list[dict[str, Any]]) -> list[Session]:
    """Every roundtable session and thematic meeting of the GFMD facts, as the meeting records word them.
    A session with known co-chairs or team members is also a query: its title, judged by that team."""
    out = []
    for meeting in meetings:
        where = f"GFMD {meeting['year']} {meeting.get('city') or ''}".strip()
        for i, rt in enumerate(meeting.get("roundtables", [])):
            text = [f"At {where}, roundtable session {rt.get('id')} discussed “{rt['title']}”."]
            if rt.get("co_chairs"):
                text.append(f"The roundtable was co-chaired by {_listing(rt['co_chairs'])}.")
            if rt.get("team_members"):
                text.append(f"Team members: {', '.join(rt['team_members'])}.")
            if rt.get("non_state_partners"):
                text.append(f"Non-state partners: {', '.join(rt['non_state_partners'])}.")
            doc = Document(
                doc_id=f"rt-{meeting['year']}-{i}",
                title=f"{where}: roundtable {rt.get('id')}",
                pages=[Page(1, " ".join(text))],
                year=_year(meeting["year"]),
                doc_type="roundtable",
            )
            team = judged_actors(list(rt.get("co_chairs", [])) + list(rt.get("team_members", [])))
            out.append(Session(doc, rt["title"] if team else None, team))
        for i, tm in enumerate(meeting.get("thematic_meetings", [])):
            text = [f"At {where}, the thematic meeting “{tm['title']}” was held."]
            if tm.get("co_conveners"):
                text.append(f"Co-convened by {_listing(tm['co_conveners'])}.")
            doc = Document(
                doc_id=f"tm-{meeting['year']}-{i}",
                title=f"{where}: thematic meeting",
                pages=[Page(1, " ".join(text))],
                year=_year(meeting["year"]),
                doc_type="thematic meeting",
            )
            out.append(Session(doc, None, set()))
    return out


def evaluate_roundtables(
    meetings: list[dict[str, Any]], settings: Settings, cache: Path = DEFAULT_CACHE, progress: bool = False
) -> Outcome:
    """Hold back each session with a known team in turn; suggest partners from the other sessions."""
    sessions = roundtable_sessions(meetings)
    engine = cached_engine("roundtables", [s.document for s in sessions], settings, cache, progress)
    searcher = engine.searcher()
    actors_of = doc_actors(engine)
    n_docs = len(actors_of)
    runs: dict[str, dict[str, Ranking]] = {"model": {}, "popularity": {}}
    qrels: Qrels = {}
    for s in sessions:
        if s.query is None:
            continue
        qid = s.document.doc_id
        qrels[qid] = s.team
        counts = count_documents(actors_of, leave_out=qid)
        passages = retrieve(searcher, s.query, settings.partner_passages, Filters(exclude_doc_ids=[qid]))
        prior = idf_prior(n_docs - 1, counts, settings.partner_prior)
        runs["model"][qid] = _names(vote(passages, settings, prior))
        runs["popularity"][qid] = popularity(counts)
    scores = {system: per_query(run, qrels) for system, run in runs.items()}
    summary = {
        "p_values_vs_popularity": significance(scores),
        "documents": n_docs,
        "queries": len(qrels),
        "judgments": sum(len(r) for r in qrels.values()),
        "unresolved": sorted({a for r in qrels.values() for a in r if a.startswith(UNRESOLVED)}),
        "index": str(engine.settings.index_dir),
    }
    metrics = {system: mean_metrics(run, qrels) for system, run in runs.items()}
    return Outcome(metrics, scores, summary)


# --- outputs -------------------------------------------------------------------------------------

PARTNER_SETTINGS = (
    "mode", "fusion", "rrf_k", "candidates", "partner_passages", "partner_relevance", "partner_rank_c",
    "partner_assoc_norm", "partner_prior", "role_weights",
)


def _settings_used(settings: Settings) -> dict[str, Any]:
    return {"model": settings.model, **{k: getattr(settings, k) for k in PARTNER_SETTINGS}}


def _table(metrics: dict[str, dict[str, float]]) -> str:
    lines = ["| system | MAP | P@5 | Recall@10 |", "|---|---:|---:|---:|"]
    lines += [f"| {s} | {m['map']:.4f} | {m['p@5']:.4f} | {m['recall@10']:.4f} |" for s, m in metrics.items()]
    return "\n".join(lines)


def _ratio(metrics: dict[str, dict[str, float]]) -> str:
    base = metrics["popularity"]["map"]
    return f"{metrics['model']['map'] / base:.2f}×" if base else "n/a"


def _p(values: dict[str, float]) -> str:
    return ", ".join(f"{v} ({m})" for m, v in values.items())


def report(iom: Outcome | None, roundtables: Outcome | None, settings: Settings, command: str) -> str:
    """The Markdown report of a run."""
    out = ["# Partner suggestion: evaluation", "", f"Command: `{command}`", ""]
    if iom is not None:
        s = iom.summary
        out += [
            "## IOM evaluations: donors of held-out records",
            "",
            (f"{s['train_records']} train records indexed; {s['queries']} of {s['test_records']} test records "
            f"are queries ({s['skipped']['no real donor']} have no real donor); {s['judgments']} judged donors, "
            f"{len(s['unresolved_donors'])} of them resolve to no actor (judged, never retrievable)."),
            "",
            _table(iom.metrics),
            "",
            (f"Model MAP / popularity MAP: **{_ratio(iom.metrics)}** (goal: ≥ 1.5×). "
            "`popularity` ranks actors by the train documents naming them; `popularity-donor-role` "
            "(a stronger baseline, for reference) by the train documents naming them as donors."),
            "",
            (f"Paired randomisation test, model against popularity: p = {_p(s['p_values_vs_popularity'])}; "
            f"against popularity-donor-role: p = {_p(s['p_values_vs_popularity_donor_role'])}."),
            "",
        ]
    if roundtables is not None:
        s = roundtables.summary
        out += [
            "## GFMD roundtables: teams of held-back sessions",
            "",
            (f"{s['documents']} session and thematic-meeting documents; {s['queries']} held-back sessions with "
            f"a known team ({s['judgments']} judged co-chairs and team members). Each query is the session's "
            "title; its own document is filtered out and left out of the prior's and the baseline's counts."),
            "",
            _table(roundtables.metrics),
            "",
            (f"Model MAP / popularity MAP: {_ratio(roundtables.metrics)}. Paired randomisation test, model "
            f"against popularity: p = {_p(s['p_values_vs_popularity'])}."),
            "",
        ]
    out += ["## Settings", "", "```json", json.dumps(_settings_used(settings), indent=1), "```", ""]
    return "\n".join(out)


def write_outputs(
    out: Path, iom: Outcome | None, roundtables: Outcome | None, settings: Settings, command: str
) -> list[Path]:
    """metrics.json (IOM), roundtables.json, per-query scores, run.json and report.md."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    run: dict[str, Any] = {"command": command, "settings": _settings_used(settings)}
    if iom is not None:
        written.append(out / "metrics.json")
        written[-1].write_text(json.dumps(iom.metrics, indent=2) + "\n")
        written.append(out / "queries.json")
        written[-1].write_text(json.dumps(iom.queries, indent=1) + "\n")
        run["iom"] = iom.summary
    if roundtables is not None:
        written.append(out / "roundtables.json")
        written[-1].write_text(json.dumps(roundtables.metrics, indent=2) + "\n")
        written.append(out / "roundtables-queries.json")
        written[-1].write_text(json.dumps(roundtables.queries, indent=1) + "\n")
        run["roundtables"] = roundtables.summary
    written.append(out / "run.json")
    written[-1].write_text(json.dumps(run, indent=2, default=str) + "\n")
    written.append(out / "report.md")
    written[-1].write_text(report(iom, roundtables, settings, command))
    return written


def tuning_report(tuning: dict[str, Any], settings: Settings, command: str, top: int = 15) -> str:
    """The Markdown report of a tuning run: the best grid points and each parameter's sensitivity."""
    results = tuning["grid"]
    out = ["# Partner suggestion: tuning on the tune split", "", f"Command: `{command}`", "",
           f"{tuning['queries']} queries. Baselines:", "", _table(tuning["baselines"]), "",
           f"{len(results)} grid points, best MAP first.", "",
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
    defaults = next((r for r in results if _is_defaults(r["point"], settings)), None)
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
    metrics = ["map", "p@5", "recall@10"]
    rows = [[r["point"][k] for k in params] + [round(r["metrics"][m], 4) for m in metrics] for r in grid]
    head = {k: v for k, v in tuning.items() if k != "grid"}
    body = ",\n".join(json.dumps(row) for row in rows)
    return json.dumps({**head, "columns": params + metrics})[:-1] + ', "rows": [\n' + body + "\n]}\n"


FIRST_GUESS = {"partner_passages": 50, "partner_prior": 1.0, "partner_assoc_norm": 0.0, "role_weight": 1.5,
               "partner_relevance": "rank", "partner_rank_c": 10.0}
"""The partner settings before tuning (role weights of 1.5 to 2 for stated roles)."""


def _is_defaults(point: dict[str, Any], s: Settings) -> bool:
    roles = {v for k, v in s.role_weights.items() if k != "none"}
    return (
        point["partner_passages"] == s.partner_passages
        and point["partner_relevance"] == s.partner_relevance
        and (s.partner_relevance == "score" or point["partner_rank_c"] == s.partner_rank_c)
        and point["partner_prior"] == s.partner_prior
        and point["partner_assoc_norm"] == s.partner_assoc_norm
        and roles == {point["role_weight"] * s.role_weights.get("none", 1.0)}
    )


# --- the command ---------------------------------------------------------------------------------


def command_line(args: Any) -> str:
    """The command line that repeats this run."""
    parts = ["gfmd-search", "eval-partners"]
    for flag in ("train", "test", "roundtables", "out"):
        if getattr(args, flag, None):
            parts += [f"--{flag}", str(getattr(args, flag))]
    parts += ["--tune"] if args.tune else []
    parts += [x for item in args.settings for x in ("--set", item)]
    return shlex.join(parts)


def run(args: Any, settings: Settings) -> int:
    """`gfmd-search eval-partners` (arguments as eval/commands.py defines them)."""
    progress = not args.quiet
    if args.make_split:
        split = ensure_split(args.split_ids, args.data, args.seed)
        written = split_files(split, load_records(args.data), args.make_split)
        sizes = {k: len(split[k]) for k in ("fit", "tune", "test")}
        print(f"split {args.split_ids} {sizes}; wrote " + ", ".join(str(p) for p in written.values()))
        return 0
    if (args.train is None) != (args.test is None):
        raise ValueError("--train and --test go together")
    if args.train is None and args.roundtables is None:
        raise ValueError("give --train and --test, --roundtables, or --make-split DIR")
    command = command_line(args)
    if args.tune:
        if args.train is None:
            raise ValueError("--tune needs --train and --test (the tune-train and tune-test files)")
        results = tune_iom(load_records(args.train), load_records(args.test), settings, args.cache, progress=progress)
        text = tuning_report(results, settings, command)
        print(text)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "tuning.json").write_text(tuning_json(results))
            (args.out / "tuning.md").write_text(text)
            print(f"wrote {args.out}/")
        return 0
    iom = None
    if args.train is not None:
        iom = evaluate_iom(load_records(args.train), load_records(args.test), settings, args.cache, progress)
        print("IOM evaluations (donors of test records)")
        print(_table(iom.metrics))
        print(f"model MAP / popularity MAP: {_ratio(iom.metrics)}; {iom.summary['queries']} queries")
    rts = None
    if args.roundtables is not None:
        rts = evaluate_roundtables(json.loads(Path(args.roundtables).read_text()), settings, args.cache, progress)
        print("GFMD roundtables (teams of held-back sessions)")
        print(_table(rts.metrics))
        print(f"model MAP / popularity MAP: {_ratio(rts.metrics)}; {rts.summary['queries']} queries")
    if args.out:
        write_outputs(args.out, iom, rts, settings, command)
        print(f"wrote {args.out}/")
    return 0
