"""The learned partner ranker: features on a corpus where they are known, training on a toy split,
the fallback to the voting model, explanations, and empty answers with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import make_engine
from gfmd_search.partners import ModelChoice, choose_model, suggest
from gfmd_search.partners.actor_table import actor_table
from gfmd_search.partners.classifier import classifier_examples, role_classifier
from gfmd_search.partners.explain import phrase
from gfmd_search.partners.features import FEATURES, candidates
from gfmd_search.partners.ranker import LinearRanker
from gfmd_search.records import Filters
from gfmd_search_eval.partners.curve import held_samples, learning_curve
from gfmd_search_eval.partners.records import iom_queries, record_document
from gfmd_search_eval.partners.training import FOLDS, cross_validate, examples, train

US, EU = "United States", "European Union (EU)"
RECORDS = [
    {"id": "t1", "title": "Counter-trafficking in Indonesia", "year": 2019, "countries_covered": ["Indonesia"],
     "migration_thematic_areas": "Counter trafficking", "donor": "Government of the United States"},
    {"id": "t2", "title": "Counter-trafficking capacity in Thailand", "year": 2020, "countries_covered": ["Thailand"],
     "migration_thematic_areas": "Counter trafficking", "donor": "Government of the United States, European Union"},
    {"id": "t3", "title": "Victims of trafficking assisted in Cambodia", "year": 2021, "countries_covered": ["Cambodia"],
     "migration_thematic_areas": "Counter trafficking", "donor": "Government of the United States"},
    {"id": "t4", "title": "Return and reintegration in Guinea", "year": 2021, "countries_covered": ["Guinea"],
     "migration_thematic_areas": "Return and reintegration", "donor": "European Union"},
    {"id": "t5", "title": "Reintegration of returnees in Mali", "year": 2022, "countries_covered": ["Mali"],
     "migration_thematic_areas": "Return and reintegration", "donor": "European Union"},
    {"id": "t6", "title": "Sustainable reintegration in Senegal", "year": 2022, "countries_covered": ["Senegal"],
     "migration_thematic_areas": "Return and reintegration", "donor": "European Union, Germany"},
    {"id": "t7", "title": "Migration data in Ghana", "year": 2018, "countries_covered": ["Ghana"],
     "migration_thematic_areas": "Migration data", "donor": "Germany"},
    {"id": "t8", "title": "Migration data strategy in Kenya", "year": 2019, "countries_covered": ["Kenya"],
     "migration_thematic_areas": "Migration data", "donor": "Germany"},
]
QUERY = "Counter-trafficking support in Indonesia and Viet Nam Counter trafficking"
"""A query worded as the evaluation words one: title, countries and themes."""


@pytest.fixture(scope="module")
def engine(tmp_path_factory, embedder):
    engine = make_engine(tmp_path_factory.mktemp("ranker") / "index", embedder, partner_model="voting")
    engine.ingest_documents([record_document(r) for r in RECORDS], progress=False)
    return engine


@pytest.fixture(scope="module")
def ranker(engine) -> LinearRanker:
    queries, judged, _ = iom_queries(RECORDS)
    grid = {"features": ("all",), "neighbours": (3,), "objective": ("pointwise",), "C": (1.0,)}
    trained, table = train(engine, queries, judged, grid=grid, folds=4)
    assert len(table) == 1 and 0 <= table[0]["map"] <= 1
    return trained


def by_name(found):
    return {c.name: c for c in found.items}


def test_features_on_a_known_corpus(engine):
    found = by_name(candidates(engine.searcher(), QUERY, engine.settings, 3))
    us = found[US]
    assert us.facts["documents"] == 3 and us.facts["documents:donor"] == 3 and us.facts["documents:stated"] == 3
    assert us.facts["indexed"] == len(RECORDS)
    assert us.values["type:government"] == 1.0 and us.values.get("type:international organisation", 0.0) == 0.0
    # The three trafficking records are the nearest, and the United States funded each of them.
    assert us.facts["nearest"] == 3 and us.facts["neighbours:donor"] == 3
    assert us.values["neighbours:donor"] > found[EU].values.get("neighbours:donor", 0.0)
    # Every record is one passage, so all of them are retrieved; three name the United States, as donor.
    assert us.facts["passages"] == 3 and us.facts["passages:donor"] == 3
    assert found["Indonesia"].values["named_in_query"] == 1.0 and us.values["named_in_query"] == 0.0
    # The query names Indonesia; the one record naming Indonesia names the United States as donor.
    assert us.values["cooccur:donor"] == 1.0 and us.facts["cooccur:donor/with"] == "Indonesia"
    assert phrase("cooccur:donor", us.facts) == "named as donor in 1 of the 1 documents naming Indonesia"
    assert EU not in found or not found[EU].values.get("cooccur")
    assert us.values["neighbour_rank"] == 1.0 and us.values["vote:stated"] == us.values["vote:donor"]
    assert "Viet Nam" not in found  # named by the query only: no evidence, no candidate
    assert set(us.values) <= set(FEATURES)


def test_the_classifier_learns_from_the_text_without_the_stated_actors(engine):
    reader = engine.searcher().reader
    texts, labels = classifier_examples(reader, None)
    assert len(texts) == len(RECORDS) and sorted(map(sorted, labels)) == sorted(
        [[US], [EU, US], [US], [EU], [EU], [EU, "Germany"], ["Germany"], ["Germany"]])
    # The donors are blanked out (a query never names them); the rest of the record stays.
    assert not any("United States" in t or "European Union" in t or "Germany" in t for t in texts)
    assert any("Counter-trafficking in Indonesia" in t and "Donors:" in t for t in texts)
    found = by_name(candidates(engine.searcher(), QUERY, engine.settings, 3))
    us, eu = found[US], found[EU]
    # The trafficking records are the ones the United States funded: it is the most likely donor.
    assert us.values["classifier_rank"] == 1.0 and us.values["classifier"] > 0.5 > eu.values["classifier"]
    assert us.values["classifier_log"] == pytest.approx(np.log(us.values["classifier"] + 1e-4))
    assert phrase("classifier", us.facts).endswith(f"p = {us.values['classifier']:.2f})")


def test_the_classifier_never_learns_from_held_back_documents(engine):
    reader = engine.searcher().reader
    allowed = np.ones(len(RECORDS), dtype=bool)
    allowed[actor_table(reader).positions(["t1", "t2", "t3"])] = False
    texts, labels = classifier_examples(reader, allowed)
    assert len(texts) == 5 and not any("trafficking" in t.lower() for t in texts)
    assert US not in role_classifier(reader, allowed).probabilities(QUERY)  # no allowed record names it as donor
    assert US in role_classifier(reader).probabilities(QUERY)


def test_held_back_documents_leave_every_feature(engine):
    found = by_name(candidates(engine.searcher(), QUERY, engine.settings, 3, Filters(exclude_doc_ids=["t1"])))
    us = found[US]
    assert us.facts["documents"] == 2 and us.facts["indexed"] == len(RECORDS) - 1
    assert us.facts["passages"] == 2 and us.facts["neighbours:donor"] <= 2
    assert "Indonesia" not in found  # named only by the held-back record
    assert not us.values.get("cooccur")  # so nothing is named beside Indonesia


def test_training_features_hold_back_the_whole_fold(engine):
    queries, judged, _ = iom_queries(RECORDS)
    ex = examples(engine, queries, judged, (3,), folds=4)[3]
    assert sorted(set(ex.fold.tolist())) == [0, 1, 2, 3]
    column = FEATURES.index("documents:donor")
    # Within a fold an actor's count is the same whichever query asks: no count gives away a query's donors.
    seen: dict[tuple[int, str], float] = {}
    for fold, name, value in zip(ex.fold.tolist(), ex.names, ex.x[:, column].tolist()):
        assert seen.setdefault((fold, name), value) == value
    assert len({v for (_, name), v in seen.items() if name == US}) > 1  # the folds do differ


def test_held_samples_leave_out_the_rest_of_the_other_folds_records():
    members = {0: ["a", "b"], 1: ["c"], 2: ["d", "e"]}
    ids = ["a", "b", "c", "d", "e", "x", "y", "z"]
    held = held_samples(ids, members, 0.5, seed=0)
    for f, fold in members.items():
        others = [d for d in ids if d not in fold]
        assert not set(held[f]) & set(fold) and set(held[f]) <= set(others)
        assert len(held[f]) == len(others) - round(0.5 * len(others))
    assert held == held_samples(ids, members, 0.5, seed=0)
    assert any(held_samples(ids, members, 0.5, seed=s) != held for s in range(1, 5))
    assert all(h == [] for h in held_samples(ids, members, 1.0, seed=0).values())


def test_learning_curve_at_the_whole_share_is_the_cross_validation(engine, ranker):
    queries, judged, _ = iom_queries(RECORDS)
    rows = learning_curve(engine, queries, judged, ranker, 2, fractions=(0.5, 1.0), repeats=1)
    assert [r["fraction"] for r in rows] == [0.5, 1.0]
    whole = rows[1]
    assert whole["records_indexed"] == len(RECORDS) - len(RECORDS) / FOLDS
    assert rows[0]["records_indexed"] < whole["records_indexed"]
    grid = {"features": (ranker.about["features"],), "neighbours": (ranker.neighbours,),
            "objective": (ranker.about["objective"],), "C": (ranker.about["C"],)}
    data = examples(engine, queries, judged, (ranker.neighbours,), FOLDS)
    assert whole["ranker_map"] == round(cross_validate(data, judged, grid, FOLDS)[0]["map"], 4)
    assert whole["ratio"] == round(whole["ranker_map"] / whole["nearest_neighbours_map"], 4)


def test_a_ranker_trained_on_a_toy_split_ranks_the_known_partner_first(engine, ranker):
    searcher = engine.searcher()
    top = suggest(searcher, QUERY, 3, model=ModelChoice(ranker))
    assert top.model.startswith("learned ranker") and top.reason is None
    assert top.partners[0].name == US
    reintegration = suggest(searcher, "Reintegration of returnees in Guinea-Bissau Return and reintegration", 3,
                            model=ModelChoice(ranker))
    assert reintegration.partners[0].name == EU


def test_explanation_names_real_evidence(engine, ranker):
    found = by_name(candidates(engine.searcher(), QUERY, engine.settings, ranker.neighbours))
    [us] = [p for p in suggest(engine.searcher(), QUERY, 3, model=ModelChoice(ranker)).partners if p.name == US]
    assert us.explanation
    possible = {phrase(f, found[US].facts) for f in ranker.features if found[US].values.get(f)}
    assert set(us.explanation) <= possible
    assert any(ch.isdigit() for line in us.explanation for ch in line)  # counts, not vague words
    assert us.evidence and all("<mark>" in ev.snippet and ev.doc_id in {"t1", "t2", "t3"} for ev in us.evidence)


def test_saved_ranker_round_trips(tmp_path: Path, engine, ranker):
    path = tmp_path / "ranker.json"
    ranker.save(path)
    choice = choose_model(str(path))
    assert choice.ranker is not None and choice.ranker.version == ranker.version and choice.problem is None
    again = suggest(engine.searcher(), QUERY, 3, model=choice).partners
    assert [p.name for p in again] == [p.name for p in suggest(engine.searcher(), QUERY, 3, model=ModelChoice(ranker)).partners]


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not a readable JSON file"),
    (json.dumps({"kind": "something else"}), "not a gfmd-search partner ranker file"),
    (None, "format 99"),
    ("unknown-feature", "does not compute: telepathy"),
    ("missing-field", "missing or malformed"),
])
def test_a_bad_ranker_file_is_reported_and_the_voting_model_answers(tmp_path, engine, ranker, embedder, content, problem):
    path = tmp_path / "bad.json"
    data = ranker.to_dict()
    if content is None:
        data["format"] = 99
    elif content == "unknown-feature":
        data["features"] = [*data["features"][:-1], "telepathy"]
    elif content == "missing-field":
        del data["weights"]
    path.write_text(content if content not in (None, "unknown-feature", "missing-field") else json.dumps(data))
    choice = choose_model(str(path))
    assert choice.ranker is None and problem in choice.problem and str(path) in choice.problem
    other = make_engine(engine.settings.index_dir, embedder, partner_model=str(path))
    stats = other.stats()["partner_model"]
    assert stats["model"] == "voting" and problem in stats["problem"]
    answer = other.partners(QUERY, 3)
    assert answer.model == "voting" and answer.partners and answer.partners[0].explanation


def test_a_missing_ranker_file_falls_back(tmp_path):
    choice = choose_model(str(tmp_path / "absent.json"))
    assert choice.ranker is None and "no such file" in choice.problem and choice.name == "voting"
    assert choose_model("voting").describe() == {"model": "voting", "file": None, "problem": None}
    shipped = choose_model("ranker")  # the ranker in the package loads and is versioned
    assert shipped.ranker is not None and shipped.problem is None and shipped.name.startswith("learned ranker 20")


@pytest.mark.parametrize("learned", [True, False])
def test_no_retrievable_evidence_gives_an_empty_list_with_a_reason(engine, ranker, learned):
    model = ModelChoice(ranker if learned else None)
    answer = suggest(engine.searcher(), QUERY, 5, filters=Filters(year_from=2100), model=model)
    assert answer.partners == [] and answer.reason == "no indexed passage matches the text within the filters"
    only_excluded = suggest(engine.searcher(), QUERY, 5, types=["civil society"], model=model)
    assert only_excluded.partners == [] and "names an actor of the requested types" in only_excluded.reason


def test_a_corpus_naming_no_actor_gives_a_reason(tmp_path, embedder):
    from gfmd_search.records import Document, Page

    bare = make_engine(tmp_path / "index", embedder, partner_model="voting")
    bare.ingest_documents([Document(doc_id="x", title="Weather", pages=[Page(1, "Rain fell on the hills all week.")])],
                          progress=False)
    answer = bare.partners("rain on the hills", 5)
    assert answer.partners == [] and answer.reason == "none of the 1 passages that match the text names an actor"
