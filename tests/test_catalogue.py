"""Catalogue and full text together: the IOM evaluation records and the IOM PDFs they name."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from conftest import ROOT, make_engine
from gfmd_search.actors import canonical_actor
from gfmd_search.config import load_settings
from gfmd_search.loaders.records import split_outside_parentheses
from gfmd_search.partners import suggest
from gfmd_search.records import Filters, SearchQuery

CONFIG = ROOT / "examples" / "iom-evaluations.toml"
# Short PDFs named by two records: 49d2fba7… (donor: European Union; 2023) and 8faad6ed… (UN Peace Fund; 2025)
BRIEF = "Evaluation_Learning_Brief_Final_Olta_NDOJA.pdf"
BRIEF_ID = "evaluation-learning-brief-final-olta-ndoja"
RECORD = "49d2fba781b6a7c0d94577479636ee6f"
OTHER = "CS1137-CS1138_Evaluation_Brief_Javier_SANCHEZ_MARTI.pdf"


@pytest.fixture(scope="module")
def catalogue(shared_data, tmp_path_factory, embedder):
    records_file = shared_data / "iom-evaluations" / "evaluations.json"
    pdfs = [shared_data / "iom-pdfs" / BRIEF, shared_data / "iom-pdfs" / OTHER]
    index = tmp_path_factory.mktemp("iom") / "index"
    mappings = load_settings(CONFIG).record_mappings
    engine = make_engine(index, embedder, record_mappings=mappings)
    report = engine.ingest([records_file, *pdfs], progress=False)
    records = json.loads(records_file.read_text(encoding="utf-8"))
    return engine, report, records


def _json_counts(records: list[dict], fields: list[str], split: str | None) -> Counter:
    """Per value, how many records carry it, computed from the JSON as the mapping reads it."""
    counts: Counter = Counter()
    for r in records:
        values: list[str] = []
        for f in fields:
            raw = r[f] if isinstance(r[f], list) else [r[f]] if r[f] not in (None, "") else []
            for v in raw:
                for part in split_outside_parentheses(str(v), split) if split else [str(v)]:
                    part = " ".join(part.split())
                    if part and part not in values:
                        values.append(part)
        counts.update(values)
    return counts


def _index_counts(engine, facet: str, doc_type: str) -> Counter:
    table = engine.searcher().reader.facets
    docs = table.doc_mask({"doc_type": [doc_type]})
    return Counter({c.value: c.count for c in table.counts(docs, facet)})


def test_the_iom_records_ingest_through_the_mapping_with_their_pdfs(catalogue):
    engine, report, records = catalogue
    assert report.skipped == []
    assert len(report.ingested) == len(records) + 2 == 517
    assert engine.stats()["documents"] == 517


def test_record_facet_counts_equal_those_computed_from_the_json(catalogue):
    engine, _, records = catalogue
    expected = {
        "country": _json_counts(records, ["countries_covered"], None),
        "theme": _json_counts(records, ["migration_thematic_areas", "relevant_crosscutting_themes"], ","),
        "language": _json_counts(records, ["languages"], ","),
        "donor": _json_counts(records, ["donor"], ","),
        "year": Counter(str(r["year"]) for r in records if r["year"]),
    }
    for facet, counts in expected.items():
        assert _index_counts(engine, facet, "evaluation record") == counts, facet


def test_a_pdf_takes_its_records_year_and_facets_and_shows_them_when_found(catalogue):
    engine, _, records = catalogue
    record = next(r for r in records if r["id"] == RECORD)
    result = engine.search(SearchQuery(
        "lessons learned from the joint initiative on return and reintegration", k=5, group=True,
        filters=Filters(where={"donor": ["European Union"], "country": ["Djibouti"]}),
        facets=["donor", "country", "doc_type"],
    ))
    hit = next((h for h in result.hits if h.doc_id == BRIEF_ID), None)
    assert hit is not None, [h.doc_id for h in result.hits]
    assert hit.year == record["year"] == 2023
    assert hit.facets["country"] == record["countries_covered"]
    assert hit.facets["donor"] == ["European Union"] and hit.facets["language"] == ["English"]
    assert engine.document(BRIEF_ID).extra["record"] == f"iom-evaluation-{RECORD}"
    # every matching document passed the filters, so each is counted under European Union and Djibouti
    matching = sum(c.count for c in result.facets["doc_type"])
    assert matching >= 2 and {"brief", "evaluation record"} <= {c.value for c in result.facets["doc_type"]}
    assert {c.value: c.count for c in result.facets["donor"]}["European Union"] == matching
    assert {c.value: c.count for c in result.facets["country"]}["Djibouti"] == matching


def test_a_records_donors_count_for_partner_suggestion_through_its_pdf(catalogue):
    engine, _, records = catalogue
    searcher = engine.searcher()
    rows = [c["row"] for c in searcher.reader.chunks_of(BRIEF_ID)]
    from_catalogue = {(m.name, m.role) for found in searcher.reader.mentions(rows).values() for m in found
                      if m.start < 0}
    eu_name = canonical_actor("European Union")[0]  # "European Union (EU)"
    assert (eu_name, "donor") in from_catalogue and ("Djibouti", None) in from_catalogue
    only_pdfs = Filters(exclude_doc_ids=[f"iom-evaluation-{r['id']}" for r in records])
    found = suggest(searcher, "return and reintegration of migrants in the Horn of Africa", k=10, filters=only_pdfs).partners
    eu = next((p for p in found if p.name == eu_name), None)
    assert eu is not None and "donor" in eu.roles, [(p.name, p.roles) for p in found]
    assert any(e.doc_id == BRIEF_ID for e in eu.evidence)


@pytest.mark.slow
def test_every_iom_pdf_is_linked_to_the_record_that_lists_it(shared_data, tmp_path, embedder):
    from gfmd_search.loaders.records import file_key

    records = json.loads((shared_data / "iom-evaluations" / "evaluations.json").read_text(encoding="utf-8"))
    owner = {file_key(url): r for r in records for url in r["documents"]}
    mappings = load_settings(CONFIG).record_mappings
    engine = make_engine(tmp_path / "index", embedder, record_mappings=mappings)
    report = engine.ingest([shared_data / "iom-evaluations" / "evaluations.json", shared_data / "iom-pdfs"],
                           progress=False)
    assert report.skipped == []
    pdfs = [d for d in engine.searcher().reader.documents() if (d["path"] or "").endswith(".pdf")]
    assert len(pdfs) == 15
    table = engine.searcher().reader.facets
    positions = {d: i for i, d in enumerate(engine.searcher().reader.doc_ids())}
    facets = table.of_documents(positions[d["doc_id"]] for d in pdfs)
    for d in pdfs:
        record = owner[file_key(d["path"])]
        assert d["extra"]["record"] == f"iom-evaluation-{record['id']}", d["path"]
        assert d["year"] == record["year"]
        assert facets[positions[d["doc_id"]]]["country"] == record["countries_covered"], d["path"]
