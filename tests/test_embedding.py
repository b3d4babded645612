"""Embedding backends: torch, ONNX and int8 ONNX give the same (or close) vectors from local weights."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import CORPUS
from gfmd_search.config import ConfigError, load_settings
from gfmd_search.embedding import Embedder, EmbeddingError

pytest.importorskip("onnxruntime", reason="the ONNX backends need the [onnx] extra")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real passages of varied length from the sample corpus, and a query."""
    paragraphs = [p for f in sorted(CORPUS.rglob("*.md")) for p in f.read_text().split("\n\n") if len(p) > 40]
    return ["what has GFMD said about skills partnerships?", *paragraphs[:40:4], " ".join(paragraphs[:30])]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("onnx-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GFMD_SEARCH_ONNX_CACHE", str(cache))
        yield cache


def test_onnx_gives_the_torch_vectors_and_exports_once(onnx_cache, embedder, texts):
    onnx = Embedder(backend="onnx", batch_size=4)
    got, want = onnx.encode(texts), embedder.encode(texts)
    assert got.shape == want.shape == (len(texts), 384)
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert onnx.fingerprint == embedder.fingerprint
    exported = list(onnx_cache.rglob("*.onnx"))
    assert [f.name for f in exported] == ["model.onnx"]
    stamp = exported[0].stat().st_mtime_ns
    np.testing.assert_allclose(Embedder(backend="onnx").encode_query(texts[0]), want[:1], atol=1e-5)
    assert exported[0].stat().st_mtime_ns == stamp, "a second embedder re-exported the model"


def test_int8_is_close_but_has_its_own_fingerprint(onnx_cache, embedder, texts):
    int8 = Embedder(backend="onnx-int8")
    got, want = int8.encode(texts), embedder.encode(texts)
    cosine = (got * want).sum(axis=1)
    assert cosine.min() > 0.95, cosine
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    assert int8.fingerprint != embedder.fingerprint
    top = np.argsort(-(want[1:] @ want[0]))[:3]
    assert set(np.argsort(-(got[1:] @ got[0]))[:3]) == set(top)


def test_fp16_torch_vectors_are_close(texts, embedder):
    half = Embedder(fp16=True, device="cpu")
    cosine = (half.encode(texts[:4]) * embedder.encode(texts[:4])).sum(axis=1)
    assert cosine.min() > 0.999, cosine


def test_bad_backend_settings_are_clear():
    with pytest.raises(EmbeddingError, match="unknown embedding backend 'tensorrt'"):
        Embedder(backend="tensorrt")
    with pytest.raises(EmbeddingError, match="runs on the CPU"):
        Embedder(backend="onnx-int8", device="cuda")
    assert Embedder(backend="onnx", device="cuda").backend == "torch", "on a GPU, torch gives the ONNX vectors"
    with pytest.raises(EmbeddingError, match="fp16 applies to the torch backend"):
        Embedder(backend="onnx-int8", fp16=True)
    with pytest.raises(ConfigError, match="'backend' must be one of torch, onnx, onnx-int8"):
        load_settings(backend="openvino")
