"""Do the `addressee` and `responsible` role weights help partner suggestion find who was asked
to act on a recommendation?

    gfmd-search eval-recommendations --roles --index INDEX   (an index of ../shared/data/iom-pdfs)

`eval/recommendations/asked.json` judges, for each recommendation of the two response documents,
the actors asked to act on it (its addressees and the responsible units' organisations). Each is a
query twice: its own statement, and its restatement in another document (the report or the brief
that `judged.json` links it to), which names the actors less often. The voting model ranks actors
for the query (the passages retrieved once), with both role weights set to each value of `WEIGHTS`
(1.0, the weight of a mention with no stated role, is the default in use); MAP@10, nDCG@10 and
P@3 with ranx, and a paired randomisation test of each weight against 1.0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from ranx import Qrels, Run, evaluate
from tqdm.auto import tqdm

from gfmd_search.partners import idf_prior, retrieve, vote
from gfmd_search.partners.actor_table import actor_table
from gfmd_search.recommendation_search import units as index_units
from gfmd_search.records import ADDRESSEE, RESPONSIBLE

from .recommendations import JUDGED, SETS

ASKED = SETS / "asked.json"
WEIGHTS = (0.0, 1.0, 2.0, 5.0, 10.0)
METRICS = ["map@10", "ndcg@10", "precision@3"]
BASELINE = 1.0


def evaluate_roles(engine: Any, asked_path: Path = ASKED, judged_path: Path = JUDGED) -> dict[str, Any]:
    """Per query set, the scores of each role weight and the p-values against the default."""
    asked = json.loads(asked_path.read_text())["recommendations"]
    links = json.loads(judged_path.read_text())["links"]
    searcher = engine.searcher()
    settings = searcher.settings
    text_of = {(u.doc_id, u.number): u.text for u in index_units(searcher.reader).units}
    restated = {tuple(link["to"]): tuple(link["from"]) for link in links}
    restated.update({tuple(link["from"]): tuple(link["to"]) for link in links})
    counts = actor_table(searcher.reader).counts([])
    prior = idf_prior(counts.documents, counts.df, settings.partner_prior)
    qrels = Qrels({f"{a['doc_id']}#{a['number']}": {name: 1 for name in a["asked"]} for a in asked})
    out: dict[str, Any] = {"recommendations": len(asked), "weights": list(WEIGHTS), "baseline": BASELINE}
    for name, source in (("own statement", lambda key: key), ("restatement", restated.get)):
        queries = {f"{a['doc_id']}#{a['number']}": source((a["doc_id"], a["number"])) for a in asked}
        queries = {q: text_of[key] for q, key in queries.items() if key in text_of}
        retrieved = {q: retrieve(searcher, text, settings.partner_passages) for q, text in tqdm(queries.items(), name)}
        runs = []
        for w in WEIGHTS:
            weighted = settings.model_copy(update={"role_weights": {**settings.role_weights, ADDRESSEE: w, RESPONSIBLE: w}})
            ranked = {q: vote(p, weighted, prior)[:10] for q, p in retrieved.items()}
            runs.append(Run({q: {t.name: t.score for t in ts} or {"(none)": 0.0} for q, ts in ranked.items()},
                            name=f"role weight {w:g}"))
        judged = Qrels({q: qrels.qrels[q] for q in queries})
        per_query = {run.name: {m: evaluate(judged, run, m, return_mean=False, make_comparable=True) for m in METRICS}
                     for run in runs}
        default = f"role weight {BASELINE:g}"
        out[name] = {
            "queries": len(queries),
            "scores": {r: {m: round(float(np.mean(v)), 3) for m, v in ms.items()} for r, ms in per_query.items()},
            "p_vs_default": {
                r: {m: paired_p(v, per_query[default][m]) for m, v in ms.items()}
                for r, ms in per_query.items()
                if r != default
            },
            "wins_ties_losses_vs_default_map": {
                r: _wtl(ms["map@10"], per_query[default]["map@10"]) for r, ms in per_query.items() if r != default
            },
        }
    return out


def paired_p(a: np.ndarray, b: np.ndarray, samples: int = 10000) -> float:
    """Two-sided p-value of a paired sign-flip randomisation test of mean(a - b): exact over the
    queries that differ when they are at most 16, else `samples` random flips (seed 0)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    d = d[np.abs(d) > 1e-12]
    if d.size == 0:
        return 1.0
    if d.size <= 16:
        signs = np.array(np.meshgrid(*[[-1.0, 1.0]] * d.size)).reshape(d.size, -1).T
    else:
        signs = np.random.default_rng(0).choice([-1.0, 1.0], size=(samples, d.size))
    return round(float(np.mean(np.abs(signs @ d) >= abs(d.sum()) - 1e-12)), 3)


def _wtl(a: np.ndarray, b: np.ndarray) -> list[int]:
    d = np.asarray(a, float) - np.asarray(b, float)
    return [int((d > 1e-12).sum()), int((np.abs(d) <= 1e-12).sum()), int((d < -1e-12).sum())]
