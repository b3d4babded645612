"""Chunking: token budgets from the model's tokenizer, exact offsets, pages and sections."""

from __future__ import annotations

from gfmd_search.chunking import Chunker, embedding_text, is_heading
from gfmd_search.records import Document, Page

SENTENCES = [
    "Skills partnerships link training in countries of origin with jobs in destination countries.",
    "The roundtable recommended that governments recognise qualifications earned abroad.",
    "Employers and trade unions should take part in the design of such schemes.",
    "Several governments reported pilot projects for nurses and care workers.",
    "Remittance costs remain high in many corridors despite commitments to lower them.",
]


def _doc() -> Document:
    page1 = "1. Introduction\n\n" + " ".join(SENTENCES * 3) + "\n\n2. Recommendations\n\n" + " ".join(SENTENCES[:2])
    page2 = " ".join(reversed(SENTENCES * 4)) + "\n\nAnnex on data\n\n" + SENTENCES[4]
    return Document(doc_id="d", title="Report of the roundtable", pages=[Page(1, page1), Page(2, page2)])


def test_chunks_are_exact_spans_within_the_model_budget(embedder):
    doc = _doc()
    chunker = Chunker(embedder.count_tokens, 60, 15)
    chunks = chunker.chunk(doc)
    assert len(chunks) > 4
    for c in chunks:
        assert doc.text[c.char_start : c.char_end] == c.text
        assert embedder.count_tokens([embedding_text(doc, c, True)])[0] <= 60


def test_chunks_know_their_page_and_section(embedder):
    doc = _doc()
    chunks = Chunker(embedder.count_tokens, 60, 15).chunk(doc)
    assert chunks[0].section == "1. Introduction" and chunks[0].page_start == 1
    assert any(c.section == "2. Recommendations" and c.page_start == 1 and c.page_end == 2 for c in chunks)
    last = chunks[-1]
    assert last.section == "Annex on data" and last.page_start == last.page_end == 2
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_consecutive_chunks_overlap_by_whole_sentences(embedder):
    doc = _doc()
    chunks = [c for c in Chunker(embedder.count_tokens, 60, 25).chunk(doc) if c.section == "1. Introduction"]
    assert len(chunks) >= 2
    assert chunks[1].char_start < chunks[0].char_end
    no_overlap = [c for c in Chunker(embedder.count_tokens, 60, 0).chunk(doc) if c.section == "1. Introduction"]
    assert no_overlap[1].char_start >= no_overlap[0].char_end


def test_a_sentence_longer_than_the_model_is_split_not_truncated(embedder):
    words = " ".join(f"migration{i}" for i in range(600))
    doc = Document(doc_id="long", title="T", pages=[Page(1, words)])
    chunks = Chunker(embedder.count_tokens, embedder.max_tokens, 0).chunk(doc)
    assert len(chunks) > 1
    assert " ".join(c.text for c in chunks) == words
    assert max(embedder.count_tokens([embedding_text(doc, c, True) for c in chunks])) <= embedder.max_tokens


def test_heading_detection():
    assert is_heading("3.2 Relevance")
    assert is_heading("EXECUTIVE SUMMARY")
    assert not is_heading("The forum met in Quito.")
    assert not is_heading("a lower-case fragment of a sentence")
