"""Partner suggestion: the voting model on hand-made votes, and on a small built corpus whose answer is known."""

from __future__ import annotations

import json
import math

import pytest

from conftest import make_engine
from gfmd_search.actors import CIVIL_SOCIETY, GOVERNMENT, INTERNATIONAL
from gfmd_search.config import ConfigError, Settings, load_settings
from gfmd_search.partners import (
    Passages,
    actor_filter,
    idf_prior,
    relevance_weights,
    resolve_exclude,
    resolve_types,
    vote,
)
from gfmd_search.records import Document, Filters, Mention, Page
from gfmd_search_cli.main import main

IOM = "International Organization for Migration (IOM)"


def m(name: str, type_: str = GOVERNMENT, role: str | None = None, start: int = 0) -> Mention:
    return Mention(name, type_, name, start, start + len(name), role)


def flat(n_docs: int = 10, df: dict[str, int] | None = None, exponent: float = 0.0):
    return idf_prior(n_docs, df or {}, exponent)


# --- the model on hand-made votes ------------------------------------------------------------------


def settings(**kw) -> Settings:
    base = {"partner_relevance": "rank", "partner_rank_c": 0.0, "partner_assoc_norm": 0.0, "partner_prior": 0.0,
                "role_weights": {"donor": 1.0, "co-chair": 1.0, "none": 1.0}}
    base.update(kw)
    return Settings(**base)


def test_votes_sum_rank_weighted_relevance():
    # rel = 1/rank: A is in passages 1 and 3 (1 + 1/3), B in passage 2 (1/2), C in 3 (1/3).
    p = Passages([(10, 0.9), (11, 0.8), (12, 0.7)], {10: [m("A")], 11: [m("B")], 12: [m("A"), m("C")]})
    tallies = vote(p, settings(), flat())
    assert [t.name for t in tallies] == ["A", "B", "C"]
    assert tallies[0].score == pytest.approx(1 + 1 / 3)
    assert tallies[1].score == pytest.approx(1 / 2)
    assert [s.row for s in tallies[0].support] == [10, 12]


def test_repeated_mentions_in_one_passage_vote_once():
    p = Passages([(1, 1.0)], {1: [m("A", start=0), m("A", start=20), m("B", start=40)]})
    tallies = {t.name: t for t in vote(p, settings(), flat())}
    assert tallies["A"].score == tallies["B"].score == pytest.approx(1.0)
    assert tallies["A"].support[0].spans == [(0, 1), (20, 21)]


def test_rank_constant_flattens_relevance():
    assert relevance_weights([(0, 5.0), (1, 1.0)], "rank", 0.0) == [1.0, 0.5]
    assert relevance_weights([(0, 5.0), (1, 1.0)], "rank", 10.0) == pytest.approx([1 / 11, 1 / 12])
    assert relevance_weights([(0, 5.0), (1, 1.0)], "score", 0.0) == pytest.approx([1.0, 0.2])
    with pytest.raises(ValueError):
        relevance_weights([(0, 1.0)], "softmax", 0.0)


def test_role_weights_lift_stated_roles():
    # B is named in the better passage but A is the donor of the second: role weight 4 beats rank.
    p = Passages([(1, 1.0), (2, 0.5)], {1: [m("B")], 2: [m("A", role="donor"), m("B")]})
    flat_roles = vote(p, settings(), flat())
    assert flat_roles[0].name == "B"
    weighted = vote(p, settings(role_weights={"donor": 4.0, "none": 1.0}), flat())
    assert [t.name for t in weighted] == ["A", "B"]
    assert weighted[0].support[0].role == "donor"
    # A role missing from role_weights weighs 1; a zero weight drops the vote.
    dropped = vote(p, settings(role_weights={"none": 0.0}), flat())
    assert [t.name for t in dropped] == ["A"]


def test_strongest_role_of_an_actor_in_a_passage_counts():
    p = Passages([(1, 1.0)], {1: [m("A"), m("A", role="co-chair", start=10)]})
    [tally] = vote(p, settings(role_weights={"co-chair": 3.0, "none": 1.0}), flat())
    assert tally.score == pytest.approx(3.0) and tally.support[0].role == "co-chair"


def test_association_normalised_by_actors_in_passage():
    # Passage 1 names only A; passage 2 (same rank weight under c=1e9) names B, C, D.
    p = Passages([(1, 1.0), (2, 1.0)], {1: [m("A")], 2: [m("B"), m("C"), m("D")]})
    s = settings(partner_rank_c=1e9, partner_assoc_norm=1.0)
    tallies = {t.name: t.score for t in vote(p, s, flat())}
    assert tallies["A"] == pytest.approx(3 * tallies["B"])


