"""`gfmd-search eval-partners`: metrics on hand-computed cases, record handling, splits, and a small run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from gfmd_search.partners.actor_table import Counts
from gfmd_search_cli.main import main
from gfmd_search_eval.partners.baselines import popularity, role_popularity
from gfmd_search_eval.partners.records import (
    UNRESOLVED,
    actor_key,
    donors,
    record_document,
    record_query,
    roundtable_sessions,
    split_names,
)
from gfmd_search_eval.partners.scoring import score, significance
from gfmd_search_eval.partners.splits import make_split, split_files

EU = "European Union (EU)"
ECHO = "Directorate-General for European Civil Protection and Humanitarian Aid Operations (ECHO)"


# --- metrics (ranx), checked by hand -----------------------------------------------------------


def test_metrics_by_hand():
    runs = {"m": {"q1": ["a", "b", "c", "d"], "q2": ["x", "y", "z"], "q3": []}}
    judged = {"q1": {"a", "c", "x"}, "q2": {"z", "w"}, "q3": {"a"}}
    means, per_query = score(judged, runs)
    # q1: relevant at ranks 1 and 3 of three judged; q2: at rank 3 of two; q3 unanswered scores 0.
    assert per_query["m"]["q1"] == pytest.approx({"map": (1 + 2 / 3) / 3, "p@5": 2 / 5, "recall@10": 2 / 3})
    assert per_query["m"]["q2"] == pytest.approx({"map": (1 / 3) / 2, "p@5": 1 / 5, "recall@10": 0.5})
    assert per_query["m"]["q3"] == {"map": 0.0, "p@5": 0.0, "recall@10": 0.0}
    assert means["m"]["map"] == pytest.approx(((1 + 2 / 3) / 3 + 1 / 6) / 3)


def test_paired_randomisation_test():
    judged = {f"q{i}": {"a"} for i in range(12)}
    good = {q: ["a", "b"] for q in judged}
    bad = {q: ["b", "a"] for q in judged}
    assert significance(judged, {"good": good, "bad": bad}, "good", "bad")["map"] < 0.01
    assert significance(judged, {"good": good, "same": dict(good)}, "good", "same")["map"] == 1.0


def test_popularity_rankings():
    counts = Counts(3, Counter({"b": 2, "a": 1, "c": 1}), Counter({("c", "donor"): 1, ("a", "donor"): 1, ("b", "none"): 2}))
    assert popularity(counts) == ["b", "a", "c"]
    assert popularity(counts, depth=1) == ["b"]
    assert role_popularity(counts, ["donor"]) == ["a", "c"]


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
    out, cache, ranker = tmp_path / "out", tmp_path / "cache", tmp_path / "ranker.json"
    common = ["--train", str(tmp_path / "train.json"), "--cache", str(cache), "--quiet"]
    assert main(["eval-partners", *common, "--train-ranker", str(ranker), "--out", str(tmp_path / "trained")]) == 0
    assert json.loads(ranker.read_text())["kind"] == "gfmd-search partner ranker"
    assert "cross-validation" in (tmp_path / "trained" / "training.md").read_text()
    args = ["eval-partners", *common, "--test", str(tmp_path / "test.json"), "--out", str(out),
            "--set", f"partner_model={ranker}", "--neighbours", "2"]
    assert main(args) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"ranker", "voting", "popularity", "popularity-donor-role", "nearest-neighbours"}
    for system in metrics.values():
        assert set(system) == {"map", "p@5", "recall@10"}
    # The right donor is the first actor for both queries with a donor role weight well above 1.
    assert metrics["voting"]["map"] > metrics["popularity"]["map"]
    run = json.loads((out / "run.json").read_text())["iom"]
    assert run["queries"] == 2 and run["no_donor"] == 1 and run["nearest_neighbours_k"] == 2
    assert set(run["ratio_to_best_baseline"]) == {"ranker", "voting"}
    assert {"popularity", "nearest-neighbours"} <= set(run["p_values"]["ranker"])
    assert "MAP / best baseline" in (out / "report.md").read_text()
    trec = (out / "runs" / "ranker.trec").read_text().splitlines()
    assert trec and trec[0].split()[0] in {"q1", "q2"}
    # A second run reuses the cached index: same folder, same version, nothing embedded.
    [index] = list(cache.iterdir())
    version = (index / "current").resolve()
    assert main(args) == 0
    assert [index] == list(cache.iterdir()) and (index / "current").resolve() == version
    # --tune neighbours measures the baseline's k alone, without the voting grid.
    tuned = tmp_path / "tuned"
    assert main(["eval-partners", *common, "--test", str(tmp_path / "test.json"), "--tune", "neighbours",
                 "--out", str(tuned)]) == 0
    tuning = json.loads((tuned / "tuning.json").read_text())
    assert tuning["rows"] == [] and tuning["best_k"] in [r["k"] for r in tuning["neighbours"]]
    assert "Voting model" not in (tuned / "tuning.md").read_text()


def test_eval_partners_needs_its_files(tmp_path: Path, capsys):
    assert main(["eval-partners", "--train", str(tmp_path / "x.json")]) == 2
    assert "--train and --test go together" in capsys.readouterr().err
