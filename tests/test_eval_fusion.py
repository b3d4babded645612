"""The z-score fusion chosen by tuning, by hand; and the tuned defaults are what search uses."""

from __future__ import annotations

import numpy as np
import pytest

from gfmd_search.config import FUSIONS, Settings
from gfmd_search.fusion import fuse
from gfmd_search.fusion.zscore import standardise


def test_zscore_fusion_by_hand() -> None:
    dense = np.array([0.9, 0.5, 0.1])  # mean 0.5, std sqrt(0.32/3)
    bm25 = np.array([1.0, 8.0, 3.0])  # mean 4, std sqrt(26/3)
    zd = np.array([0.4, 0.0, -0.4]) / np.sqrt(0.32 / 3)
    zb = np.array([-3.0, 4.0, -1.0]) / np.sqrt(26 / 3)
    assert standardise(dense) == pytest.approx(zd)
    assert fuse("zscore", dense, bm25, 0.7, 60) == pytest.approx(0.7 * zd + 0.3 * zb)
    assert fuse("zscore", np.ones(3), bm25, 1.0, 60).tolist() == [0.0, 0.0, 0.0]  # constant side: no signal


def test_tuned_defaults() -> None:
    s = Settings()
    assert s.fusion == "zscore" and s.fusion in FUSIONS and s.dense_weight == 0.7
    assert (s.stemmer, s.stopwords, s.bm25_k1, s.bm25_b) == ("porter", "en", 0.9, 0.5)
    assert s.candidates >= 1000 and s.doc_aggregation == "max"  # search ranks as eval measures
