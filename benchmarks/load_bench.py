"""A bounded load test of the HTTP API: N concurrent clients for T seconds, mixed search and
partners requests, against a server on 127.0.0.1. Records requests/s, latency percentiles
and errors as JSON (and, with --md, a short Markdown table).

    # against a running server
    python benchmarks/load_bench.py --url http://127.0.0.1:8000 --out benchmarks/results/load.json

    # or let it start `gfmd-search serve` on a free port over an index, and stop it afterwards
    python benchmarks/load_bench.py --index index --clients 20 --duration 60 \
        --out benchmarks/results/load.json --md benchmarks/results/load.md

Each client is a coroutine sending one request at a time (closed loop) over a shared httpx
connection pool: a request is a search (mode drawn 70% hybrid, 15% dense, 15% bm25) or, with
probability --partners-share, a partners request; texts come from the sample query set.
A short warm-up is not counted. Any status other than 200, and any transport error, is an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from gfmd_search_eval.markdown import markdown_table

REPO = Path(__file__).resolve().parents[1]
LATENCY_COLUMNS = ("p50", "p90", "p99", "max")
QUERY_FILE = REPO / "eval" / "queries" / "gfmd-sample" / "queries.jsonl"
FALLBACK_QUERIES = [
    "what has GFMD said about skills partnerships?",
    "which roundtables discussed remittances?",
    "who co-chaired the roundtable on climate change and migration?",
    "diaspora engagement practices in Africa",
    "labour migration bilateral agreements Mauritius",
    "protection of migrant domestic workers",
    "mainstreaming migration into development planning",
    "lowering the cost of remittances",
]
PARTNER_TEXTS = [
    "a skills partnership for nurses between a country of origin and a destination country",
    "a pilot to lower remittance costs through mobile money in West Africa",
    "diaspora investment in climate adaptation of rural communities",
    "fair recruitment of domestic workers in the Gulf",
    "data on migration for national development plans",
]
MODES = (["hybrid"] * 14) + (["dense"] * 3) + (["bm25"] * 3)
MAX_DURATION_S = 900
MAX_CLIENTS = 500


@dataclass
class Sample:
    kind: str
    started: float
    latency_ms: float
    status: int
    error: str | None = None


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)


def load_queries() -> list[str]:
    try:
        lines = QUERY_FILE.read_text().splitlines()
        found = [json.loads(line)["text"] for line in lines if line.strip()]
        return found or FALLBACK_QUERIES
    except (OSError, ValueError, KeyError):
        return FALLBACK_QUERIES


async def client_loop(i: int, http: httpx.AsyncClient, until: float, share: float, queries: list[str],
                      run: Run, seed: int, warm_until: float) -> None:
    rnd = random.Random(seed * 1000 + i)
    while True:
        now = time.perf_counter()
        if now >= until:
            return
        if rnd.random() < share:
            kind = "partners"
            call = http.post("/partners", json={"text": rnd.choice(PARTNER_TEXTS + queries), "k": 10})
        else:
            kind = "search"
            call = http.get("/search", params={"q": rnd.choice(queries), "k": 10, "mode": rnd.choice(MODES)})
        started = time.perf_counter()
        try:
            response = await call
            status, error = response.status_code, None if response.status_code == 200 else response.text[:200]
        except httpx.HTTPError as exc:
            status, error = -1, f"{type(exc).__name__}: {exc}"[:200]
        latency = (time.perf_counter() - started) * 1000
        if started >= warm_until:
            run.samples.append(Sample(kind, started, latency, status, error))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise(samples: list[Sample], elapsed: float) -> dict[str, Any]:
    latencies = [s.latency_ms for s in samples]
    errors = [s for s in samples if s.status != 200]
    kinds: dict[str, int] = {}
    for e in errors:
        key = str(e.status) if e.status > 0 else (e.error or "transport error").split(":")[0]
        kinds[key] = kinds.get(key, 0) + 1
    return {
        "requests": len(samples),
        "requests_per_s": round(len(samples) / elapsed, 2) if elapsed > 0 else 0.0,
        "errors": len(errors),
        "error_kinds": kinds,
        "error_examples": sorted({e.error for e in errors if e.error})[:5],
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p90": round(percentile(latencies, 90), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(max(latencies), 1) if latencies else None,
            "mean": round(sum(latencies) / len(latencies), 1) if latencies else None,
        },
    }


async def run_load(url: str, clients: int, duration: float, share: float, warmup: float, seed: int) -> dict[str, Any]:
    queries = load_queries()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(60.0), limits=limits) as http:
        health = await http.get("/health")
        health.raise_for_status()
        stats = (await http.get("/stats")).json()
        run = Run()
        load_before = os.getloadavg()
        start = time.perf_counter()
        warm_until = start + warmup
        until = warm_until + duration
        await asyncio.gather(*(
            client_loop(i, http, until, share, queries, run, seed, warm_until) for i in range(clients)
        ))
        end = time.perf_counter()
    measured = [s for s in run.samples if s.started < until]
    elapsed = end - warm_until
    result = {
        "tool": "benchmarks/load_bench.py (async httpx, closed loop)",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "target": url,
        "clients": clients,
        "duration_s": duration,
        "warmup_s": warmup,
        "elapsed_s": round(elapsed, 2),
        "mix": {"partners_share": share, "search_modes": {m: MODES.count(m) / len(MODES) for m in sorted(set(MODES))}},
        "seed": seed,
        **summarise(measured, elapsed),
        "by_kind": {
            kind: summarise([s for s in measured if s.kind == kind], elapsed)
            for kind in ("search", "partners")
        },
        "index": {k: stats.get(k) for k in ("version", "documents", "chunks", "model")},
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_avg_1m_before": round(load_before[0], 2),
            "load_avg_1m_after": round(os.getloadavg()[0], 2),
            "note": "client and server share this machine; the load average shows what else was running",
        },
    }
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index: Path, corpus: Path | None, port: int) -> subprocess.Popen:
    env = dict(os.environ)
    if corpus is not None:
        env["GFMD_SEARCH_CORPUS_ROOT"] = str(corpus)
    cmd = [sys.executable, "-m", "gfmd_search_cli", "serve", "--index", str(index), "--host", "127.0.0.1",
           "--port", str(port)]
    log = tempfile.TemporaryFile()  # not a pipe: uvicorn's access log would fill it and stall the server
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    server.log = log  # type: ignore[attr-defined]
    return server


def wait_ready(url: str, server: subprocess.Popen | None, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            server.log.seek(0)  # type: ignore[attr-defined]
            raise SystemExit(f"the server exited: {server.log.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server at {url} was not ready within {timeout:.0f}s")


def markdown(r: dict[str, Any]) -> str:
    def row(name: str, s: dict[str, Any]) -> list[object]:
        lat = s["latency_ms"]
        return [name, f"{s['requests']:,}", f"{s['requests_per_s']:.1f}", *(f"{lat[p]:.0f}" for p in LATENCY_COLUMNS),
                s["errors"]]

    lines = [
        "# Load test of the HTTP API",
        "",
        f"{r['clients']} concurrent clients for {r['duration_s']:.0f} s (after {r['warmup_s']:.0f} s of warm-up) against "
        f"`gfmd-search serve` on 127.0.0.1, one uvicorn worker, sample index ({r['index']['documents']} documents, "
        f"{r['index']['chunks']} passages, {r['index']['model']}). Mixed requests: "
        f"{100 * (1 - r['mix']['partners_share']):.0f}% `GET /search` (k=10; hybrid 70%, dense 15%, bm25 15%), "
        f"{100 * r['mix']['partners_share']:.0f}% `POST /partners` (k=10). Machine: {r['machine']['cpus']} CPUs, "
        f"{r['machine']['platform']}; the load client runs on the same machine "
        f"(1-minute load average {r['machine']['load_avg_1m_before']} before the run).",
        "",
        *markdown_table(
            ["requests", "count", "req/s", *(f"{p} ms" for p in LATENCY_COLUMNS), "errors"],
            [row("all", r), row("search", r["by_kind"]["search"]), row("partners", r["by_kind"]["partners"])],
        ),
        "",
        f"Errors: {r['errors']} of {r['requests']:,} (goal: 0).",
        "",
        "Reproduce: `python benchmarks/load_bench.py --index index --clients 20 --duration 60 "
        "--out benchmarks/results/load.json --md benchmarks/results/load.md` (after `gfmd-search ingest corpus`).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python benchmarks/load_bench.py", description=__doc__.split("\n\n")[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000")
    where.add_argument("--index", type=Path, help="start `gfmd-search serve --index INDEX` on a free port")
    p.add_argument("--corpus", type=Path, default=REPO / "corpus", help="corpus root for the started server")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds not counted, first")
    p.add_argument("--partners-share", type=float, default=0.25, help="fraction of partners requests")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "load.json")
    p.add_argument("--md", type=Path, help="also write a Markdown summary here")
    args = p.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS:
        p.error(f"--clients must be between 1 and {MAX_CLIENTS}")
    if not 0 < args.duration <= MAX_DURATION_S or not 0 <= args.warmup <= 120:
        p.error(f"--duration must be in (0, {MAX_DURATION_S}] s and --warmup in [0, 120] s")
    if not 0.0 <= args.partners_share <= 1.0:
        p.error("--partners-share must lie between 0 and 1")

    server = None
    url = args.url
    if args.index is not None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(args.index, args.corpus, port)
    try:
        wait_ready(url.rstrip("/"), server)
        result = asyncio.run(run_load(url.rstrip("/"), args.clients, args.duration, args.partners_share,
                                      args.warmup, args.seed))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    if args.md:
        args.md.parent.mkdir(parents=True, exist_ok=True)
        args.md.write_text(markdown(result))
    lat = result["latency_ms"]
    print(f"{result['requests']:,} requests in {result['elapsed_s']:.1f}s: {result['requests_per_s']:.1f} req/s, "
          f"p50 {lat['p50']:.0f} ms, p99 {lat['p99']:.0f} ms, errors {result['errors']} -> {args.out}")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
