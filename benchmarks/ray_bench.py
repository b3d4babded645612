"""Ingest on Ray against a single process, in one run, on the IOM PDFs.

    python benchmarks/ray_bench.py [--pdfs ../shared/data/iom-pdfs] [--workers 1,2] [--out benchmarks/results]

Each configuration ingests every PDF into a fresh index: the single-process ingest, then
`--ray` on a local Ray instance with 1 and 2 actors (its start-up included, as a user
sees it). Figures: seconds and tokens/s of the chunks embedded, and each against the
single process. Writes benchmarks/results/ray.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from ingest_bench import ROOT, _machine

from gfmd_search.app import Engine
from gfmd_search.chunking import embedding_text
from gfmd_search.config import load_settings
from gfmd_search.ray_ingest import RayExecutor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "data" / "iom-pdfs")
    parser.add_argument("--workers", default="1,2", help="comma-separated Ray actor counts")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()

    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        configs = [("single process", None)] + [
            (f"ray, {n} worker{'s' * (n > 1)}", RayExecutor(workers=n)) for n in map(int, args.workers.split(","))
        ]
        for name, executor in configs:
            engine = Engine(load_settings(index_dir=Path(tmp) / name.replace(" ", "-").replace(",", "")))
            engine.embedder.encode(["warm-up"])  # the driver's model, loaded in every configuration
            started = time.perf_counter()
            report = engine.ingest([args.pdfs], progress=False, executor=executor)
            seconds = time.perf_counter() - started
            docs, chunks, _, _ = engine.store.open().load_all()
            by_id = {d.doc_id: d for d in docs}
            tokens = sum(engine.embedder.count_tokens([embedding_text(by_id[c.doc_id], c, True) for c in chunks]))
            runs[name] = {
                "documents": len(report.ingested),
                "skipped": len(report.skipped),
                "chunks_embedded": report.chunks_embedded,
                "tokens": tokens,
                "seconds": round(seconds, 2),
                "tokens_per_s": round(tokens / seconds, 1),
            }
            print(name, runs[name], flush=True)
    base = runs["single process"]["tokens_per_s"]
    for row in runs.values():
        row["over_single_process"] = round(row["tokens_per_s"] / base, 3)
    results = {"machine": _machine(), "pdfs": str(args.pdfs), "runs": runs}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ray.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
