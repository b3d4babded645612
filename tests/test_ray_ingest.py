"""Ingest on a local Ray instance: the same index as a plain ingest, incremental, failures reported."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import CORPUS, make_engine
from gfmd_search.ray_ingest import RayExecutor, placement
from gfmd_search.records import SearchQuery
from gfmd_search_cli.main import main

PDFS = ["AAP_EN_Evaluation_Brief_final_0.pdf", "CS1137-CS1138_Evaluation_Brief_Javier_SANCHEZ_MARTI.pdf",
        "Evaluation_Learning_Brief_Final_Olta_NDOJA.pdf"]
QUERIES = ["accountability to affected populations", "recommendations of the evaluation",
           "return and reintegration of migrants", "gender mainstreaming", "budget and funding"]


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray", reason="the Ray tests need the [ray] extra")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=256 * 2**20)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def folder(tmp_path_factory, shared_data) -> Path:
    """Three real IOM PDFs, a meeting record with its sidecar, and a file that is not a PDF."""
    root = tmp_path_factory.mktemp("ray-docs")
    for name in PDFS:
        shutil.copy(shared_data / "iom-pdfs" / name, root / name)
    for name in ("gfmd-2008-manila.md", "gfmd-2008-manila.md.meta.json"):
        shutil.copy(CORPUS / "meetings" / name, root / name)
    (root / "broken.pdf").write_bytes(b"this is not a PDF")
    return root


def _contents(engine):
    docs, chunks, vectors, _ = engine.store.open().load_all()
    return docs, chunks, vectors


def test_a_ray_ingest_equals_a_plain_one(ray_local, folder, tmp_path, embedder):
    plain = make_engine(tmp_path / "plain", embedder)
    on_ray = make_engine(tmp_path / "ray", embedder)
    want = plain.ingest([folder], progress=False)
    got = on_ray.ingest([folder], progress=False, executor=RayExecutor(workers=2))

    assert sorted(got.ingested) == sorted(want.ingested) and len(got.ingested) == 4
    assert [(s.path, s.reason) for s in got.skipped] == [(s.path, s.reason) for s in want.skipped]
    assert got.skipped[0].path.endswith("broken.pdf") and "PDF" in got.skipped[0].reason
    assert got.chunks_embedded == want.chunks_embedded > 20
    (docs_a, chunks_a, vec_a), (docs_b, chunks_b, vec_b) = _contents(plain), _contents(on_ray)
    assert docs_a == docs_b
    assert chunks_a == chunks_b
    np.testing.assert_allclose(vec_b, vec_a, atol=1e-5)
    for query in QUERIES:
        ids = [h.chunk_id for h in plain.search(SearchQuery(query, 10)).hits]
        assert [h.chunk_id for h in on_ray.search(SearchQuery(query, 10)).hits] == ids, query


def test_a_ray_ingest_keeps_the_incremental_rules(ray_local, folder, tmp_path, embedder):
    docs = tmp_path / "docs"
    shutil.copytree(folder, docs)
    (docs / "broken.pdf").unlink()
    engine = make_engine(tmp_path / "index", embedder)
    first = engine.ingest([docs], progress=False, executor=RayExecutor(workers=1))
    assert len(first.ingested) == 4 and not first.skipped

    again = engine.ingest([docs], progress=False, executor=RayExecutor(workers=1))
    assert (again.ingested, again.chunks_embedded, len(again.unchanged)) == ([], 0, 4)

    record = docs / "gfmd-2008-manila.md"
    record.write_text(record.read_text() + "\n\nA closing paragraph added after the meeting on diaspora bonds.\n")
    edited = engine.ingest([docs], progress=False, executor=RayExecutor(workers=1))
    assert edited.ingested == ["gfmd-2008-manila"] and len(edited.unchanged) == 3
    assert 1 <= edited.chunks_embedded <= 2 and edited.chunks_reused > 5
    assert "diaspora bonds" in engine.search(SearchQuery("diaspora bonds closing paragraph", 1)).hits[0].text


def test_a_worker_that_dies_is_retried(ray_local, folder, tmp_path, embedder):
    engine = make_engine(tmp_path / "index", embedder)
    killed: list[int] = []

    def kill_the_first_worker() -> None:
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            for proc in Path("/proc").glob("[0-9]*"):
                try:
                    title = (proc / "cmdline").read_bytes()
                except OSError:
                    continue
                if title.startswith(b"ray::_Worker.process"):
                    proc_id = int(proc.name)
                    os.kill(proc_id, signal.SIGKILL)
                    killed.append(proc_id)
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_first_worker)
    killer.start()
    report = engine.ingest([folder], progress=False, executor=RayExecutor(workers=1))
    killer.join()
    assert killed, "no Ray worker was seen at work"
    assert len(report.ingested) == 4
    assert [Path(s.path).name for s in report.skipped] == ["broken.pdf"]


def test_ray_without_ray_installed_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    code = main(["ingest", str(CORPUS), "--index", str(tmp_path / "index"), "--ray"])
    assert code == 2
    assert "pip install 'gfmd-search[ray]'" in capsys.readouterr().err
    assert not (tmp_path / "index").exists()


def test_workers_go_to_the_gpus_when_the_cluster_has_them():
    assert placement({"CPU": 32, "GPU": 4}, None, "torch") == (4, {"num_gpus": 1.0, "num_cpus": 1}, "cuda")
    assert placement({"CPU": 32, "GPU": 2}, 4, "torch") == (4, {"num_gpus": 0.5, "num_cpus": 1}, "cuda")
    assert placement({"CPU": 32, "GPU": 2}, None, "onnx") == (2, {"num_gpus": 1.0, "num_cpus": 1}, "cuda")
    assert placement({"CPU": 32, "GPU": 2}, None, "onnx-int8") == (8, {"num_cpus": 4}, "cpu")
    assert placement({"CPU": 2}, 2, "torch") == (2, {"num_cpus": 1}, "cpu")
    assert placement({"CPU": 2}, None, "torch") == (1, {"num_cpus": 2}, "cpu")
