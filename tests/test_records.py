"""Records files (JSONL, JSON, CSV) through a field mapping; facets that filter and count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import make_engine
from gfmd_search.loaders.base import LoadError
from gfmd_search.loaders.records import (
    FACET_MAX_CHARS,
    file_key,
    load_records,
    parse_mapping,
    split_outside_parentheses,
)
from gfmd_search.records import Filters, SearchQuery
from gfmd_search.search import SearchError

MAPPING = """\
id = "id"
title = "title"
text = ["summary", "countries"]
label_text = true
year = "year"
source = "url"
doc_type_value = "practice"
id_prefix = "p-"

[facets]
country = "countries"
theme = { field = "themes", split = ";" }
organisation = "partners"
"""

PRACTICES = [
    {"id": "1", "title": "Seasonal workers scheme between Canada and Mexico", "year": 2012,
     "summary": "Farm workers from Mexico travel to Canada for the harvest season under a bilateral scheme.",
     "countries": ["Canada", "Mexico"], "themes": "Labour migration; Circular migration",
     "partners": ["International Labour Organization (ILO)"], "url": "https://example.org/1"},
    {"id": "2", "title": "Diaspora bonds for housing in Nigeria", "year": 2017,
     "summary": "Nigerians abroad buy bonds that finance housing at home.",
     "countries": ["Nigeria"], "themes": "Diaspora engagement; Remittances", "partners": [],
     "url": "https://example.org/2"},
    {"id": "3", "title": "Remittance price comparison website in Sweden", "year": 2017,
     "summary": "A website compares the cost of sending money from Sweden to other countries.",
     "countries": ["Sweden"], "themes": "Remittances", "partners": ["Swedish Consumer Agency"],
     "url": "https://example.org/3"},
    {"id": "4", "title": "Nurses from the Philippines trained for Germany", "year": 2019,
     "summary": "A skills partnership trains nurses in the Philippines before they move to Germany.",
     "countries": ["Philippines", "Germany"], "themes": "Labour migration; Skills", "partners": [],
     "url": "https://example.org/4"},
]


def write_records(folder: Path, records: list, name: str = "practices.jsonl", mapping: str = MAPPING) -> Path:
    path = folder / name
    if name.endswith(".json"):
        path.write_text(json.dumps(records), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (folder / f"{name}.mapping.toml").write_text(mapping, encoding="utf-8")
    return path


# --- loading records -----------------------------------------------------------------------------


def test_each_record_becomes_one_document_with_its_fields_and_facets(tmp_path):
    path = write_records(tmp_path, PRACTICES)
    docs, problems = load_records(path, _mapping())
    assert problems == []
    assert [d.doc_id for d in docs] == ["p-1", "p-2", "p-3", "p-4"]
    first = docs[0]
    assert first.title == PRACTICES[0]["title"] and first.year == 2012 and first.doc_type == "practice"
    assert first.source == "https://example.org/1"
    assert first.text == f"Summary: {PRACTICES[0]['summary']}\n\nCountries: Canada; Mexico."
    assert first.facets == {"country": ["Canada", "Mexico"], "theme": ["Labour migration", "Circular migration"],
                            "organisation": ["International Labour Organization (ILO)"]}
    assert "organisation" not in docs[1].facets  # an empty list gives no facet


def _mapping():
    import tomllib

    return parse_mapping(tomllib.loads(MAPPING), "test mapping")


def test_bad_records_are_skipped_naming_line_and_field_and_the_rest_go_in(tmp_path):
    bad_year = {**PRACTICES[1], "year": "sometime"}
    bad_facet = {**PRACTICES[2], "countries": [{"name": "Sweden"}]}
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join([json.dumps(PRACTICES[0]), json.dumps(bad_year), "[1, 2]", "{not json",
                               json.dumps(bad_facet), json.dumps({"id": "9"}), json.dumps(PRACTICES[3])]) + "\n")
    docs, problems = load_records(path, _mapping())
    assert [d.doc_id for d in docs] == ["p-1", "p-4"]
    found = {p.where: p.reason for p in problems}
    assert set(found) == {"line 2", "line 3", "line 4", "line 5", "line 6"}
    assert "'year'" in found["line 2"] and "sometime" in found["line 2"]
    assert "not a JSON object but an array" in found["line 3"]
    assert "invalid JSON" in found["line 4"]
    assert "'countries'" in found["line 5"]
    assert "'title'" in found["line 6"] and "missing" in found["line 6"]


def test_a_json_record_that_is_not_an_object_is_skipped_naming_its_index(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps([PRACTICES[0], "just a string", PRACTICES[1]]))
    docs, problems = load_records(path, _mapping())
    assert [d.doc_id for d in docs] == ["p-1", "p-2"]
    assert [(p.where, "not a JSON object but a string" in p.reason) for p in problems] == [("record 1", True)]
    path.write_text(json.dumps({"records": []}))
    with pytest.raises(LoadError, match="JSON array"):
        load_records(path, _mapping())


def test_duplicate_ids_in_one_file_are_reported_and_the_first_kept(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [PRACTICES[0], PRACTICES[1], {**PRACTICES[0], "title": "Again"}]))
    docs, problems = load_records(path, _mapping())
    assert [d.title for d in docs] == [PRACTICES[0]["title"], PRACTICES[1]["title"]]
    assert len(problems) == 1 and problems[0].where == "line 3"
    assert "duplicate record id '1'" in problems[0].reason and "line 1" in problems[0].reason


def test_a_facet_value_over_200_characters_is_cut_not_refused(tmp_path):
    long_theme = "Migration " * 40
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({**PRACTICES[0], "themes": long_theme}))
    docs, problems = load_records(path, _mapping())
    assert problems == []
    (theme,) = docs[0].facets["theme"]
    assert len(theme) <= FACET_MAX_CHARS and long_theme.startswith(theme)


def test_csv_with_a_missing_mapped_column_is_refused_naming_the_column(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,title,summary,year,url,themes,partners\n1,A title,Some text,2010,https://x,A;B,\n")
    with pytest.raises(LoadError, match="column 'countries'"):
        load_records(path, _mapping())
    path.write_text("id,title,summary,countries,year,url,themes,partners\n"
                    "1,A title,Some text,Mali,2010,https://x,A;B,\n2,B title,More,Chad,20x0,https://y,C,\n")
    docs, problems = load_records(path, _mapping())
    assert [d.doc_id for d in docs] == ["p-1"] and docs[0].facets["theme"] == ["A", "B"]
    assert problems[0].where == "line 3" and "'year'" in problems[0].reason


def test_bad_mappings_name_the_key():
    with pytest.raises(LoadError, match="unknown mapping key 'titel'"):
        parse_mapping({"id": "id", "titel": "t"}, "m")
    with pytest.raises(LoadError, match="'title'"):
        parse_mapping({"id": "id"}, "m")
    with pytest.raises(LoadError, match="facet name 'Country'"):
        parse_mapping({"id": "id", "title": "t", "facets": {"Country": "c"}}, "m")


def test_delimited_values_are_not_split_inside_parentheses():
    donors = "European Union (EU, DG INTPA), Government of Italy, UN Women"
    assert split_outside_parentheses(donors, ",") == ["European Union (EU, DG INTPA)", "Government of Italy",
                                                      "UN Women"]


def test_file_keys_match_urls_to_local_names():
    url = ("https://evaluation.iom.int/sites/g/files/tmzbdl151/files/docs/resources/"
           "Annex%20VI%20Case%20Study%20-%20RDH%20East%2C%20Horn%20and%20Southern%20Africa.pdf")
    assert file_key(url) == file_key("Annex_VI_Case_Study_-_RDH_East_Horn_and_Southern_Africa.pdf")
    assert file_key(url) != file_key("Annex_VII_Case_Study_-_RDH_Asia-Pacific.pdf")


# --- ingest and facets ---------------------------------------------------------------------------


@pytest.fixture
def practices_engine(tmp_path, embedder):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_records(folder, PRACTICES)
    (folder / "note.md").write_text("# Note on the Philippines\n\nThe Philippines and Nepal send nurses abroad.\n")
    engine = make_engine(tmp_path / "index", embedder, corpus_root=folder)
    report = engine.ingest([folder], progress=False)
    assert report.skipped == [] and sorted(report.ingested) == ["note", "p-1", "p-2", "p-3", "p-4"]
    return engine, folder


def test_records_and_files_ingest_together_and_unchanged_records_are_not_re_embedded(practices_engine):
    engine, folder = practices_engine
    assert engine.stats()["documents"] == 5
    again = engine.ingest([folder], progress=False)
    assert again.ingested == [] and sorted(again.unchanged) == ["note", "p-1", "p-2", "p-3", "p-4"]
    assert again.chunks_embedded == 0
    records = [dict(r) for r in PRACTICES]
    records[1]["title"] = "Diaspora bonds for homes in Nigeria"
    write_records(folder, records[:3])  # one changed, one gone
    changed = engine.ingest([folder], progress=False)
    assert changed.ingested == ["p-2"] and changed.removed == []
    pruned = engine.ingest([folder], prune=True, progress=False)
    assert pruned.removed == ["p-4"] and engine.stats()["documents"] == 4


def test_facet_counts_on_a_corpus_where_they_are_known(practices_engine):
    engine, _ = practices_engine
    facets = ["theme", "year", "doc_type", "country"]
    result = engine.search(SearchQuery("workers nurses", k=1, mode="bm25", facets=facets))
    # in bm25 only p-1 (workers), p-4 and the note (nurses) match; the counts cover all three, not the top k
    assert len(result.hits) == 1
    counts = {f: {c.value: c.count for c in cs} for f, cs in result.facets.items()}
    assert counts["theme"] == {"Labour migration": 2, "Circular migration": 1, "Skills": 1}
    assert counts["year"] == {"2012": 1, "2019": 1}
    assert counts["doc_type"] == {"practice": 2}
    assert counts["country"] == {"Philippines": 2, "Canada": 1, "Germany": 1, "Mexico": 1, "Nepal": 1}
    assert [c.value for c in result.facets["country"]][:1] == ["Philippines"]  # most documents first
    dense = engine.search(SearchQuery("money sent home by migrants", k=10, mode="dense", facets=["year"]))
    assert sum(c.count for c in dense.facets["year"]) == 4  # every dated document is among the first 100 passages


def test_where_filters_act_before_ranking_and_never_empty_a_result_with_matches(practices_engine):
    engine, _ = practices_engine
    for mode in ("bm25", "dense", "hybrid"):
        hits = engine.search(SearchQuery("nurses", k=5, mode=mode, filters=Filters(where={"country": ["Sweden"]}))).hits
        assert {h.doc_id for h in hits} <= {"p-3"}
        if mode != "bm25":  # bm25 finds "nurses" nowhere in p-3; dense and hybrid still rank it
            assert [h.doc_id for h in hits] == ["p-3"]
    either = engine.search(SearchQuery("workers", 10, "dense", Filters(where={"country": ["sweden", "Nigeria"]}))).hits
    assert {h.doc_id for h in either} == {"p-2", "p-3"}  # values of one facet: any; case does not matter
    both = engine.search(SearchQuery("workers", 10, "dense", Filters(where={
        "country": ["Nigeria", "Sweden"], "year": ["2017"], "theme": ["remittances"]
    }))).hits
    assert {h.doc_id for h in both} == {"p-2", "p-3"}
    assert engine.search(SearchQuery("workers", k=10, mode="dense", filters=Filters(where={"country": ["Atlantis"]}))).hits == []


def test_a_file_gets_country_and_organisation_facets_from_its_actor_mentions(practices_engine):
    engine, _ = practices_engine
    where = Filters(where={"country": ["Nepal"]})
    result = engine.search(SearchQuery("nurses abroad", k=10, mode="bm25", filters=where, facets=["country"]))
    assert [h.doc_id for h in result.hits] == ["note"]
    assert result.hits[0].facets == {"country": ["Philippines", "Nepal"]}
    assert {c.value: c.count for c in result.facets["country"]} == {"Philippines": 1, "Nepal": 1}


def test_an_unknown_facet_name_is_an_error_naming_it(practices_engine):
    engine, _ = practices_engine
    with pytest.raises(SearchError, match="unknown facet 'colour'"):
        engine.search(SearchQuery("migration", facets=["colour"]))
    with pytest.raises(SearchError, match="unknown facet 'colour'"):
        engine.search(SearchQuery("migration", filters=Filters(where={"colour": ["red"]})))
    # a known facet no document carries is not an error: its counts are empty
    assert engine.search(SearchQuery("migration", mode="bm25", facets=["language"])).facets == {"language": []}


def test_a_record_id_already_taken_by_another_file_is_skipped_and_the_first_kept(practices_engine, tmp_path):
    engine, folder = practices_engine
    other = tmp_path / "other"
    other.mkdir()
    write_records(other, [{**PRACTICES[0], "title": "Another file's record"}, {**PRACTICES[1], "id": "5"}])
    report = engine.ingest([other], progress=False)
    assert report.ingested == ["p-5"]
    assert [s.reason for s in report.skipped] == [
        f"record id '1' gives document id 'p-1', already used by {(folder / 'practices.jsonl').resolve()}"]
    assert engine.document("p-1").title == PRACTICES[0]["title"]


def test_a_records_file_without_a_mapping_is_skipped_naming_the_sidecar_to_write(tmp_path, embedder):
    path = tmp_path / "loose.json"
    path.write_text(json.dumps(PRACTICES))
    engine = make_engine(tmp_path / "index", embedder, corpus_root=tmp_path)
    report = engine.ingest([path], progress=False)
    assert report.ingested == [] and len(report.skipped) == 1
    assert "no field mapping" in report.skipped[0].reason and "loose.json.mapping.toml" in report.skipped[0].reason
