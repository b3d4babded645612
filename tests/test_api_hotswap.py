"""A running server picks up a new index version without a restart and without failing
requests in flight: queries are fired from a thread pool at a real uvicorn server while an
ingest (as the CLI runs it, from another Engine; then through `POST /admin/ingest`) swaps
the index's `current` link."""

from __future__ import annotations

import itertools
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conftest import LiveServer, make_engine
from gfmd_search_api.main import create_app

QUERIES = ["skills partnerships", "remittances", "diaspora engagement", "climate change and migration",
           "labour mobility agreements", "migrant protection", "policy coherence data"]
TOKEN = "hot-swap-token"


@pytest.fixture()
def index_copy(sample_index, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(sample_index, copy, symlinks=True)
    return copy


class Hammer:
    """Clients querying the server until stopped; every answer is recorded."""

    def __init__(self, url: str, clients: int = 6):
        self.url = url
        self.clients = clients
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.results: list[tuple[float, int, str]] = []  # (time, status, index version or error)
        self.pool = ThreadPoolExecutor(clients)
        self.futures = []

    def __enter__(self) -> Hammer:
        self.futures = [self.pool.submit(self._client, i) for i in range(self.clients)]
        return self

    def _client(self, i: int) -> None:
        queries = itertools.cycle(QUERIES[i % len(QUERIES):] + QUERIES[: i % len(QUERIES)])
        with httpx.Client(base_url=self.url, timeout=60) as client:
            while not self.stop.is_set():
                q = next(queries)
                try:
                    if i % 3 == 2:
                        r = client.get("/documents/gfmd-2012-port-louis/similar", params={"k": 3})
                    else:
                        r = client.get("/search", params={"q": q, "k": 5})
                    version = r.json().get("index_version", "") if r.status_code == 200 else r.text
                    outcome = (time.monotonic(), r.status_code, version)
                except Exception as exc:  # a dropped connection counts as a failure
                    outcome = (time.monotonic(), -1, repr(exc))
                with self.lock:
                    self.results.append(outcome)

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for f in self.futures:
            f.result()
        self.pool.shutdown()

    def count(self) -> int:
        with self.lock:
            return len(self.results)

    def wait_for(self, n: int, timeout: float = 60) -> None:
        start = self.count()
        deadline = time.monotonic() + timeout
        while self.count() < start + n:
            assert time.monotonic() < deadline, "the clients stopped getting answers"
            time.sleep(0.02)

    def failures(self) -> list[tuple[float, int, str]]:
        return [r for r in self.results if r[1] != 200]


def _write_note(folder, name: str, text: str):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_hot_swap_under_concurrent_queries(index_copy, tmp_path, embedder):
    extra = tmp_path / "extra"
    note = _write_note(
        extra, "hotswap-note.txt",
        "Zorbulan fisheries cooperative\n\nThe Zorbulan fisheries cooperative trains returning migrant "
        "fishers and links them with diaspora investors in coastal towns.",
    )
    server_engine = make_engine(index_copy, embedder, corpus_root=extra, api_token=TOKEN)
    with LiveServer(create_app(server_engine)) as server:
        http = httpx.Client(base_url=server.url, timeout=60)
        before = http.get("/health").json()["index_version"]
        assert not any(h["doc_id"].startswith("hotswap") for h in
                       http.get("/search", params={"q": "Zorbulan fisheries", "mode": "bm25"}).json()["hits"])

        with Hammer(server.url) as hammer:
            hammer.wait_for(20)
            # 1. An ingest by another process's Engine (what `gfmd-search ingest` does).
            writer = make_engine(index_copy, embedder, corpus_root=extra)
            report = writer.ingest([note], progress=False)
            assert report.ingested == ["hotswap-note"], report
            answered_before_swap = hammer.count() + hammer.clients  # those in flight may see the old one
            hammer.wait_for(30)

            # 2. An ingest through the token-protected endpoint, queries still in flight.
            second = _write_note(extra / "more", "second-note.md",
                                 "# Quillonian bridge programme\n\nThe Quillonian bridge programme recognises skills.")
            r = http.post("/admin/ingest", json={"paths": ["more/second-note.md"]},
                          headers={"Authorization": f"Bearer {TOKEN}"})
            assert r.status_code == 200, r.text
            assert r.json()["ingested"] == ["second-note"] and second.exists()
            hammer.wait_for(30)

        assert not hammer.failures(), hammer.failures()[:5]
        versions = [v for _, _, v in hammer.results[answered_before_swap:] if v]
        after = http.get("/health").json()["index_version"]
        assert after != before
        assert versions and set(versions) - {before}, "answers after the swap came from the new version"
        assert len(hammer.results) > 80

        hits = http.get("/search", params={"q": "Zorbulan fisheries cooperative", "k": 3}).json()["hits"]
        assert hits[0]["doc_id"] == "hotswap-note"
        assert hits[0]["file_url"] == "/files/hotswap-note.txt"
        assert "<mark>Zorbulan</mark>" in hits[0]["snippet"]
        assert http.get(hits[0]["file_url"]).text.startswith("Zorbulan fisheries")
        hits = http.get("/search", params={"q": "Quillonian bridge", "k": 3}).json()["hits"]
        assert hits[0]["doc_id"] == "second-note"
        assert http.get("/documents/hotswap-note").status_code == 200
        http.close()


def test_concurrent_mixed_requests_are_safe(sample_engine):
    """Many threads on one Engine through the real server: every answer is right, none fails."""
    with LiveServer(create_app(sample_engine)) as server:
        expected = {q: httpx.get(f"{server.url}/search", params={"q": q, "k": 3}).json()["hits"] for q in QUERIES}

        def one(i: int):
            q = QUERIES[i % len(QUERIES)]
            with httpx.Client(base_url=server.url, timeout=60) as c:
                r = c.get("/search", params={"q": q, "k": 3})
                assert r.status_code == 200, r.text
                return q, r.json()["hits"]

        with ThreadPoolExecutor(16) as pool:
            for q, hits in pool.map(one, range(64)):
                assert [h["chunk_id"] for h in hits] == [h["chunk_id"] for h in expected[q]]
