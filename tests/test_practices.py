"""Good practices as units, and facets, on the sample corpus: engine, CLI and HTTP API."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from conftest import CORPUS
from gfmd_search.records import Filters, SearchQuery
from gfmd_search_api.main import create_app

QUERY = "what has GFMD said about skills partnerships?"
CANADA = "pfp-bilateral-agreement-on-circular-migration-between-canada"


def _practices() -> dict[str, dict]:
    lines = (CORPUS / "practices" / "pfp-practices.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


@pytest.fixture(scope="module")
def client(sample_engine) -> TestClient:
    with TestClient(create_app(sample_engine, warm_up=False), base_url="http://localhost") as c:
        yield c


def test_a_search_shows_practices_as_units_not_pages(sample_engine):
    hits = sample_engine.search(SearchQuery(QUERY, k=5, filters=Filters(doc_types=["practice"]), group=True)).hits
    records = _practices()
    assert len(hits) == 5 and len({h.doc_id for h in hits}) == 5
    for hit in hits:
        record = records[hit.doc_id]
        assert hit.title.startswith(record["title"].removesuffix(" (uncertain)"))
        assert hit.source == record["source_url"]
        assert hit.facets.get("country", []) == record["countries"]
        assert hit.facets.get("theme") == record["themes"]
        assert "Source: " not in hit.text  # one practice per passage: no run-on into the next


def test_related_practices_for_a_query_carry_countries_partners_and_link(sample_engine):
    found = sample_engine.practices("circular migration of workers from Mauritius", k=3)
    records = _practices()
    assert found and len(found) <= 3
    assert found[0].doc_id in {CANADA, "pfp-partnership-agreements-between-france-and-mauritius-regard",
                               "pfp-mauritius-circular-migration-case"}
    for p in found:
        r = records[p.doc_id]
        assert (p.countries, p.partners, p.themes, p.link) == (r["countries"], r["partners"], r["themes"],
                                                               r["source_url"])
    only = sample_engine.practices("circular migration", k=10, filters=Filters(where={"country": ["France"]}))
    assert only and all("France" in p.countries for p in only)


def test_related_practices_for_a_document(sample_engine):
    found = sample_engine.similar_practices("gfmd-2012-port-louis", k=4)
    assert len(found) == 4 and len({p.doc_id for p in found}) == 4
    assert all(p.doc_id in _practices() for p in found)
    assert CANADA not in {p.doc_id for p in sample_engine.similar_practices(CANADA, k=10)}


def test_facet_counts_on_the_sample_corpus(sample_engine):
    result = sample_engine.search(SearchQuery("remittances", k=3, mode="bm25", facets=["doc_type", "country"]))
    records = _practices()
    # bm25: the matching documents are those with "remittances" in their text or title
    matching = [r for r in records.values() if "remitt" in (r["title"] + r["summary"]).lower()]
    counts = {c.value: c.count for c in result.facets["doc_type"]}
    assert counts["practice"] == len(matching)
    sweden = sum("Sweden" in r["countries"] for r in matching)
    assert sweden and {c.value: c.count for c in result.facets["country"]}["Sweden"] >= sweden


# --- HTTP API ------------------------------------------------------------------------------------


def test_api_search_with_facets_and_where(client):
    body = client.get("/search", params=[("q", "labour migration"), ("facets", "country"), ("facets", "theme"),
                                         ("where", "country=Philippines")]).json()
    assert body["hits"] and all("Philippines" in h["facets"].get("country", []) for h in body["hits"])
    assert body["filters"]["where"] == {"country": ["Philippines"]}
    countries = {c["value"]: c["count"] for c in body["facets"]["country"]}
    total = client.get("/search", params=[("q", "labour migration"), ("facets", "doc_type"),
                                          ("where", "country=Philippines")]).json()
    assert countries["Philippines"] == sum(c["count"] for c in total["facets"]["doc_type"])
    plain = client.get("/search", params={"q": "labour migration"}).json()
    assert plain["facets"] is None


def test_api_unknown_facet_is_a_4xx_naming_it(client):
    for params in ({"q": "remittances", "facets": "colour"}, {"q": "remittances", "where": "colour=red"}):
        r = client.get("/search", params=params)
        assert r.status_code == 422 and "colour" in r.json()["detail"], r.text
    r = client.get("/search", params={"q": "remittances", "where": "country"})
    assert r.status_code == 422 and "FACET=VALUE" in r.json()["detail"]


def test_api_practices_and_similar_practices(client):
    body = client.get("/practices", params={"q": "diaspora engagement", "k": 5}).json()
    assert body["count"] == len(body["practices"]) == 5
    first = body["practices"][0]
    assert first["doc_id"].startswith("pfp-") and first["link"].startswith("http")
    assert {"countries", "partners", "themes"} <= first.keys()
    r = client.get(f"/documents/{CANADA}/similar", params={"doc_type": "practice", "k": 4})
    assert r.status_code == 200, r.text
    similar = r.json()
    assert len(similar["practices"]) == 4 and CANADA not in {p["doc_id"] for p in similar["practices"]}
    assert len({h["doc_id"] for h in similar["hits"]}) == 4
    assert client.get(f"/documents/{CANADA}/similar", params={"doc_type": "poem"}).status_code == 422
