"""Test collection parsers: BEIR, TREC and Cranfield, on small fixtures and on the real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gfmd_search_eval.datasets import DatasetError, beir, cranfield, load, trec

REPO = Path(__file__).resolve().parents[1]


def _beir(folder: Path, qrels: str = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    docs = [{"_id": "d1", "title": "Remittances", "text": "Money sent home."}, {"_id": "d2", "text": "Skills."}]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    queries = [{"_id": "q1", "text": "remittances"}, {"_id": "q2", "text": "skills"}, {"_id": "q3", "text": "x"}]
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    (folder / "qrels").mkdir(exist_ok=True)
    (folder / "qrels" / "test.tsv").write_text(qrels)
    return folder


def test_beir_folder(tmp_path: Path) -> None:
    c = load(_beir(tmp_path / "toy"))
    assert c.name == "toy" and c.split == "test"
    assert [(d.doc_id, d.title, d.text) for d in c.documents] == [
        ("d1", "Remittances", "Money sent home."), ("d2", "", "Skills.")
    ]
    assert c.queries == {"q1": "remittances", "q2": "skills"}  # q3 has no judgment: left out
    assert c.qrels == {"q1": {"d1": 1}, "q2": {"d2": 2}}
    assert c.source == tmp_path / "toy" / "corpus.jsonl"


def test_beir_qrels_without_header_zero_scores_and_trec_qrels(tmp_path: Path) -> None:
    folder = _beir(tmp_path / "a", "q1\td1\t1\nq2\td2\t0\n")
    assert load(folder).qrels == {"q1": {"d1": 1}}  # q2 has no relevant document
    folder = _beir(tmp_path / "b", "q1 0 d1 1\nq2 0 d2 3\n")
    assert load(folder).qrels == {"q1": {"d1": 1}, "q2": {"d2": 3}}


def test_beir_errors(tmp_path: Path) -> None:
    folder = _beir(tmp_path / "toy")
    with pytest.raises(DatasetError, match="split 'dev'.*splits: test"):
        load(folder, "dev")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\tyes\n")
    with pytest.raises(DatasetError, match="test.tsv:2"):
        load(folder)
    _beir(folder)
    (folder / "corpus.jsonl").unlink()
    with pytest.raises(DatasetError, match="--corpus"):
        load(folder)
    with pytest.raises(DatasetError, match="neither"):
        load(tmp_path)


def test_query_set_over_files(tmp_path: Path) -> None:
    folder = _beir(tmp_path / "set")
    (folder / "corpus.jsonl").unlink()
    c = load(folder, corpus=tmp_path)
    assert c.documents is None and c.source == tmp_path and set(c.queries) == {"q1", "q2"}


def test_trec_qrels_and_run_round_trip(tmp_path: Path) -> None:
    (tmp_path / "qrels.txt").write_text("1 0 d1 2\n1 0 d2 0\n2 0 d3 1\n")
    assert trec.read_qrels(tmp_path / "qrels.txt") == {"1": {"d1": 2, "d2": 0}, "2": {"d3": 1}}
    run = {"1": {"d1": 0.5, "d2": 1.5}, "2": {"d3": -0.25}, "3": {}}
    trec.write_run(run, tmp_path / "run.trec", "tag")
    lines = (tmp_path / "run.trec").read_text().splitlines()
    assert lines == ["1 Q0 d2 1 1.5 tag", "1 Q0 d1 2 0.5 tag", "2 Q0 d3 1 -0.25 tag"]
    assert trec.read_run(tmp_path / "run.trec") == {q: scores for q, scores in run.items() if scores}


def test_trec_errors_name_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.trec").write_text("1 Q0 d1 1 0.5 tag\n1 Q0 d1 1 0.5\n")
    with pytest.raises(DatasetError, match="bad.trec:2: expected 6 columns, found 5"):
        trec.read_run(tmp_path / "bad.trec")
    (tmp_path / "qrels.txt").write_text("1 0 d1 2\n\n")
    with pytest.raises(DatasetError, match="qrels.txt:2: expected 4 columns, found 0"):
        trec.read_qrels(tmp_path / "qrels.txt")
    (tmp_path / "qrels.txt").write_text("1 0 d1 high\n")
    with pytest.raises(DatasetError, match="qrels.txt: not a TREC file of 4 columns"):
        trec.read_qrels(tmp_path / "qrels.txt")
    with pytest.raises(DatasetError, match="missing.txt: file not found"):
        trec.read_qrels(tmp_path / "missing.txt")


CRAN_DOCS = """.I 1
.T
wing in a slipstream .
.A
brenckman,m.
.B
j. ae. scs. 25, 1958, 324.
.W
wing in a slipstream .
  an experimental study .
