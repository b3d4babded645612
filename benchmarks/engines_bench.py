"""The measurement behind the choice of lexical engine and approximate dense index.

    pip install tantivy usearch hnswlib   # only for this measurement
    python benchmarks/engines_bench.py [--chunks 50000] [--out benchmarks/results/scale/engines.json]

On the synthetic passages of scale_bench.py (re-mixed Cranfield text, perturbed MiniLM vectors):
lexical engines are timed on the Cranfield queries (build, p50/p99 per query for every matching
row's score); ANN indexes on build time, p50 per query for 100 candidates and recall@10 of
those candidates re-scored exactly, against exact search.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np
from scale_bench import ROOT, base_collection, queries, synthetic

from gfmd_search.lexical import Analyzer, LexicalIndex


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "scale" / "engines.json")
    args = parser.parse_args()
    texts, base = base_collection(ROOT / "eval" / "cache" / "scale-bench")
    passages, vectors = synthetic(np.random.default_rng(0), [t.split() for t in texts], base, args.chunks)
    texts = queries()
    from gfmd_search.embedding import Embedder

    query_vectors = Embedder().encode(texts)
    result = {"chunks": args.chunks, "lexical": lexical_engines(passages, texts),
              "ann": ann_indexes(vectors, query_vectors)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _timed(run, queries) -> dict[str, float]:
    times = []
    for q in queries:
        begun = time.perf_counter()
        run(q)
        times.append((time.perf_counter() - begun) * 1000)
    return {"p50_ms": round(float(np.percentile(times, 50)), 2), "p99_ms": round(float(np.percentile(times, 99)), 2)}


def lexical_engines(passages: list[str], queries: list[str]) -> dict[str, dict[str, float]]:
    analyzer = Analyzer("porter", "en")
    out = {}
    begun = time.perf_counter()
    ours = LexicalIndex.build(passages, analyzer, 0.9, 0.5)
    out["postings per segment, global statistics, numpy (chosen)"] = {
        "build_s": round(time.perf_counter() - begun, 1), **_timed(ours.matches, queries)}

    import bm25s

    begun = time.perf_counter()
    model = bm25s.BM25(k1=0.9, b=0.5, method="lucene", backend="numpy")
    model.index([analyzer.terms(t) or [""] for t in passages], show_progress=False)
    build = time.perf_counter() - begun
    out["bm25s, one index (statistics fixed at build)"] = {"build_s": round(build, 1), **_timed(
        lambda q: model.get_scores([t for t in analyzer.terms(q) if t in model.vocab_dict] or [""]), queries)}

    db = sqlite3.connect(":memory:")
    begun = time.perf_counter()
    db.execute("CREATE VIRTUAL TABLE p USING fts5(text, tokenize='porter')")
    db.executemany("INSERT INTO p(text) VALUES (?)", [(t,) for t in passages])
    build = time.perf_counter() - begun

    def fts(q: str) -> list:
        terms = " OR ".join(f'"{t}"' for t in analyzer.terms(q)) or '""'
        return db.execute("SELECT rowid, bm25(p) FROM p WHERE p MATCH ?", (terms,)).fetchall()

    out["SQLite FTS5 (bm25(), every match)"] = {"build_s": round(build, 1), **_timed(fts, queries)}

    try:
        import tantivy
    except ImportError:
        return out
    schema = tantivy.SchemaBuilder().add_text_field("text", stored=False, tokenizer_name="en_stem").build()
    with tempfile.TemporaryDirectory() as tmp:
        index = tantivy.Index(schema, path=tmp)
        begun = time.perf_counter()
        writer = index.writer()
        for t in passages:
            writer.add_document(tantivy.Document(text=t))
        writer.commit()
        index.reload()
        build = time.perf_counter() - begun
        searcher = index.searcher()

        def tan(q: str) -> list:
            words = " ".join(w for w in analyzer.terms(q)) or "the"
            return searcher.search(index.parse_query(words, ["text"]), 1000).hits

        out["tantivy (top 1000, block-max WAND)"] = {"build_s": round(build, 1), **_timed(tan, queries)}
    return out


def ann_indexes(vectors: np.ndarray, queries: np.ndarray) -> dict[str, dict[str, float]]:
    import faiss

    n, d = vectors.shape
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    nlist = int(2 * np.sqrt(n))
    out = {}

    def record(name: str, build_s: float, search) -> None:
        times, recall = [], []
        for q, truth in zip(queries, exact):
            begun = time.perf_counter()
            found = np.asarray(search(q[None, :]), dtype=np.int64)
            found = found[found >= 0]
            top = found[np.argsort(-(vectors[found] @ q))[:10]]
            times.append((time.perf_counter() - begun) * 1000)
            recall.append(len(set(top.tolist()) & set(truth.tolist())) / 10)
        out[name] = {"build_s": round(build_s, 1), "p50_ms": round(float(np.percentile(times, 50)), 2),
                     "recall_at_10": round(float(np.mean(recall)), 4)}

    def faiss_ivf(code: str, nprobe: int) -> None:
        begun = time.perf_counter()
        index = faiss.index_factory(d, f"IVF{nlist},{code}", faiss.METRIC_INNER_PRODUCT)
        index.train(vectors[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)])
        index.add(vectors)
        build = time.perf_counter() - begun
        for probe in (8, nprobe, 64):
            params = faiss.SearchParametersIVF(nprobe=probe)
            record(f"faiss IVF{nlist},{code} nprobe={probe}", build, lambda q, params=params: index.search(q, 100, params=params)[1][0])

    faiss_ivf("SQ8", 32)
    faiss_ivf("Flat", 32)
    begun = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efSearch = 128
    hnsw.add(vectors)
    record("faiss HNSW32,Flat efSearch=128", time.perf_counter() - begun, lambda q: hnsw.search(q, 100)[1][0])
    try:
        import hnswlib
        from usearch.index import Index
    except ImportError:
        return out
    begun = time.perf_counter()
    lib = hnswlib.Index(space="ip", dim=d)
    lib.init_index(max_elements=n, M=32, ef_construction=100)
    lib.add_items(vectors)
    lib.set_ef(128)
    record("hnswlib M=32 ef=128", time.perf_counter() - begun, lambda q: lib.knn_query(q, k=100)[0][0])
    begun = time.perf_counter()
    us = Index(ndim=d, metric="ip", dtype="f16", connectivity=32, expansion_search=128)
    us.add(np.arange(n), vectors)
    record("usearch f16 M=32 ef=128", time.perf_counter() - begun, lambda q: us.search(q[0], 100).keys)
    return out


if __name__ == "__main__":
    main()
