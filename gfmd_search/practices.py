"""Related good practices: practice records (doc_type "practice") returned as units, for a query or a document."""

from __future__ import annotations

from dataclasses import replace

from .records import Filters, Hit, Practice, SearchQuery
from .search import Searcher

PRACTICE = "practice"
"""The document type of a good-practice record (the sample corpus' PfP mapping sets it)."""


def practice_of(hit: Hit) -> Practice:
    """A practice from the best hit of its record: its countries, partners, themes and link."""
    return Practice(
        doc_id=hit.doc_id,
        title=hit.title,
        year=hit.year,
        countries=hit.facets.get("country", []),
        partners=hit.facets.get("organisation", []),
        themes=hit.facets.get("theme", []),
        link=hit.source,
        score=hit.score,
        snippet=hit.snippet,
    )


def for_query(searcher: Searcher, query: str, k: int = 10, filters: Filters | None = None) -> list[Practice]:
    """The `k` practices that best answer a query, one per record, under the filters."""
    only = replace(filters or Filters(), doc_types=[PRACTICE])
    return [practice_of(h) for h in searcher.search(SearchQuery(query, k, filters=only, group=True)).hits]


def for_document(searcher: Searcher, doc_id: str, k: int = 10) -> list[Practice]:
    """The `k` practices closest in meaning to a document (itself left out)."""
    return [practice_of(h) for h in searcher.similar(doc_id, k, Filters(doc_types=[PRACTICE]), group=True)]
