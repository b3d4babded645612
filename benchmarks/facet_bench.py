"""Search latency with facet counts and facet filters, against plain search in the same run.

    python benchmarks/facet_bench.py [--shared ../shared/data] [--out benchmarks/results]

Index: the sample corpus (meeting records and the 75 PfP practices) plus the 515 IOM evaluation
records through examples/iom-evaluations.toml. Each query of the sample query set runs, interleaved
query by query so that drift in machine load hits every variant alike: plain search (top 10), the
same with counts of all six facets, and the same with a `where` filter (country=Philippines).
Written to benchmarks/results/facets.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from gfmd_search.app import Engine
from gfmd_search.config import load_settings
from gfmd_search.facets import FACETS
from gfmd_search.records import Filters, SearchQuery

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "eval" / "queries" / "gfmd-sample" / "queries.jsonl"
CONFIG = ROOT / "examples" / "iom-evaluations.toml"
WHERE = {"country": ["Philippines"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per query and variant")
    args = parser.parse_args()
    queries = [json.loads(line)["text"] for line in QUERIES.read_text().splitlines() if line.strip()]

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(load_settings(CONFIG, index_dir=Path(tmp) / "index"))
        engine.ingest([ROOT / "corpus", args.shared / "iom-evaluations" / "evaluations.json"], progress=True)
        stats = engine.stats()
        results = {"machine": _machine(), "documents": stats["documents"], "chunks": stats["chunks"],
                   "facets": list(FACETS), "where": WHERE, "queries": len(queries), "repeats": args.repeats}
        for mode in ("hybrid", "bm25"):
            variants = {
                "plain": lambda q, m=mode: engine.search(SearchQuery(q, 10, m)).hits,
                "facets": lambda q, m=mode: engine.search(SearchQuery(q, 10, m, facets=list(FACETS))),
                "where": lambda q, m=mode: engine.search(SearchQuery(q, 10, m, Filters(where=WHERE))).hits,
                "facets_and_where": lambda q, m=mode: engine.search(
                    SearchQuery(q, 10, m, Filters(where=WHERE), facets=list(FACETS))
                ),
            }
            timed = _timed(variants, queries, args.repeats)
            timed["facets_over_plain_p50"] = round(timed["facets"]["p50_ms"] / timed["plain"]["p50_ms"], 3)
            timed["where_over_plain_p50"] = round(timed["where"]["p50_ms"] / timed["plain"]["p50_ms"], 3)
            results[mode] = timed
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "facets.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


def _timed(calls: dict, queries: list[str], repeats: int) -> dict:
    for call in calls.values():  # warm up every path once
        call(queries[0])
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for query in queries:
            for name, call in calls.items():
                started = time.perf_counter()
                call(query)
                seconds[name].append(time.perf_counter() - started)
    return {name: _percentiles(values) for name, values in seconds.items()}


def _percentiles(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    return {"p50_ms": round(statistics.median(ms), 2), "p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 2)}


def _machine() -> dict[str, str | int]:
    import os

    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count() or 0, "python": platform.python_version()}


if __name__ == "__main__":
    main()
