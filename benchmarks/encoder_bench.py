"""Embedding backends compared in one run: query latency, ingest speed and agreement with torch.

    python benchmarks/encoder_bench.py [--pdfs ../shared/data/iom-pdfs] [--out benchmarks/results]
    python benchmarks/encoder_bench.py --batches-only     # the interleaved batch encoding alone

For each backend (torch, onnx, onnx-int8) it ingests the IOM PDFs end to end into a
fresh index (tokens/s of the chunks embedded), then times the bare encoding of the sample
queries and of batches of the PDFs' chunks (tokens/s), both interleaved across backends
so that drift in machine load hits all alike. Agreement: per-chunk cosine and largest
component difference against torch's vectors. Writes benchmarks/results/encoders.json
(`--batches-only`: benchmarks/results/encoder-batches.json, without the ingests).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from ingest_bench import QUERIES, ROOT, _machine, _timed, chunk_texts

from gfmd_search.app import Engine
from gfmd_search.chunking import embedding_text
from gfmd_search.config import BACKENDS, load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "data" / "iom-pdfs")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per query and backend")
    parser.add_argument("--batch-chunks", type=int, default=512, help="chunks encoded in the timed batches")
    parser.add_argument("--batches-only", action="store_true", help="only the interleaved batch encoding")
    args = parser.parse_args()

    results: dict = {"machine": _machine(), "backends": {}}
    engines, vectors = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in BACKENDS:
            engine = Engine(load_settings(index_dir=Path(tmp) / backend, backend=backend))
            engine.embedder.encode(["warm-up"] * 8)  # loads the model (and exports ONNX on a first run)
            engines[backend] = engine
            if args.batches_only:
                continue
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
            vectors[backend] = dict(zip((c.text_hash for c in chunks), matrix))
            print(backend, results["backends"][backend], flush=True)

        queries = [json.loads(line)["text"] for line in QUERIES.read_text().splitlines() if line.strip()]
        calls = {b: e.embedder.encode_query for b, e in engines.items()}
        latency = _timed(calls, queries, args.repeats)
        texts = chunk_texts(engines["torch"], args.pdfs)
        texts = texts[:: max(1, len(texts) // args.batch_chunks)][: args.batch_chunks]
        batches = _batch_rates({b: e.embedder for b, e in engines.items()}, texts)

    if args.batches_only:
        results["backends"] = {b: {"query_ms": latency[b], **batches[b]} for b in BACKENDS}
        _write(results, args.out / "encoder-batches.json")
        return
    torch_vectors = vectors["torch"]
    for backend, row in results["backends"].items():
        shared = [h for h in vectors[backend] if h in torch_vectors]
        a = np.stack([vectors[backend][h] for h in shared])
        b = np.stack([torch_vectors[h] for h in shared])
        cosine = (a * b).sum(axis=1)
        row["query_ms"] = latency[backend]
        row.update(batches[backend])
        row["min_cosine_to_torch"] = round(float(cosine.min()), 6)
        row["mean_cosine_to_torch"] = round(float(cosine.mean()), 6)
        row["max_abs_diff_to_torch"] = float(np.abs(a - b).max())
    base = results["backends"]["torch"]
    for row in results["backends"].values():
        row["ingest_speedup_vs_torch"] = round(row["ingest_tokens_per_s"] / base["ingest_tokens_per_s"], 3)
        row["query_p50_speedup_vs_torch"] = round(base["query_ms"]["p50"] / row["query_ms"]["p50"], 3)
    _write(results, args.out / "encoders.json")


def _batch_rates(embedders: dict, texts: list[str]) -> dict[str, dict[str, float]]:
    """Tokens/s of each backend encoding `texts` one batch at a time, the backends' order rotating per batch."""
    names = list(embedders)
    tokens = sum(embedders[names[0]].count_tokens(texts))
    seconds = dict.fromkeys(names, 0.0)
    size = embedders[names[0]].batch_size
    for i, start in enumerate(range(0, len(texts), size)):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            started = time.perf_counter()
            embedders[name].encode(texts[start : start + size])
            seconds[name] += time.perf_counter() - started
    return {
        name: {"batch_chunks": len(texts), "batch_tokens_per_s": round(tokens / seconds[name], 1),
               "batch_speedup_vs_torch": round(seconds["torch"] / seconds[name], 3)}
        for name in names
    }


def _write(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
