"""`gfmd-search eval-partners`: metrics on hand-computed cases, record handling, splits, and a small run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gfmd_search_cli.main import main
from gfmd_search_eval.partners import (
    UNRESOLVED,
    actor_key,
    average_precision,
    count_documents,
    donors,
    make_split,
    mean_metrics,
    per_query,
    popularity,
    precision_at,
    recall_at,
    record_document,
    record_query,
    roundtable_sessions,
    split_files,
    split_names,
)

EU = "European Union (EU)"
ECHO = "Directorate-General for European Civil Protection and Humanitarian Aid Operations (ECHO)"


# --- metrics, computed by hand -------------------------------------------------------------------


def test_average_precision_by_hand():
    # relevant at ranks 1 and 3 of {a, c, x}: (1/1 + 2/3) / 3
    assert average_precision(["a", "b", "c", "d"], {"a", "c", "x"}) == pytest.approx((1 + 2 / 3) / 3)
    assert average_precision(["b", "a"], {"a"}) == pytest.approx(0.5)
    assert average_precision([], {"a"}) == 0.0
    assert average_precision(["a"], set()) == 0.0
    assert average_precision(["a", "b"], {"a", "b"}) == 1.0


def test_precision_and_recall_by_hand():
    ranking = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
    assert precision_at(ranking, {"a", "e", "k"}, 5) == pytest.approx(2 / 5)
    assert precision_at(["a"], {"a"}, 5) == pytest.approx(1 / 5)  # an empty rank counts as wrong
    assert recall_at(ranking, {"a", "e", "k"}, 10) == pytest.approx(2 / 3)
    assert recall_at(ranking, {"k"}, 10) == 0.0
    assert recall_at(ranking, set(), 10) == 0.0


def test_mean_metrics_over_judged_queries():
    run = {"q1": ["a", "b"], "q2": ["x", "y", "z"], "q3": ["a"]}
    qrels = {"q1": {"a"}, "q2": {"z", "w"}, "q3": set(), "q4": {"a"}}
    # q3 has no relevant actor (left out); q4 has no ranking (scores 0).
    ap = [1.0, (1 / 3) / 2, 0.0]
    p5 = [1 / 5, 1 / 5, 0.0]
    r10 = [1.0, 0.5, 0.0]
    got = mean_metrics(run, qrels)
    assert got["map"] == pytest.approx(sum(ap) / 3)
    assert got["p@5"] == pytest.approx(sum(p5) / 3)
    assert got["recall@10"] == pytest.approx(sum(r10) / 3)
    assert per_query(run, {"q1": {"a"}}) == {"q1": {"map": 1.0, "p@5": 0.2, "recall@10": 1.0}}
    assert mean_metrics({}, {}) == {"map": 0.0, "p@5": 0.0, "recall@10": 0.0}


def test_popularity_ranking():
    counts = count_documents({"d1": {"a", "b"}, "d2": {"b"}, "d3": {"b", "c"}}, leave_out="d3")
    assert counts == {"a": 1, "b": 2}
    assert popularity({"b": 2, "a": 1, "c": 1, "z": 0}) == ["b", "a", "c"]
    assert popularity({"b": 2, "a": 1}, depth=1) == ["b"]


# --- records -------------------------------------------------------------------------------------


def test_donor_names_split_outside_parentheses():
    value = "Government of the United Kingdom, European Commission for Humanitarian Aid and Civil Protection (ECHO), IOM"
    assert split_names(value) == [
        "Government of the United Kingdom", "European Commission for Humanitarian Aid and Civil Protection (ECHO)", "IOM",
    ]
    assert split_names("Oleoducto Central S.A.S. (OCENSA, Colombia), UNDP") == ["Oleoducto Central S.A.S. (OCENSA, Colombia)", "UNDP"]
    assert split_names(None) == [] and split_names("") == []


def test_donors_resolve_and_placeholders_are_ignored():
    record = {"donor": "Government  of the Netherlands, European Union, Not specified, UNDP, Movimiento El Pozo"}
    assert donors(record) == {
        "Netherlands", EU, "United Nations Development Programme (UNDP)", UNRESOLVED + "movimiento el pozo",
    }
    assert donors({"donor": "European Commission for Humanitarian Aid and Civil Protection (ECHO)"}) == {ECHO}
    for placeholder in ("Not specified", "Not available", "Not applicable", "Multiple", None):
        assert donors({"donor": placeholder}) == set()
    assert actor_key("Government of the United States") == "United States"


RECORD = {
    "id": "r1",
    "title": "Evaluation of a labour mobility project",
    "year": 2021,
    "countries_covered": ["Colombia", "Venezuela"],
    "migration_thematic_areas": "Labour migration",
    "relevant_crosscutting_themes": "Gender",
    "evaluation_commissioner": "IOM",
    "donor": "Government of Japan, European Union",
}


def test_record_document_and_query():
    doc = record_document(RECORD)
    assert doc.doc_id == "r1" and doc.year == 2021 and doc.title == RECORD["title"]
    for part in ("Colombia, Venezuela", "Labour migration", "Gender", "Commissioned by: IOM", "Donors: Government of Japan"):
        assert part in doc.text
    query = record_query(RECORD)
    assert RECORD["title"] in query and "Colombia" in query and "Labour migration" in query
    assert "Japan" not in query and "Donor" not in query and "IOM" not in query and "2021" not in query


def test_document_text_gives_donors_their_role():
    from gfmd_search.actors import extract_mentions

    roles = {m.name: m.role for m in extract_mentions(record_document(RECORD).text)}
    assert roles["Japan"] == roles[EU] == "donor"
    assert roles["Colombia"] is None and roles["International Organization for Migration (IOM)"] is None


def test_split_is_seeded_disjoint_and_complete(tmp_path: Path):
    records = [{"id": f"r{i:03d}", "title": str(i)} for i in range(100)]
    split = make_split(records, seed=7)
    assert split == make_split(list(reversed(records)), seed=7)
    assert (len(split["test"]), len(split["tune"]), len(split["fit"])) == (20, 16, 64)
    parts = [set(split[k]) for k in ("fit", "tune", "test")]
    assert set.union(*parts) == {r["id"] for r in records} and sum(map(len, parts)) == 100
    written = split_files(split, records, tmp_path)
    train = json.loads(written["train"].read_text())
    assert {r["id"] for r in train} == parts[0] | parts[1]
    assert {r["id"] for r in json.loads(written["tune-test"].read_text())} == parts[1]


def test_committed_split_covers_the_shared_records(shared_data: Path):
    split = json.loads((Path(__file__).parents[1] / "eval" / "partners" / "split.json").read_text())
    records = json.loads((shared_data / "iom-evaluations" / "evaluations.json").read_text())
    ids = [split[k] for k in ("fit", "tune", "test")]
    assert sorted(i for part in ids for i in part) == sorted(r["id"] for r in records)


def test_roundtable_sessions():
    meetings = [{
        "year": "2012", "city": "Port Louis",
        "roundtables": [
            {"id": "1.2", "title": "Diaspora as agents of change", "co_chairs": ["France", "Kenya"],
             "team_members": ["Belgium"], "non_state_partners": ["World Bank"]},
            {"id": "2", "title": "No team known", "co_chairs": [], "team_members": []},
        ],
        "thematic_meetings": [{"title": "Labour markets", "co_conveners": ["Sweden", "Morocco"]}],
    }]
    first, second, thematic = roundtable_sessions(meetings)
    assert first.query == "Diaspora as agents of change" and first.team == {"France", "Kenya", "Belgium"}
    assert "co-chaired by France and Kenya" in first.document.text and first.document.year == 2012
    assert second.query is None and thematic.query is None
    assert "Co-convened by Sweden and Morocco" in thematic.document.text


# --- a small run end to end ----------------------------------------------------------------------

TRAIN = [
    {"id": "t1", "title": "Counter-trafficking in Indonesia", "year": 2019, "countries_covered": ["Indonesia"],
     "migration_thematic_areas": "Counter trafficking", "evaluation_commissioner": "IOM",
     "donor": "Government of the United States"},
    {"id": "t2", "title": "Counter-trafficking capacity in Thailand", "year": 2020, "countries_covered": ["Thailand"],
     "migration_thematic_areas": "Counter trafficking", "evaluation_commissioner": "IOM",
     "donor": "Government of the United States, IOM"},
    {"id": "t3", "title": "Migration data strategy", "year": 2021, "countries_covered": ["Worldwide"],
     "migration_thematic_areas": "Migration data", "evaluation_commissioner": "IOM", "donor": "IOM Development Fund"},
    {"id": "t4", "title": "Return and reintegration in Guinea", "year": 2021, "countries_covered": ["Guinea"],
     "migration_thematic_areas": "Return and reintegration", "evaluation_commissioner": "IOM",
     "donor": "European Union"},
    {"id": "t5", "title": "Reintegration of returnees in Mali", "year": 2022, "countries_covered": ["Mali"],
     "migration_thematic_areas": "Return and reintegration", "evaluation_commissioner": "IOM",
     "donor": "European Union"},
    {"id": "t6", "title": "Migration governance data in Ghana", "year": 2022, "countries_covered": ["Ghana"],
     "migration_thematic_areas": "Migration data", "evaluation_commissioner": "IOM", "donor": "IOM Development Fund"},
]
TEST = [
    {"id": "q1", "title": "Combating trafficking in persons in Viet Nam", "countries_covered": ["Viet Nam"],
     "migration_thematic_areas": "Counter trafficking", "donor": "Government of the United States"},
    {"id": "q2", "title": "Reintegration support for returnees in Senegal", "countries_covered": ["Senegal"],
     "migration_thematic_areas": "Return and reintegration", "donor": "European Union"},
    {"id": "q3", "title": "Anything", "countries_covered": ["Chad"], "donor": "Not specified"},
]


def test_eval_partners_end_to_end(tmp_path: Path):
    (tmp_path / "train.json").write_text(json.dumps(TRAIN))
    (tmp_path / "test.json").write_text(json.dumps(TEST))
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["eval-partners", "--train", str(tmp_path / "train.json"), "--test", str(tmp_path / "test.json"),
            "--cache", str(cache), "--out", str(out), "--quiet"]
    assert main(args) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"model", "popularity"} <= set(metrics)
    for system in ("model", "popularity"):
        assert set(metrics[system]) == {"map", "p@5", "recall@10"}
    # The right donor is the first actor for both queries with a donor role weight well above 1.
    assert metrics["model"]["map"] > metrics["popularity"]["map"]
    run = json.loads((out / "run.json").read_text())
    assert run["iom"]["queries"] == 2 and run["iom"]["skipped"] == {"no real donor": 1}
    assert "MAP" in (out / "report.md").read_text()
    # A second run reuses the cached index: same folder, same version, nothing embedded.
    [index] = list(cache.iterdir())
    version = (index / "current").resolve()
    assert main(args) == 0
    assert [index] == list(cache.iterdir()) and (index / "current").resolve() == version


def test_eval_partners_needs_its_files(tmp_path: Path, capsys):
    assert main(["eval-partners", "--train", str(tmp_path / "x.json")]) == 2
    assert "--train and --test go together" in capsys.readouterr().err


def test_paired_permutation():
    from gfmd_search_eval.partners import paired_permutation

    assert paired_permutation([1.0] * 12, [0.0] * 12, rounds=2000) < 0.01
    assert paired_permutation([0.5, 0.4], [0.5, 0.4]) == 1.0
    assert paired_permutation([1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0], rounds=2000) > 0.5
    assert paired_permutation([], []) == 1.0
