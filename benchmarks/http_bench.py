"""HTTP search latency against the bare encoder, in one run, on the sample index.

    python benchmarks/http_bench.py --out benchmarks/results/http.json

Ingests `corpus/` into a temporary index, starts `gfmd-search serve` on it in a child process,
and times, for the same queries and in turns (so that load on the machine falls on every figure
alike): the bare query encoding, `Engine.search` in this process, and `GET /search` over one
kept-alive connection. The request's cost beyond the model is `http_p50_ms - encode_p50_ms`;
the goal is at most 3 ms. `stages_ms.rank_hybrid_p50` times `Searcher.rank` alone (the query
encoding and the fused ranking of 30 passages, no hits built), so `search_p50_ms` minus it is the
cost of building, citing and collapsing the hits; `stages_ms.http_health_p50` times `GET /health`, the
bare round trip through the client, uvicorn and FastAPI. `stages_ms.hits_of_k_p50` builds the hits
of the top k passages alone (no collapse, so no 3·k), and `stages_ms.response_p50` builds the answer's
pydantic model from them and serialises it to JSON. `floor_beyond_encode_ms` adds up what any
`/search` over this stack pays beyond the encoder however its collapse were done: the bare round
trip, the ranking beyond the encoder, the hits of k passages and the answer. `load_average` is the
machine's 1-minute load at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from gfmd_search.records import SearchQuery
from gfmd_search_api.models import FiltersModel, HitModel, SearchResponse

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [
    "skills partnerships", "what has GFMD said about skills partnerships?", "remittances and diaspora investment",
    "climate change and displacement", "labour migration governance in Asia", "return and reintegration support",
    "recruitment fees paid by migrant workers", "regular pathways for migrants", "data on migration for policy",
    "youth employment and migration", "protection of migrant domestic workers", "circular migration schemes",
]
ROUNDS = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the figures")
    args = parser.parse_args()

    from gfmd_search.app import Engine
    from gfmd_search.config import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        engine = Engine(load_settings(index_dir=index, corpus_root=ROOT / "corpus"))
        engine.ingest([ROOT / "corpus"], progress=False)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gfmd_search_cli", "serve", "--index", str(index), "--port", str(port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            figures = _measure(engine, f"http://127.0.0.1:{port}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


def _measure(engine, url: str) -> dict:
    embedder = engine.embedder
    searcher = engine.searcher()
    with httpx.Client(base_url=url, timeout=60) as http:
        _wait(http)
        for q in QUERIES:  # warm every path
            embedder.encode_query(q)
            engine.search(SearchQuery(q, k=10))
            http.get("/search", params={"q": q, "k": 10}).raise_for_status()
        ranked = {q: searcher.rank(q, 10) for q in QUERIES}
        shown = {q: engine.search(SearchQuery(q, k=10)).hits for q in QUERIES}
        steps = {
            "encode": lambda q: embedder.encode_query(q),
            "rank": lambda q: searcher.rank(q, 30),
            "search": lambda q: engine.search(SearchQuery(q, k=10)),
            "http": lambda q: http.get("/search", params={"q": q, "k": 10}).raise_for_status(),
            "health": lambda q: http.get("/health").raise_for_status(),
            "hits_k": lambda q: searcher.hits(ranked[q], q),
            "response": lambda q: _response(q, shown[q]).model_dump_json(),
        }
        times: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(ROUNDS):
            for q in QUERIES:
                for name, step in steps.items():
                    begun = time.perf_counter()
                    step(q)
                    times[name].append((time.perf_counter() - begun) * 1000)
    p50 = {name: round(float(np.percentile(t, 50)), 2) for name, t in times.items()}
    return {
        "chunks": searcher.reader.size,
        "queries": len(QUERIES) * ROUNDS,
        "encode_p50_ms": p50["encode"],
        "search_p50_ms": p50["search"],
        "http_p50_ms": p50["http"],
        "http_beyond_encode_ms": round(p50["http"] - p50["encode"], 2),
        "in_process_beyond_encode_ms": round(p50["search"] - p50["encode"], 2),
        "stages_ms": {"rank_hybrid_p50": p50["rank"], "http_health_p50": p50["health"],
                      "hits_of_k_p50": p50["hits_k"], "response_p50": p50["response"]},
        "floor_beyond_encode_ms": round(p50["health"] + p50["rank"] - p50["encode"] + p50["hits_k"] + p50["response"], 2),
        "load_average": round(os.getloadavg()[0], 1),
    }


def _response(query: str, hits: list) -> SearchResponse:
    """The answer `GET /search` builds from hits (file links left out)."""
    return SearchResponse(query=query, mode="hybrid", k=10, group=False, filters=FiltersModel(), count=len(hits),
                          took_ms=0.0, index_version="v", hits=[HitModel(**vars(h), file_url=None) for h in hits])


def _wait(http: httpx.Client) -> None:
    for _ in range(600):
        try:
            if http.get("/health").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
