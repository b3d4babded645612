"""Shared fixtures: the ../shared data folder and a loaded embedder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """The shared data folder: $GFMD_SHARED_DATA, else ../shared/data beside the repo."""
    candidate = Path(os.environ.get("GFMD_SHARED_DATA", ROOT.parent / "shared" / "data"))
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    found = shared_data_dir()
    if found is None:
        pytest.skip("shared data not found: set GFMD_SHARED_DATA or put it at ../shared/data")
    return found


@pytest.fixture(scope="session")
def embedder():
    from gfmd_search.embedding import Embedder

    return Embedder()


# --- the sample index and a live HTTP server (API and browser tests) ------------------------------

CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, embedder) -> Path:
    """An index of the shipped sample corpus, built once per session. Shared: never write to it
    (copy it with `shutil.copytree(sample_index, dst, symlinks=True)` to change it)."""
    from gfmd_search.app import Engine
    from gfmd_search.config import load_settings

    index = tmp_path_factory.mktemp("sample-index") / "index"
    engine = Engine(load_settings(index_dir=index, corpus_root=CORPUS), embedder)  # one model for the session
    report = engine.ingest([CORPUS], progress=False)
    assert report.ingested, f"nothing ingested from {CORPUS}: {report.skipped}"
    return index


@pytest.fixture(scope="session")
def sample_engine(sample_index, embedder):
    """A read-only Engine over the sample index (corpus root: corpus/, no API token)."""
    return make_engine(sample_index, embedder)


def make_engine(index: Path, embedder, **overrides):
    """An Engine over `index` sharing the session's loaded model; `overrides` are settings."""
    from gfmd_search.app import Engine
    from gfmd_search.config import load_settings

    overrides.setdefault("corpus_root", CORPUS)
    return Engine(load_settings(index_dir=index, **overrides), embedder)


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a thread (a real server, as `gfmd-search serve` runs)."""

    def __init__(self, app):
        import socket
        import threading

        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