def test_prior_damps_actors_named_everywhere():
    # IOM is in both passages but in every document of the index; Ghana in one passage, in 1 of 100.
    p = Passages([(1, 1.0), (2, 0.5)], {1: [m(IOM, INTERNATIONAL), m("Ghana")], 2: [m(IOM, INTERNATIONAL)]})
    df = {IOM: 100, "Ghana": 1}
    without = vote(p, settings(), flat(100, df, 0.0))
    assert without[0].name == IOM
    damped = vote(p, settings(partner_prior=1.0), flat(100, df, 1.0))
    assert damped[0].name == "Ghana"
    assert damped[0].score == pytest.approx(math.log1p(100))
    assert damped[1].score == pytest.approx(1.5 * math.log(2))


def test_idf_prior_of_unseen_actor_and_zero_exponent():
    prior = idf_prior(9, {"A": 9}, 2.0)
    assert prior("A") == pytest.approx(math.log(2) ** 2)
    assert prior("never named") == pytest.approx(math.log(10) ** 2)
    assert idf_prior(9, {"A": 9}, 0.0)("A") == 1.0


def test_types_and_exclusion_filter_votes():
    p = Passages(
        [(1, 1.0)],
        {1: [m("Philippines"), m(IOM, INTERNATIONAL), m("Migrant Forum in Asia", CIVIL_SOCIETY), m("Germany")]},
    )
    keep = actor_filter(["country"], ["Filipino"])
    assert [t.name for t in vote(p, settings(), flat(), keep)] == ["Germany"]
    keep = actor_filter(["international organisation", "civil society"], None)
    assert {t.name for t in vote(p, settings(), flat(), keep)} == {IOM, "Migrant Forum in Asia"}
    assert actor_filter(None, None) is None


def test_exclude_names_resolve_to_one_actor():
    assert resolve_exclude(["Philippines"]) == resolve_exclude(["the Philippines"]) == resolve_exclude(["Filipino"])
    assert resolve_exclude(["Government of the Philippines"]) == {"Philippines"}
    assert resolve_exclude(["IOM"]) == {IOM}
    assert resolve_exclude(["Some  Unknown Body"]) == {"some unknown body"}


def test_type_names():
    assert resolve_types(["Government"]) == {GOVERNMENT}
    assert resolve_types(["countries", "IO", "civil society / other"]) == {GOVERNMENT, INTERNATIONAL, CIVIL_SOCIETY}
    assert resolve_types(None) is None
    with pytest.raises(ValueError, match="unknown actor type"):
        resolve_types(["planets"])


def test_partner_settings_are_validated():
    with pytest.raises(ConfigError, match="partner_relevance"):
        load_settings(partner_relevance="softmax")
    with pytest.raises(ConfigError):
        load_settings(partner_passages=0)
    weights = load_settings(role_weights='{"donor": 3, "none": 0.5}').role_weights
    assert weights == {**Settings().role_weights, "donor": 3.0, "none": 0.5}  # merged over the defaults


# --- a small built corpus with a known answer --------------------------------------------------------

DOCS = [
    ("nurses-a", 2019, "Nurse skills partnership",
     ("Germany and the Philippines launched a skills partnership for nurses: nurses trained in the Philippines "
     "to German standards work in German hospitals, while training also serves the Philippine health system. "
     "The pilot was funded by the European Union.")),
    ("nurses-b", 2021, "Review of the nurse recruitment agreement",
     ("A review of the agreement under which Germany recruits nurses from the Philippines found that the skills "
     "partnership improved training of nurses in the country of origin.")),
    ("nurses-c", 2022, "Health worker mobility to Germany",
     ("Germany extended its skills partnerships for nurses and care workers to Viet Nam, training nurses in the "
     "country of origin before they move to the destination country.")),
    ("care", 2020, "Care workers and skills mobility",
     ("The Philippines and Japan agreed on the mobility of nurses and care workers, with language and skills "
     "training before departure.")),
    ("remit", 2018, "Remittance costs corridor study",
     ("Mexico and the United States reviewed the cost of sending remittances through digital channels. "
     "IOM presented data on remittance flows.")),
    ("climate", 2020, "Climate mobility in the Pacific",
     "Fiji and Vanuatu discussed planned relocation of communities affected by sea-level rise, with IOM."),
    ("diaspora", 2017, "Diaspora bonds",
     "Ghana and Nigeria shared experiences with diaspora bonds and diaspora investment. IOM took part."),
    ("returns", 2016, "Return and reintegration",
     "Morocco and Senegal exchanged practices on reintegration of returning migrants with IOM."),
    ("students", 2015, "International students",
     "Canada and India discussed the retention of international students after graduation, with IOM."),
    ("census", 2014, "Migration data in censuses",
     "Kenya and Uganda added migration questions to their censuses with support from IOM."),
]
QUERY = "a skills partnership for nurses between a country of origin and a destination country"


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder):
    index = tmp_path_factory.mktemp("partners") / "index"
    engine = make_engine(index, embedder)
    docs = [Document(doc_id=i, title=t, pages=[Page(1, text)], year=y) for i, y, t, text in DOCS]
    report = engine.ingest_documents(docs, progress=False)
    assert len(report.ingested) == len(DOCS)
    return engine


