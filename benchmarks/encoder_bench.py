"""Embedding backends compared in one run: query latency, ingest speed and agreement with torch.

    python benchmarks/encoder_bench.py [--pdfs ../shared/data/iom-pdfs] [--out benchmarks/results]

For each backend (torch, onnx, onnx-int8) it ingests the IOM PDFs end to end into a
fresh index (tokens/s of the chunks embedded) and times the bare encoding of the sample
queries, interleaved across backends so that drift in machine load hits all alike.
Agreement: per-chunk cosine and largest component difference against torch's vectors.
Writes benchmarks/results/encoders.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from ingest_bench import QUERIES, ROOT, _machine, _timed

from gfmd_search.app import Engine
from gfmd_search.chunking import embedding_text
from gfmd_search.config import BACKENDS, load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "data" / "iom-pdfs")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per query and backend")
    args = parser.parse_args()

    results: dict = {"machine": _machine(), "backends": {}}
    engines, vectors = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in BACKENDS:
            engine = Engine(load_settings(index_dir=Path(tmp) / backend, backend=backend))
            engine.embedder.encode(["warm-up"] * 8)  # loads the model (and exports ONNX on a first run)
            started = time.perf_counter()
            report = engine.ingest([args.pdfs], progress=False)
            seconds = time.perf_counter() - started
            docs, chunks, matrix, _ = engine.store.open().load_all()
            by_id = {d.doc_id: d for d in docs}
            texts = [embedding_text(by_id[c.doc_id], c, engine.settings.context_header) for c in chunks]
            tokens = sum(engine.embedder.count_tokens(texts))
            assert report.chunks_embedded == len(chunks), (report.chunks_embedded, len(chunks))
            results["backends"][backend] = {
                "chunks": len(chunks),
                "tokens": tokens,
                "ingest_seconds": round(seconds, 2),
                "ingest_tokens_per_s": round(tokens / seconds, 1),
            }
            engines[backend] = engine
            vectors[backend] = dict(zip((c.text_hash for c in chunks), matrix))
            print(backend, results["backends"][backend], flush=True)

        queries = [json.loads(line)["text"] for line in QUERIES.read_text().splitlines() if line.strip()]
        calls = {b: e.embedder.encode_query for b, e in engines.items()}
        latency = _timed(calls, queries, args.repeats)

    torch_vectors = vectors["torch"]
    for backend, row in results["backends"].items():
        shared = [h for h in vectors[backend] if h in torch_vectors]
        a = np.stack([vectors[backend][h] for h in shared])
        b = np.stack([torch_vectors[h] for h in shared])
        cosine = (a * b).sum(axis=1)
        row["query_ms"] = latency[backend]
        row["min_cosine_to_torch"] = round(float(cosine.min()), 6)
        row["mean_cosine_to_torch"] = round(float(cosine.mean()), 6)
        row["max_abs_diff_to_torch"] = float(np.abs(a - b).max())
    base = results["backends"]["torch"]
    for row in results["backends"].values():
        row["ingest_speedup_vs_torch"] = round(row["ingest_tokens_per_s"] / base["ingest_tokens_per_s"], 3)
        row["query_p50_speedup_vs_torch"] = round(base["query_ms"]["p50"] / row["query_ms"]["p50"], 3)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "encoders.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
