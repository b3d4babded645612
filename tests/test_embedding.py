"""Embedding backends: torch, ONNX (the default) and int8 ONNX give the same (or close) vectors from local weights."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import CORPUS
from gfmd_search.config import ConfigError, load_settings
from gfmd_search.embedding import Embedder, EmbeddingError


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real passages of varied length from the sample corpus, and a query."""
    paragraphs = [p for f in sorted(CORPUS.rglob("*.md")) for p in f.read_text().split("\n\n") if len(p) > 40]
    return ["what has GFMD said about skills partnerships?", *paragraphs[:40:4], " ".join(paragraphs[:30])]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return Embedder(backend="torch", device="cpu")


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("onnx-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GFMD_SEARCH_ONNX_CACHE", str(cache))
        yield cache


def test_onnx_gives_the_torch_vectors_and_exports_once(onnx_cache, torch_embedder, texts, capsys):
    onnx = Embedder(backend="onnx", batch_size=4, device="cpu")
    got, want = onnx.encode(texts), torch_embedder.encode(texts)
    assert got.shape == want.shape == (len(texts), 384)
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert onnx.fingerprint == torch_embedder.fingerprint
    exported = list(onnx_cache.rglob("*.onnx"))
    assert [f.name for f in exported] == ["model.onnx"]
    assert f"exporting all-MiniLM-L6-v2 to ONNX, once, into {exported[0].parent}" in capsys.readouterr().err
    stamp = exported[0].stat().st_mtime_ns
    np.testing.assert_allclose(Embedder(device="cpu").encode_query(texts[0]), want[:1], atol=1e-5)
    assert exported[0].stat().st_mtime_ns == stamp, "a second embedder re-exported the model"
    assert "exporting" not in capsys.readouterr().err


def test_int8_is_close_but_has_its_own_fingerprint(onnx_cache, torch_embedder, texts):
    int8 = Embedder(backend="onnx-int8", device="cpu")
    got, want = int8.encode(texts), torch_embedder.encode(texts)
    cosine = (got * want).sum(axis=1)
    assert cosine.min() > 0.95, cosine
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    assert int8.fingerprint != torch_embedder.fingerprint
    top = np.argsort(-(want[1:] @ want[0]))[:3]
    assert set(np.argsort(-(got[1:] @ got[0]))[:3]) == set(top)


def test_fp16_torch_vectors_are_close(texts, torch_embedder):
    half = Embedder(backend="torch", fp16=True, device="cpu")
    cosine = (half.encode(texts[:4]) * torch_embedder.encode(texts[:4])).sum(axis=1)
    assert cosine.min() > 0.999, cosine


def test_bad_backend_settings_are_clear(tmp_path, monkeypatch):
    with pytest.raises(EmbeddingError, match="unknown embedding backend 'tensorrt'"):
        Embedder(backend="tensorrt")
    with pytest.raises(EmbeddingError, match="runs on the CPU"):
        Embedder(backend="onnx-int8", device="cuda")
    assert Embedder(backend="onnx", device="cuda").backend == "torch", "on a GPU, torch gives the ONNX vectors"
    with pytest.raises(EmbeddingError, match="fp16 applies to the torch backend only, not 'onnx-int8'"):
        Embedder(backend="onnx-int8", fp16=True)
    with pytest.raises(EmbeddingError, match="not 'onnx': set backend = 'torch'"):
        Embedder(fp16=True, device="cpu")  # fp16 on the CPU asks for torch, the default being onnx
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("GFMD_SEARCH_ONNX_CACHE", str(tmp_path / "a-file" / "onnx"))
    with pytest.raises(EmbeddingError, match="cannot write the ONNX export into .*a-file/onnx/.*GFMD_SEARCH_ONNX_CACHE"):
        Embedder(device="cpu").encode_query("skills partnerships")
    with pytest.raises(ConfigError, match="'backend' must be one of torch, onnx, onnx-int8"):
        load_settings(backend="openvino")
