"""Where the evaluations keep their indexes: one folder per corpus, model and embedding settings.

The retrieval evaluation keys a collection by its file (or folder); the partner evaluation can key
its record documents with `documents_key`. A re-run finds its index and embeds nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from gfmd_search.config import Settings
from gfmd_search.embedding import Embedder
from gfmd_search.ingest import EMBEDDING_SETTINGS
from gfmd_search.records import Document

DEFAULT_CACHE = Path("eval/cache")


def cache_dir(name: str, corpus_key: object, settings: Settings, cache: Path = DEFAULT_CACHE, prefix: str = "") -> Path:
    """`cache/<prefix><name>-<hash>`, the hash of the corpus key, the model's fingerprint and the embedding settings."""
    parts = [
        name,
        corpus_key,
        Embedder(settings.model, "cpu").fingerprint,
        *(f"{k}={getattr(settings, k)}" for k in EMBEDDING_SETTINGS),
    ]
    return Path(cache) / f"{prefix}{name}-{hashlib.sha256(repr(parts).encode()).hexdigest()[:12]}"


def source_key(source: Path) -> str:
    """A corpus file by its content; a folder by its path (ingest keeps it in step with its files)."""
    if source.is_file():
        digest = hashlib.sha256()
        with source.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    return str(source.resolve())


def documents_key(documents: Iterable[Document]) -> list[tuple[str, str]]:
    """Ready-made documents by their ids and the digests of their texts."""
    return sorted((d.doc_id, hashlib.sha256(d.text.encode()).hexdigest()) for d in documents)