def test_known_answer_ranks_the_partnership_countries_first(built):
    found = built.partners(QUERY, k=5)
    names = [p.name for p in found]
    # The partnership's two countries, and the donor of its pilot (a stated role weighs more).
    assert set(names[:3]) == {"Germany", "Philippines", "European Union (EU)"}, names
    scores = [p.score for p in found]
    assert scores == sorted(scores, reverse=True)
    germany = next(p for p in found if p.name == "Germany")
    assert germany.type == GOVERNMENT and germany.documents == 3
    assert {e.doc_id for e in germany.evidence} == {"nurses-a", "nurses-b", "nurses-c"}
    philippines = next(p for p in found if p.name == "Philippines")
    assert philippines.documents == 3 and {e.doc_id for e in philippines.evidence} == {"nurses-a", "nurses-b", "care"}


def test_actor_named_everywhere_is_damped(built):
    def ratio(engine) -> float:
        scores = {p.name: p.score for p in engine.partners(QUERY, k=20)}
        return scores[IOM] / scores["Germany"]

    no_prior = make_engine(built.settings.index_dir, built.embedder, partner_prior=0.0)
    assert ratio(built) < ratio(no_prior)


def test_evidence_marks_the_actor(built):
    [germany] = [p for p in built.partners(QUERY, k=10) if p.name == "Germany"]
    [ev] = [e for e in germany.evidence if e.doc_id == "nurses-a"]
    assert ev.doc_id == "nurses-a" and ev.title == "Nurse skills partnership" and ev.year == 2019 and ev.page == 1
    assert "<mark>Germany</mark>" in ev.snippet and "<mark>German</mark>" in ev.snippet
    assert ev.score > 0 and len(germany.evidence) <= built.settings.partner_evidence


def test_roles_are_reported(built):
    [eu] = [p for p in built.partners(QUERY, k=20) if p.name == "European Union (EU)"]
    assert eu.roles == ["donor"] and eu.evidence[0].role == "donor"


def test_types_exclude_and_years(built):
    no_philippines = [p.name for p in built.partners(QUERY, k=10, exclude=["Filipino"])]
    assert "Philippines" not in no_philippines and "Germany" in no_philippines
    orgs = built.partners(QUERY, k=10, types=["international organisation"])
    assert orgs and {p.type for p in orgs} == {INTERNATIONAL}
    recent = built.partners(QUERY, k=10, filters=Filters(year_from=2020))
    assert "European Union (EU)" not in [p.name for p in recent]  # named only in the 2019 pilot
    assert all(e.year >= 2020 for p in recent for e in p.evidence)
    [germany] = [p for p in recent if p.name == "Germany"]
    assert germany.documents == 2


def test_k_is_respected_and_checked(built):
    assert len(built.partners(QUERY, k=2)) == 2
    with pytest.raises(ValueError):
        built.partners(QUERY, k=0)


def test_cli_json(built, capsys):
    code = main(["partners", QUERY, "--index", str(built.settings.index_dir), "--k", "3", "--json",
                 "--exclude", "Germany", "--type", "government"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 3 and out[0]["name"] == "Philippines"  # Germany left out, the EU is no government
    for partner in out:
        assert {"name", "type", "score", "documents", "evidence"} <= set(partner)
        assert partner["type"] == GOVERNMENT and partner["name"] != "Germany"
        assert {"title", "year", "page", "snippet"} <= set(partner["evidence"][0])


def test_sample_corpus_answers_with_evidence(sample_engine):
    found = sample_engine.partners(QUERY, k=5)
    assert found and all(p.evidence for p in found)
    assert all("<mark>" in e.snippet for p in found for e in p.evidence)
