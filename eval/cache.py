"""Where an evaluation keeps the index of a collection: one folder per corpus, model and chunking."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gfmd_search.config import Settings
from gfmd_search.embedding import Embedder
from gfmd_search.ingest import EMBEDDING_SETTINGS

DEFAULT_CACHE = Path("eval/cache")


def index_folder(cache: Path, name: str, content: str, settings: Settings) -> Path:
    """The cache folder of an index: `name` plus a hash of the corpus (`content`, a key the caller
    derives from it), the model's fingerprint and the settings that shape the vectors."""
    parts = [
        name,
        content,
        Embedder(settings.model, "cpu").fingerprint,
        *(f"{k}={getattr(settings, k)}" for k in EMBEDDING_SETTINGS),
    ]
    return Path(cache) / f"{name}-{hashlib.sha256(repr(parts).encode()).hexdigest()[:12]}"
