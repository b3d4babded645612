"""Search over the sample corpus: modes, filters before ranking, grouping, snippets, fusion."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import make_engine
from gfmd_search import lexical
from gfmd_search.fusion import fuse
from gfmd_search.fusion.convex import min_max
from gfmd_search.fusion.rrf import ranks
from gfmd_search.lexical import Analyzer, LexicalIndex, Postings
from gfmd_search.records import Document, Filters, Page, SearchQuery
from gfmd_search.search import SearchError
from gfmd_search.snippets import query_spans, snippet


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_each_mode_finds_the_meeting_that_a_query_names(sample_engine, mode):
    hits = sample_engine.search(SearchQuery("roundtables of the GFMD summit in Marrakesh 2018", k=5, mode=mode)).hits
    assert hits and "gfmd-2018-marrakesh" in [h.doc_id for h in hits[:3]]
    assert all(h.score >= hits[-1].score for h in hits)


def test_pdf_hits_carry_their_page(sample_engine):
    hits = sample_engine.search(SearchQuery("Port Louis 2012 roundtable", k=10, filters=Filters(year_from=2012, year_to=2012))).hits
    assert hits and {h.doc_id for h in hits} == {"gfmd-2012-port-louis"}
    assert {h.page for h in hits} > {1}
    assert all(h.source.startswith("http") for h in hits)


def test_filters_apply_before_ranking_so_they_never_empty_a_result(sample_engine):
    query = "diaspora engagement and remittances"
    unfiltered = sample_engine.search(SearchQuery(query, k=3)).hits
    assert all(h.year != 2011 for h in unfiltered)
    filtered = sample_engine.search(SearchQuery(query, k=3, filters=Filters(year_from=2011, year_to=2011))).hits
    assert len(filtered) == 3 and {h.doc_id for h in filtered} == {"gfmd-2011-geneva"}
    by_type = sample_engine.search(SearchQuery(query, k=5, filters=Filters(doc_types=["practice"]))).hits
    assert by_type and all(h.doc_type == "practice" for h in by_type)
    assert sample_engine.search(SearchQuery(query, k=5, filters=Filters(year_from=1990, year_to=1991))).hits == []


def test_grouping_returns_one_passage_per_document(sample_engine):
    hits = sample_engine.search(SearchQuery("co-chaired the roundtable", k=5, group=True)).hits
    assert len(hits) == 5 and len({h.doc_id for h in hits}) == 5


def test_snippets_mark_the_query_terms(sample_engine):
    hit = sample_engine.search(SearchQuery("climate change", k=1, mode="bm25")).hits[0]
    assert "<mark>climate</mark>" in hit.snippet.lower() or "<mark>climate" in hit.snippet.lower()


def test_bad_queries_are_refused(sample_engine):
    with pytest.raises(SearchError, match="empty"):
        sample_engine.search(SearchQuery("   "))
    with pytest.raises(SearchError, match="unknown mode"):
        sample_engine.search(SearchQuery("migration", mode="fuzzy"))


def test_similar_passages_come_from_other_documents(sample_engine):
    hits = sample_engine.similar("gfmd-2019-quito", k=5)
    assert len(hits) == 5 and all(h.doc_id != "gfmd-2019-quito" for h in hits)


REPEATED = (
    "Returning migrants who trained as nurses abroad were hired by district clinics, and the ministry "
    "recognised their foreign diplomas within three months of their return."
)


def test_faceted_search_collapses_near_duplicates_as_plain_search_does(tmp_path, embedder):
    """A report and the brief quoting it: the repeated passage is shown once, faceted or not."""
    engine = make_engine(tmp_path / "index", embedder)
    docs = [
        Document("report", "Evaluation report", [Page(1, "Findings.\n\n" + REPEATED)], year=2020, doc_type="report"),
        Document("brief", "Evaluation brief", [Page(1, "In short.\n\n" + REPEATED)], year=2021, doc_type="brief"),
        Document("other", "Seasonal work", [Page(1, "Seasonal farm workers went to Canada for six months.")]),
    ]
    assert len(engine.ingest_documents(docs, progress=False).ingested) == 3
    query = "nurses hired by district clinics after their return"
    plain = engine.search(SearchQuery(query, k=3, mode="bm25")).hits
    faceted = engine.search(SearchQuery(query, k=3, mode="bm25", facets=["year"]))
    for hits in (plain, faceted.hits):
        assert [h.doc_id for h in hits if "district clinics" in h.text] == [hits[0].doc_id]
        assert [a.doc_id for a in hits[0].also_in] == list({"report", "brief"} - {hits[0].doc_id})
    assert {c.value for c in faceted.facets["year"]} == {"2020", "2021"}  # counts still cover both documents
    both = engine.search(SearchQuery(query, k=3, mode="bm25", collapse=False, facets=["year"]))
    assert {h.doc_id for h in both.hits if "district clinics" in h.text} == {"report", "brief"}
    assert all(not h.also_in for h in both.hits)


def test_the_cli_prints_hits_and_facet_counts(sample_index, capsys):
    from gfmd_search_cli.main import main

    args = ["search", "skills partnerships", "--index", str(sample_index), "--k", "3", "--facet", "type", "--json"]
    assert main(args) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["hits"]) == 3 and {"doc_id", "page", "also_in", "facets"} <= set(shown["hits"][0])
    counts = {c["value"]: c["count"] for c in shown["facets"]["doc_type"]}
    assert counts and all(n >= 1 for n in counts.values()) and shown["hits"][0]["doc_type"] in counts


def test_snippet_window_and_escaping():
    analyzer = Analyzer()
    text = "Intro " * 80 + "Migrants send remittances <home> to families. " + "Outro " * 80
    spans = query_spans(text, "remittance", analyzer)
    out = snippet(text, spans, width=120)
    assert "<mark>remittances</mark>" in out and "&lt;home&gt;" in out
    assert out.startswith("…") and out.endswith("…") and len(out) < 200


def test_rrf_and_convex_fusion_by_hand():
    dense = np.array([0.9, 0.5, 0.1])
    bm25 = np.array([1.0, 8.0, 4.0])
    assert ranks(dense).tolist() == [1, 2, 3] and ranks(bm25).tolist() == [3, 1, 2]
    rrf = fuse("rrf", dense, bm25, 0.5, 60)
    assert rrf == pytest.approx([1 / 61 + 1 / 63, 1 / 62 + 1 / 61, 1 / 63 + 1 / 62])
    assert min_max(bm25).tolist() == [0.0, 1.0, pytest.approx(3 / 7)]
    convex = fuse("convex", dense, bm25, 0.75, 60)
    assert convex == pytest.approx([0.75, 0.75 * 0.5 + 0.25, 0.25 * 3 / 7])
    with pytest.raises(ValueError):
        fuse("borda", dense, bm25, 0.5, 60)


def test_bm25_on_threads_and_its_bounded_top_k_equal_one_full_pass(shared_data, monkeypatch):
    """Cranfield in three segments, rows deleted in one, real queries, with and without a filter: the
    scores summed in two slices of rows on two threads equal those of one pass, and the top k (whose
    pass skips the rows below a bound) is the full sort of those scores, ties to the lower row."""
    from gfmd_search_eval.datasets import cranfield

    texts = [f"{d.title}. {d.text}" for d in cranfield.read_documents(shared_data / "cranfield" / "cran.all.1400")]
    queries = list(cranfield.read_queries(shared_data / "cranfield" / "cran.qry").values())[:60]
    analyzer = Analyzer()
    parts, n = [], len(texts)
    for first, end in ((0, 500), (500, 1000), (1000, n)):
        live = np.arange(end - first) % 7 != 3 if first == 500 else None
        parts.append((Postings.build(texts[first:end], analyzer), live, first))
    index = LexicalIndex(parts, analyzer, 1.2, 0.75, n)
    mask = np.random.default_rng(0).random(n) < 0.3
    for query in queries:
        monkeypatch.setattr(lexical, "SLICE_ROWS", 10**9)
        whole = index.score(query).at(np.arange(n))
        monkeypatch.setattr(lexical, "SLICE_ROWS", 300)  # two slices, the cut inside the second segment
        monkeypatch.setattr(lexical, "SLICES", 2)
        assert lexical._slices(n) == [(0, 700), (700, n)]
        sliced = index.score(query)
        assert np.array_equal(sliced.at(np.arange(n)), whole)
        for k in (3, 10, 50):  # the bound of the first 16 k rows is used for k 3 and 10
            for allowed in (None, mask):
                matching = np.flatnonzero((whole > 0) & (True if allowed is None else allowed))
                expected = sorted(matching.tolist(), key=lambda r: (-whole[r], r))[:k]
                rows, scores = sliced.top(k, allowed)
                assert rows.tolist() == expected
                assert np.array_equal(scores, whole[expected])


def test_bm25_scores_and_top_k_are_exact_with_ties_to_the_lower_row():
    texts = [
        "Remittances sent by migrant workers support families at home.",
        "Migrant workers and their remittances.",
        "Skills partnerships between countries of origin and destination.",
        "Migrant workers and their remittances.",  # a tie with row 1
        "Diaspora investment and remittances in rural areas.",
        "Nothing about the query here.",
        "Migrant workers and their remittances.",  # a tie with rows 1 and 3
    ]
    analyzer = Analyzer()
    index = LexicalIndex.build(texts, analyzer, 1.2, 0.75)
    query = "remittances of migrant workers"
    terms = [analyzer.terms(t) for t in texts]
    average = np.mean([len(t) for t in terms])
    expected = np.zeros(len(texts), np.float32)
    for term in set(analyzer.query_terms(query)):
        df = sum(term in t for t in terms)
        idf = np.log(1 + (len(texts) - df + 0.5) / (df + 0.5))
        for row, t in enumerate(terms):
            tf = t.count(term)
            expected[row] += idf * tf / (tf + 1.2 * (1 - 0.75 + 0.75 * len(t) / average))
    scores = index.score(query)
    assert np.allclose(scores.at(np.arange(len(texts))), expected, rtol=1e-5)
    rows, _ = scores.matches()
    assert rows.tolist() == [0, 1, 3, 4, 6]
    order = sorted(rows.tolist(), key=lambda r: (-expected[r], r))
    assert scores.top(2)[0].tolist() == order[:2] == [1, 3]  # the tie goes to the lower rows, row 6 waits
    assert scores.top(100)[0].tolist() == order
    mask = np.array([True, False, True, True, True, True, True])
    assert scores.top(2, mask)[0].tolist() == [3, 6]
    deleted = LexicalIndex([(index.parts[0][0], ~np.eye(len(texts), dtype=bool)[3], 0)], analyzer, 1.2, 0.75, len(texts))
    assert 3 not in deleted.score(query).top(100)[0].tolist() and deleted.score(query).at(np.array([3]))[0] == 0
