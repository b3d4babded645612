"""Ingest and query benchmark on the real IOM PDFs, against the bare encoder in the same run.

    python benchmarks/ingest_bench.py [--pdfs ../shared/data/iom-pdfs] [--out benchmarks/results]

Figures: the bare encoder's tokens/s on the chunks (timed before and after the
ingest, averaged, to cancel drift in machine load) versus end-to-end ingest
tokens/s (load, chunk, embed, BM25, write, swap); query latency p50/p99 per mode
versus the bare encoding of the same queries; index bytes per chunk; peak memory.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

from gfmd_search.app import Engine
from gfmd_search.chunking import Chunker, embedding_text
from gfmd_search.config import load_settings
from gfmd_search.loaders import find_files, load_document
from gfmd_search.records import SearchQuery

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "eval" / "queries" / "gfmd-sample" / "queries.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "data" / "iom-pdfs")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per query and mode")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(load_settings(index_dir=Path(tmp) / "index"))
        embedder = engine.embedder
        embedder.encode(["warm-up"] * 8)

        texts = chunk_texts(engine, args.pdfs)
        tokens = sum(embedder.count_tokens(texts))

        bare_before = _encode_seconds(embedder, texts)
        started = time.perf_counter()
        report = engine.ingest([args.pdfs], progress=False)
        ingest_s = time.perf_counter() - started
        bare_after = _encode_seconds(embedder, texts)
        bare_s = (bare_before + bare_after) / 2
        assert report.chunks_embedded == len(texts), (report.chunks_embedded, len(texts))

        started = time.perf_counter()
        again = engine.ingest([args.pdfs], progress=False)
        reingest_s = time.perf_counter() - started

        queries = [json.loads(line)["text"] for line in QUERIES.read_text().splitlines() if line.strip()]
        calls = {"bare_encode": embedder.encode_query}
        calls.update({mode: lambda q, m=mode: engine.search(SearchQuery(q, 10, m)).hits for mode in ("bm25", "dense", "hybrid")})
        latency = _timed(calls, queries, args.repeats)
        stats = engine.stats()

    bare_tps, ingest_tps = tokens / bare_s, tokens / ingest_s
    results = {
        "machine": _machine(),
        "model": engine.settings.model,
        "device": embedder.device,
        "documents": len(report.ingested),
        "chunks": len(texts),
        "tokens": tokens,
        "bare_encoder_tokens_per_s": round(bare_tps, 1),
        "bare_encoder_seconds_before_and_after": [round(bare_before, 2), round(bare_after, 2)],
        "ingest_tokens_per_s": round(ingest_tps, 1),
        "ingest_over_bare": round(ingest_tps / bare_tps, 3),
        "ingest_seconds": round(ingest_s, 2),
        "reingest_unchanged_seconds": round(reingest_s, 2),
        "reingest_chunks_embedded": again.chunks_embedded,
        "query_latency_ms": latency,
        "hybrid_p50_over_bare_encode_p50": round(latency["hybrid"]["p50"] / latency["bare_encode"]["p50"], 3),
        "index_bytes_per_chunk": round(stats["bytes"] / stats["chunks"], 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ingest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


def chunk_texts(engine: Engine, folder: Path) -> list[str]:
    """The texts ingest embeds for the files in `folder` (chunks with their context header)."""
    files, _ = find_files([folder])
    docs = [load_document(f, folder) for f in files]
    s, embedder = engine.settings, engine.embedder
    chunker = Chunker(embedder.count_tokens, min(s.chunk_tokens, embedder.max_tokens), s.chunk_overlap, s.context_header)
    return [embedding_text(d, c, s.context_header) for d in docs for c in chunker.chunk(d)]


def _encode_seconds(embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.encode(texts)
    return time.perf_counter() - started


def _timed(calls: dict, queries: list[str], repeats: int) -> dict[str, dict[str, float]]:
    """Latency of each call per query, interleaved so that drift in machine load hits all alike."""
    for call in calls.values():
        call(queries[0])
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for q in queries:
            for name, call in calls.items():
                started = time.perf_counter()
                call(q)
                samples[name].append((time.perf_counter() - started) * 1000)
    return {name: _percentiles(sorted(values)) for name, values in samples.items()}


def _percentiles(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(values), 2),
        "p99": round(values[min(len(values) - 1, int(0.99 * len(values)))], 2),
        "n": len(values),
    }


def _machine() -> dict[str, str | int]:
    import os

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count() or 0, "python": platform.python_version()}


if __name__ == "__main__":
    main()
