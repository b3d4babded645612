"""Several `gfmd-search serve` processes on one index directory: an ingest swaps the version
under both while they answer, no request fails, and each moves to the new version."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest
from test_api_hotswap import Hammer, _write_note

from conftest import make_engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def replicas(sample_index, tmp_path):
    """Two real server processes over a copy of the sample index."""
    index = tmp_path / "index"
    shutil.copytree(sample_index, index, symlinks=True)
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "gfmd_search_cli", "serve", "--index", str(index), "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 240
        for url, proc in zip(urls, procs):
            while True:
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, f"{url} did not start"
                try:
                    if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
        yield index, urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_two_servers_answer_through_one_swap(replicas, tmp_path, embedder):
    index, urls = replicas
    before = {httpx.get(f"{u}/health").json()["index_version"] for u in urls}
    assert len(before) == 1
    note = _write_note(tmp_path / "new", "replica-note.txt",
                       "Vellmora seasonal workers scheme\n\nThe Vellmora scheme matches seasonal farm workers "
                       "with employers and pays their travel.")
    with Hammer(urls[0], clients=3) as first, Hammer(urls[1], clients=3) as second:
        first.wait_for(10)
        second.wait_for(10)
        report = make_engine(index, embedder).ingest([note], progress=False)
        assert report.ingested == ["replica-note"]
        after = (index / "current").resolve().name
        for hammer in (first, second):  # every client's next answer comes from the new version
            deadline = time.monotonic() + 120
            while not any(v == after for _, _, v in hammer.results[-hammer.clients:]):
                assert time.monotonic() < deadline, "a server kept answering from the old version"
                time.sleep(0.1)
            hammer.wait_for(10)
    for hammer in (first, second):
        assert not hammer.failures(), hammer.failures()[:5]
        versions = [v for _, _, v in hammer.results if v]  # /similar answers carry no version
        assert versions[0] in before and versions[-1] == after
        stale = [v for v in versions[versions.index(after):] if v != after]
        assert len(stale) <= hammer.clients, "old answers after the swap beyond those in flight"
    for url in urls:
        assert httpx.get(f"{url}/health").json()["index_version"] == after
        hits = httpx.get(f"{url}/search", params={"q": "Vellmora seasonal workers", "k": 1}).json()["hits"]
        assert hits[0]["doc_id"] == "replica-note"