.I 2
.T
empty abstract .
.A
.B
.W
"""
CRAN_QUERIES = """.I 001
.W
what similarity laws
must be obeyed .
.I 004
.W
heat conduction .
"""


def test_cranfield_fixture(tmp_path: Path) -> None:
    (tmp_path / "cran.all.1400").write_text(CRAN_DOCS)
    (tmp_path / "cran.qry").write_text(CRAN_QUERIES)
    (tmp_path / "cranqrel").write_text("1 2 2\n1 1 -1\n2 1 4\n")
    c = load(tmp_path)
    assert [(d.doc_id, d.title, d.text) for d in c.documents] == [
        ("1", "wing in a slipstream .", "wing in a slipstream . an experimental study ."),
        ("2", "empty abstract .", ""),
    ]
    # numbered by position (1, 2), not by .I (001, 004)
    assert c.queries == {"1": "what similarity laws must be obeyed .", "2": "heat conduction ."}
    assert c.qrels == {"1": {"2": 3, "1": 5}, "2": {"1": 1}}
    with pytest.raises(DatasetError, match="only the 'test' split"):
        load(tmp_path, "train")
    (tmp_path / "cranqrel").write_text("1 2 7\n")
    with pytest.raises(DatasetError, match="cranqrel:1"):
        cranfield.read_qrels(tmp_path / "cranqrel")


def test_real_scifact(shared_data: Path) -> None:
    test = load(shared_data / "scifact")
    assert len(test.documents) == 5183 and len({d.doc_id for d in test.documents}) == 5183
    assert len(test.queries) == 300 and sum(map(len, test.qrels.values())) == 339
    assert beir.splits(shared_data / "scifact") == ["test", "train"]
    train = load(shared_data / "scifact", "train")
    assert len(train.queries) == 809 and not set(train.queries) & set(test.queries)
    ids = {d.doc_id for d in test.documents}
    assert all(doc in ids for judged in (test.qrels, train.qrels) for q in judged.values() for doc in q)


def test_real_cranfield(shared_data: Path) -> None:
    c = load(shared_data / "cranfield")
    assert len(c.documents) == 1400 and [d.doc_id for d in c.documents[:3]] == ["1", "2", "3"]
    assert len(c.queries) == 225 and c.queries["225"].startswith("what design factors can be used to control lift-drag")
    assert c.qrels == trec.read_qrels(shared_data / "cranfield" / "QRelsCorrectedforTRECeval")
    assert c.qrels["1"]["486"] == 5 and c.qrels["1"]["184"] == 3


def test_gfmd_sample_query_set_judges_real_sidecar_ids() -> None:
    c = load(REPO / "eval" / "queries" / "gfmd-sample", corpus=REPO / "corpus")
    ids = {json.loads(p.read_text())["id"] for p in (REPO / "corpus").rglob("*.meta.json")}
    practices = REPO / "corpus" / "practices" / "pfp-practices.jsonl"  # one document per record
    ids |= {json.loads(line)["id"] for line in practices.read_text().splitlines()}
    assert len(c.queries) == 38
    assert {doc for judged in c.qrels.values() for doc in judged} <= ids
