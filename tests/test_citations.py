"""Citations on real IOM PDFs: the page of the passage, footnotes and tables apart,
near-duplicates collapsed, French analysed as French, the language filter."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import make_engine
from gfmd_search.duplicates import collapse, shown_text
from gfmd_search.languages import detect, with_language
from gfmd_search.lexical import Analyzer
from gfmd_search.loaders import load_document
from gfmd_search.passage_kinds import demote_tables
from gfmd_search.quotes import quotations_first, quote_span
from gfmd_search.records import AlsoIn, Document, Filters, Hit, Page, SearchQuery

FINAL = "Final_Evaluation_Report_Final_Olta_NDOJA.pdf"
BRIEF = "AAP_EN_Evaluation_Brief_final_0.pdf"
REPORT = "AAP_Evaluation_Report_final_.pdf"
INCEPTION = "CS1137-CS1138_Inception_Report_Javier_SANCHEZ_MARTI.pdf"
AFTER_BREAK = (
    "An FGD involving community members in Sudan confirmed the strong stigma in relation to returnees, "
    "but some respondents believed that CBR projects helped them to better reconnect with the community"
)
SHARED = (
    "This may often lead to a fragmented approach where solutions and activities implemented in one area "
    "are not necessarily replicated or extended to other relevant ones."
)
# sentences of FINAL with their page, and the page that says nearly the same (the executive summary, an annex)
REPEATED = {
    "Interviewees mostly agreed that duplication is barely possible, due to the scope of support needed for "
    "return migration and to the fact that the JI-HoA programme has a unique integrated approach to return and "
    "reintegration processes.": (51, 14),
    "Robustness score for the evidence: 4/5. The evaluation team triangulated data obtained from desk research "
    "and interviews with both IOM staff and stakeholders.": (46, 133),
    "This evaluation has found that the financial resources were adequate to meet the programme’s objectives in "
    "terms of achieving the project outcomes and results.": (83, 15),
    "Findings from the debriefing workshop were integrated into the final evaluation report.": (12, 30),
}
FRENCH = "organisations engagées dans la défense des droits des migrants et la prévention des conflits transfrontaliers"


def _pdf(shared_data: Path, name: str, pages: Collection[int] | None = None) -> Document:
    """A real PDF loaded by the production loader, cut to some of its pages (numbers kept)."""
    folder = shared_data / "iom-pdfs"
    if not (folder / name).is_file():
        pytest.skip(f"{folder / name} not found")
    doc = load_document(folder / name, folder)
    return replace(doc, pages=[p for p in doc.pages if pages is None or p.number in pages])


@pytest.fixture(scope="module")
def index(tmp_path_factory, shared_data, embedder):
    """An index of parts of four real PDFs: two in English with a shared sentence, one French, and
    pages of a report that says some things twice in nearly the same words (REPEATED)."""
    docs = [
        _pdf(shared_data, FINAL, [12, 14, 15, 30, 46, 51, 83, 133, *range(70, 76)]),
        _pdf(shared_data, BRIEF),
        _pdf(shared_data, REPORT, range(6, 9)),
        _pdf(shared_data, INCEPTION, range(8, 13)),
    ]
    engine = make_engine(tmp_path_factory.mktemp("citations") / "index", embedder)
    report = engine.ingest_documents(docs, progress=False)
    assert len(report.ingested) == 4, report.skipped
    return engine


def test_passage_after_a_page_break_is_cited_on_its_own_page(index):
    for mode in ("hybrid", "bm25"):
        hit = index.search(SearchQuery(AFTER_BREAK, k=1, mode=mode)).hits[0]
        assert hit.title and "stigma" in hit.text and hit.kind == "body"
        assert hit.page == 73, (mode, hit.page, hit.page_end)


def test_a_sentence_a_report_repeats_is_cited_where_it_is_word_for_word(index):
    for sentence, (page, other) in REPEATED.items():
        for mode in ("hybrid", "bm25", "dense"):
            hits = index.search(SearchQuery(sentence, k=5, mode=mode, collapse=False)).hits
            assert hits[0].page == page, (sentence, mode, [(h.page, h.score) for h in hits])
            assert sentence in shown_text(hits[0]) and "<mark>" in hits[0].snippet
            assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
            if mode == "hybrid":  # the near repeat is still found, below
                assert any(h.page == other for h in hits[1:]), (sentence, [h.page for h in hits])


def test_quote_spans_and_quotations_first():
    text = "Intro. Interviewees mostly AGREED that duplication is—barely—possible, due to scope. End."
    start, end = quote_span(text, "interviewees mostly agreed that duplication is barely possible")
    assert text[start:end] == "Interviewees mostly AGREED that duplication is—barely—possible"
    assert quote_span(text, "mostly agreed that duplication is rarely possible") is None
    assert quote_span(text, "duplication is barely possible") is None  # too short to be a quotation
    assert quote_span("Xinterviewees mostly agreed that duplication is barely possible", text[7:69]) is None
    ranked = [(1, 3.0), (2, 2.5), (3, 2.0), (4, 1.0)]
    texts = ["close words", text, "other", text]
    query = "Interviewees mostly agreed that duplication is barely possible"
    assert quotations_first(ranked, texts, query) == [(2, 4.5), (4, 3.0), (1, 3.0), (3, 2.0)]
    assert quotations_first(ranked, ["a", "b", "c", "d"], query) == ranked


def test_footnotes_are_passages_of_their_own(shared_data, index):
    page = _pdf(shared_data, FINAL, range(72, 73)).pages[0]
    assert "239 FGD with community members in Sudan." in page.notes
    assert "Multiple interviews and FGDs" not in page.text
    hits = index.search(SearchQuery("Multiple interviews and FGDs across the three countries", k=3, mode="bm25")).hits
    assert hits[0].kind == "note" and hits[0].page == 72 and hits[0].note == "237"
    assert hits[0].citation() == "note 237, p. 72"
    body = index.search(SearchQuery("Multiple interviews and FGDs across the three countries", k=10, filters=Filters(kinds=["body"]))).hits
    assert all(h.kind == "body" and "237 Multiple interviews" not in h.text for h in body)
    notes = index.search(SearchQuery("community members in Sudan", k=20, filters=Filters(kinds=["note"]))).hits
    assert notes and all(h.kind == "note" and h.page == h.page_end for h in notes)


def test_a_sentence_in_a_brief_and_its_report_comes_back_once(index):
    hits = index.search(SearchQuery(SHARED, k=5)).hits
    top = hits[0]
    assert len({top.doc_id} | {a.doc_id for a in top.also_in}) == 2, [h.doc_id for h in hits]
    assert not any(other.doc_id in {a.doc_id for a in top.also_in} and "fragmented" in other.text for other in hits[1:])
    both = index.search(SearchQuery(SHARED, k=5, collapse=False)).hits
    assert {h.doc_id for h in both if "fragmented" in h.text} == {top.doc_id} | {a.doc_id for a in top.also_in}
    assert all(not h.also_in for h in both)


def test_a_french_query_finds_its_passage(index):
    hits = index.search(SearchQuery(FRENCH, k=3)).hits
    assert any(h.language == "fr" and h.page == 10 and "transfrontaliers" in h.text for h in hits)
    # by its words: other inflections of the same French words, in BM25 alone
    hits = index.search(SearchQuery("organisation engagée pour la défense du droit des migrants", k=3, mode="bm25")).hits
    assert hits and hits[0].language == "fr" and "défense des droits des migrants" in hits[0].text


def test_language_filter_and_stats(index):
    stats = index.stats()
    assert stats["languages"] == {"en": 3, "fr": 1}
    french = index.search(SearchQuery("migrants", k=10, filters=Filters(languages=["fr"]))).hits
    english = index.search(SearchQuery("migrants", k=10, filters=Filters(languages=["en"]))).hits
    assert french and {h.language for h in french} == {"fr"}
    assert english and {h.language for h in english} == {"en"}


def test_french_and_spanish_analysis():
    analyzer = Analyzer("porter", "en", "en", ("en", "fr"))
    assert analyzer.terms("les migrations transfrontalières", "fr") == ["migrat", "transfrontali"]
    assert analyzer.terms("des droits des migrants", "fr") == analyzer.terms("le droit du migrant", "fr")
    assert "le" in analyzer.terms("les migrations", "en")  # English analysis keeps French stop words
    assert analyzer.terms("los derechos de los migrantes", "es") == analyzer.terms("el derecho del migrante", "es")
    query = analyzer.query_terms("les droits")
    assert set(analyzer.terms("les droits", "fr")) | set(analyzer.terms("les droits", "en")) == set(query)
    assert Analyzer("porter", "en").query_terms("skills partnerships") == Analyzer("porter", "en").terms(
        "skills partnerships"
    )


def test_an_unsure_detector_falls_back_to_the_default():
    assert detect("Les participants ont souligné la nécessité de renforcer la coopération régionale.", "en") == (
        "fr",
        True,
    )
    assert detect("12 34 56 78", "en") == ("en", False)
    doc = with_language(Document("d", "t", [Page(1, "3.2 4.5 17")]), "es")
    assert (doc.language, doc.language_detected) == ("es", False)


def test_a_pdf_without_font_sizes_keeps_notes_in_the_body(tmp_path, caplog):
    content = b"BT /F1 0 Tf 72 720 Td (Body text of the page.) Tj 0 -20 Td (1 A note without a font size.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path = tmp_path / "nosizes.pdf"
    path.write_bytes(bytes(out))
    with caplog.at_level(logging.WARNING):
        doc = load_document(path, tmp_path)
    assert "A note without a font size." in doc.pages[0].text and not doc.pages[0].notes
    assert any("no sizes" in r.getMessage() and "nosizes.pdf" in r.getMessage() for r in caplog.records)


def test_tables_are_their_own_passages_and_lose_to_prose(shared_data):
    page = _pdf(shared_data, "Abridged_Evaluation_Report__Final_Olta_NDOJA.pdf", range(18, 19)).pages[0]
    assert any(t.startswith("1 6 17 1 10 83") and "Djibouti Ethiopia Somalia Sudan" in t for t in page.tables)
    assert "83\n\n58" not in page.text and "Djibouti Ethiopia Somalia Sudan Baseline" not in page.text
    fused = np.array([1.5, 1.0, 0.2])
    kinds = np.array(["table", "body", "note"], dtype=object)
    assert np.argmax(demote_tables(fused, kinds == "table", "returnees supported by the programme")) == 1
    assert np.argmax(demote_tables(fused, kinds == "table", "83 58 29 2017")) == 0


def test_collapse_keeps_the_best_and_lists_the_others():
    def hit(doc: str, snippet: str) -> Hit:
        return Hit(doc, 0, doc.upper(), 2020, 3, 3, None, 1.0, snippet, None, None, snippet)

    same = "The programme reached <mark>returnees</mark> in four countries and improved their livelihoods"
    hits = [hit("report", same), hit("other", "Something else entirely about skills"), hit("brief", "…" + same + ".")]
    kept = collapse(hits, 10)
    assert [h.doc_id for h in kept] == ["report", "other"]
    assert kept[0].also_in == [AlsoIn("brief", "BRIEF", 3)]
