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
