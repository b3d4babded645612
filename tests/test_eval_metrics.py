"""Metrics on a hand-built qrels/run with values worked out by hand; chunk-to-document aggregation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gfmd_search_eval.runner import doc_scores, score

QRELS = {"q1": {"a": 2, "b": 1}, "q2": {"c": 1}, "q3": {"d": 1}}
RUN = {
    "q1": {"x": 0.9, "a": 0.8, "y": 0.7, "b": 0.6},  # relevant at ranks 2 (gain 2) and 4 (gain 1)
    "q2": {"c": 0.5},  # relevant at rank 1
    # q3 retrieves nothing: every metric is 0 for it
}


def test_metrics_by_hand() -> None:
    got = score(QRELS, {"toy": RUN})["toy"]
    dcg = 2 / math.log2(3) + 1 / math.log2(5)
    ideal = 2 / math.log2(2) + 1 / math.log2(3)
    assert got["ndcg@10"] == pytest.approx((dcg / ideal + 1 + 0) / 3)
    assert got["recall@100"] == pytest.approx((1 + 1 + 0) / 3)
    assert got["mrr@10"] == pytest.approx((1 / 2 + 1 + 0) / 3)
    assert got["map@100"] == pytest.approx(((1 / 2 + 2 / 4) / 2 + 1 + 0) / 3)


def test_cutoffs() -> None:
    ranked = {f"n{i}": 1.0 - i / 200 for i in range(150)} | {"a": 0.001}  # "a" at rank 151
    got = score({"q": {"a": 1}}, {"deep": {"q": ranked}})["deep"]
    assert got == {"ndcg@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0, "map@100": 0.0}


def test_aggregations() -> None:
    doc_of = np.array([0, 0, 1, 2, 2, 2])
    ids = np.array(["A", "B", "C"], dtype=object)
    ranked = [(0, 0.9), (3, 0.8), (4, 0.7), (2, 0.6), (1, 0.3), (5, 0.2)]
    assert doc_scores(ranked, doc_of, ids, "max") == pytest.approx({"A": 0.9, "C": 0.8, "B": 0.6})
    assert doc_scores(ranked, doc_of, ids, "sum") == pytest.approx({"C": 1.7, "A": 1.2, "B": 0.6})
    assert doc_scores(ranked, doc_of, ids, "mean") == pytest.approx({"A": 0.6, "B": 0.6, "C": 1.7 / 3})
    assert list(doc_scores(ranked, doc_of, ids, "sum")) == ["C", "A", "B"]
