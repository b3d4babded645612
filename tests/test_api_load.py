"""The load script (benchmarks/load_bench.py) runs, bounded, against a real server and reports its figures."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys

from conftest import ROOT, LiveServer
from gfmd_search_api.main import create_app

_spec = importlib.util.spec_from_file_location("load_bench", ROOT / "benchmarks" / "load_bench.py")
loadtest = sys.modules["load_bench"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loadtest)


def test_load_script_smoke(sample_engine, tmp_path):
    with LiveServer(create_app(sample_engine)) as server:
        result = asyncio.run(loadtest.run_load(server.url, clients=4, duration=2.0, share=0.3, warmup=0.5, seed=1))
    assert result["requests"] > 0 and result["errors"] == 0, result
    assert result["by_kind"]["search"]["requests"] + result["by_kind"]["partners"]["requests"] == result["requests"]
    lat = result["latency_ms"]
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"]
    out = tmp_path / "load.json"
    out.write_text(json.dumps(result))
    assert "| all |" in loadtest.markdown(result)


def test_percentile():
    assert loadtest.percentile([1, 2, 3, 4], 50) == 2.5
    assert loadtest.percentile([5], 99) == 5
    assert loadtest.percentile(list(range(101)), 99) == 99
