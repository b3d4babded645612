"""Scale benchmark: a synthetic archive of N passages in segments, then writes, merges and queries.

    python benchmarks/scale_bench.py --chunks 100000 --out benchmarks/results/scale/100k.json

Passages re-mix real Cranfield text (a window of one abstract plus a piece of another), so BM25
sees real term statistics; their vectors are real all-MiniLM-L6-v2 vectors of those abstracts
(embedded once, cached under eval/cache/), perturbed by Gaussian noise and re-normalised. The
archive is written as ten segments, then merged into one (`merge_s`, the worst case of the merge
policy). Once the merge's writes are flushed to disk, a server process opens it (`open_s`) and
answers the Cranfield queries; "beyond encode" times `Searcher.rank` with the query vectors encoded
beforehand. `dense_recall_at_10`
compares dense search to exact search over every vector (outside the server process, so that
paging in every vector is not counted as server memory). `server_peak_rss_mb` counts the pages of
the index files the server has mapped, as well as its own memory; `server_rss_anon_mb` and
`server_rss_file_mb` split its resident memory after the queries into the two. Adding and removing
one small document go through `Engine` with the real encoder: `add_document_s` is an add to a
running engine (a server, or a long ingest), `add_document_encode_s` the part of it spent in the
encoder, and `add_document_first_s` the first add of a fresh process, which also loads the actor
gazetteer and the language identifier (one to three seconds). `load_average` is the machine's
1-minute load when the run ended: on a shared machine it says how far the latencies are from an
idle one's.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parents[1]
CRANFIELD = ROOT.parent / "shared" / "data" / "cranfield"
PER_DOC = 20  # passages per synthetic document
SEGMENTS = 10  # the archive is written as this many segments, then merged into one (merge_s)
NOISE = 0.35  # norm of the perturbation relative to the unit vector
QUERIES = 150
DOC_TYPES = np.array(["report", "evaluation", "paper", "brief"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, required=True, help="passages in the synthetic archive")
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the figures")
    args = parser.parse_args()

    from gfmd_search.app import Engine
    from gfmd_search.config import load_settings

    cache = ROOT / "eval" / "cache" / "scale-bench"
    cache.mkdir(parents=True, exist_ok=True)
    texts, vectors = base_collection(cache)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        index = Path(tmp) / "index"
        settings = load_settings(index_dir=index, merge_factor=10**6)
        engine = Engine(settings)
        started = time.perf_counter()
        _build(engine, args.chunks, texts, vectors)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        engine.optimize()
        merge_s = time.perf_counter() - started
        size = sum(f.stat().st_size for f in index.rglob("*") if f.is_file())
        os.sync()  # the merge's writes reach the disk first: queries should not wait on their writeback
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            served, dense, query_vectors = pool.apply(_serve, (index,))
        served["dense_recall_at_10"] = round(_recall(index, dense, query_vectors), 4)
        timed = _TimedEncoder(Engine(load_settings(index_dir=index)).embedder)
        engine = Engine(load_settings(index_dir=index), timed)
        first_s, add_s, remove_s = _add_and_remove(engine)
    figures = {
        "chunks": args.chunks,
        "add_document_s": round(add_s, 3),
        "add_document_encode_s": round(timed.seconds, 3),
        "add_document_first_s": round(first_s, 3),
        "remove_document_s": round(remove_s, 3),
        "merge_s": round(merge_s, 2),
        **served,
        "bytes_per_chunk": round(size / args.chunks),
        "build_s": round(build_s, 1),
        "ann_threshold": settings.ann_threshold,
        "ann_nprobe": settings.ann_nprobe,
        "candidates": settings.candidates,
        "load_average": round(os.getloadavg()[0], 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


def base_collection(cache: Path) -> tuple[list[str], np.ndarray]:
    """The Cranfield abstracts and their real vectors (embedded once, then cached; the recorded runs
    used the chunk texts and vectors of the Cranfield evaluation index, the same model)."""
    stored = cache / "cranfield-base.npz"
    if not stored.exists():
        from gfmd_search.embedding import Embedder
        from gfmd_search_eval.datasets import cranfield

        texts = [f"{d.title}. {d.text}" for d in cranfield.read_documents(CRANFIELD / "cran.all.1400")]
        np.savez(stored, texts=np.array(texts), vectors=Embedder().encode(texts, progress=True))
    found = np.load(stored)
    return found["texts"].tolist(), found["vectors"]


def queries() -> list[str]:
    """The Cranfield queries, the first QUERIES of them."""
    from gfmd_search_eval.datasets import cranfield

    return list(cranfield.read_queries(CRANFIELD / "cran.qry").values())[:QUERIES]


def synthetic(rng: np.random.Generator, words: list[list[str]], base: np.ndarray, n: int
              ) -> tuple[list[str], np.ndarray]:
    """n passages (a 60-word window of one abstract, 25 words of another) and perturbed vectors."""
    pick = rng.integers(0, len(words), size=n)
    other = rng.integers(0, len(words), size=n)
    passages = []
    for p, o in zip(pick, other):
        a = rng.integers(0, max(1, len(words[p]) - 60))
        b = rng.integers(0, max(1, len(words[o]) - 25))
        passages.append(" ".join(words[p][a : a + 60] + words[o][b : b + 25]))
    dimension = base.shape[1]
    vectors = base[pick] + rng.normal(size=(n, dimension)).astype(np.float32) * (NOISE / np.sqrt(dimension))
    return passages, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _build(engine, chunks: int, texts: list[str], base: np.ndarray) -> None:
    """Write the synthetic archive through the store as SEGMENTS segments."""
    from gfmd_search.records import Chunk, Document, Page
    from gfmd_search.segment import Contents

    rng = np.random.default_rng(0)
    words = [t.split() for t in texts]
    ingestor = engine._ingestor()
    manifest = ingestor._manifest(0)
    bar = tqdm(total=chunks, desc="Writing", unit="chunk")
    step = -(-chunks // SEGMENTS)
    for start in range(0, chunks, step):
        n = min(step, chunks - start)
        passages, vectors = synthetic(rng, words, base, n)
        first_doc = start // PER_DOC
        docs = [
            Document(doc_id=f"doc-{d:07d}", title=f"Synthetic document {d}", pages=[Page(1, "")],
                     year=2000 + d % 25, doc_type=str(DOC_TYPES[min(d % 20, 3)]), source=f"source-{d % 7}",
                     content_hash=str(d))
            for d in range(first_doc, (start + n - 1) // PER_DOC + 1)
        ]
        rows = [Chunk(f"doc-{(start + i) // PER_DOC:07d}", (start + i) % PER_DOC, passages[i], 1, 1, None, 0,
                      len(passages[i]), f"h{start + i}") for i in range(n)]
        with engine.store.writing():
            engine.store.commit(
                {**manifest, "documents": (start + n) // PER_DOC}, Contents(docs, rows, vectors, passages,
                                                                         [[] for _ in rows]),
                set(), engine.store.open() if engine.store.current() else None,
            )
        bar.update(n)
    bar.close()


def _serve(index: Path) -> dict[str, float]:
    """A fresh process: open the index, answer queries; the figures of a server."""
    from gfmd_search.app import Engine
    from gfmd_search.config import load_settings
    from gfmd_search.records import Filters

    engine = Engine(load_settings(index_dir=index))
    embedder = engine.embedder
    texts = queries()
    encoded = {q: v[None, :] for q, v in zip(texts, embedder.encode(texts))}
    started = time.perf_counter()
    searcher = engine.searcher()
    open_s = time.perf_counter() - started
    searcher.embedder = _Encoded(encoded)
    filters = Filters(year_from=2005, year_to=2014, doc_types=["brief"])

    def timed(filtered: bool) -> list[float]:
        out = []
        for q in texts:
            begun = time.perf_counter()
            searcher.rank(q, 10, "hybrid", filters if filtered else None)
            out.append((time.perf_counter() - begun) * 1000)
        return out

    timed(False)  # warm the page cache and the code paths
    plain, filtered = timed(False), timed(True)
    dense = {q: [r for r, _ in searcher.rank(q, 10, "dense")] for q in texts[:100]}
    return {
        "open_s": round(open_s, 3),
        "hybrid_p50_ms_beyond_encode": round(float(np.percentile(plain, 50)), 2),
        "hybrid_p99_ms_beyond_encode": round(float(np.percentile(plain, 99)), 2),
        "filtered_hybrid_p50_ms_beyond_encode": round(float(np.percentile(filtered, 50)), 2),
        **_rss(),
    }, dense, {q: encoded[q][0] for q in dense}


def _rss() -> dict[str, int]:
    """The server's peak resident memory (VmHWM: `ru_maxrss` would also count the parent's memory,
    which a spawned child inherits at its exec), and its memory after the queries split into its own
    (anonymous) memory and the pages of the memory-mapped index files, the shared page cache."""
    kinds = {"VmHWM:": "server_peak_rss_mb", "RssAnon:": "server_rss_anon_mb", "RssFile:": "server_rss_file_mb"}
    with open("/proc/self/status") as status:
        return {kinds[f[0]]: round(int(f[1]) / 1024) for f in map(str.split, status) if f and f[0] in kinds}


def _recall(index: Path, dense: dict[str, list[int]], vectors: dict[str, np.ndarray]) -> float:
    """Mean share of the exact top 10 (every vector scored) that dense search returned; run outside
    the server process, so that paging in every vector does not count as server memory."""
    from gfmd_search.store import IndexStore

    matrix = IndexStore(index).open().matrix()
    recall = []
    for q, found in dense.items():
        exact = matrix @ vectors[q]
        recall.append(len(set(found) & set(np.argsort(-exact)[:10].tolist())) / 10)
    return float(np.mean(recall))


class _Encoded:
    """Stands in for the encoder with the query vectors computed beforehand."""

    def __init__(self, vectors: dict[str, np.ndarray]):
        self.vectors = vectors

    def encode_query(self, text: str) -> np.ndarray:
        return self.vectors[text]


class _TimedEncoder:
    """The encoder, counting the seconds spent encoding passages (`add_document_encode_s`)."""

    def __init__(self, inner):
        self.inner = inner
        self.seconds = 0.0

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        begun = time.perf_counter()
        try:
            return self.inner.encode(texts, progress=progress)
        finally:
            self.seconds += time.perf_counter() - begun

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def _add_and_remove(engine) -> tuple[float, float, float]:
    """Seconds to add a small document to a fresh engine (its first write loads the actor gazetteer
    and the language identifier), then to add another to the running engine, and to remove that one
    (the encoder included in the adds; `add_document_encode_s` is of the second)."""
    from gfmd_search.records import Document, Page

    def add(doc_id: str, title: str) -> float:
        doc = Document(doc_id=doc_id, title=title,
                       pages=[Page(1, "Skills partnerships between countries of origin and destination. " * 20)])
        started = time.perf_counter()
        engine.ingest_documents([doc], progress=False)
        return time.perf_counter() - started

    engine.embedder.encode(["warm-up"])
    first = add("added-first", "A first brief on labour mobility")
    engine.embedder.seconds = 0.0
    add_s = add("added-brief", "A new brief on labour mobility")
    started = time.perf_counter()
    engine.remove(["added-brief"])
    return first, add_s, time.perf_counter() - started


if __name__ == "__main__":
    main()
