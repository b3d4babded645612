"""Search: dense, BM25 or hybrid ranking of chunks, with filters applied first."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .aggregate import by_document
from .citation import cite
from .config import MODES, Settings
from .duplicates import collapse as collapse_duplicates
from .embedding import Embedder
from .facets import FacetError
from .fusion import fuse
from .passage_kinds import demote_tables
from .quotes import QUOTE_POOL, is_quotation, quotations_first
from .records import Filters, Hit, SearchQuery, SearchResult
from .snippets import query_spans, snippet
from .store import IndexReader

HIT_FIELDS = ("year", "doc_type")
"""Facets a hit already shows as fields of its own."""
DUPLICATE_DEPTH = 3  # with collapsing, this many times k passages are ranked to fill k distinct hits


class SearchError(ValueError):
    """The query or its options are not valid."""


class Searcher:
    """Ranks the chunks of one index version for a query."""

    def __init__(self, reader: IndexReader, embedder: Embedder, settings: Settings):
        self.reader = reader
        self.embedder = embedder
        self.settings = settings

    def rank(self, query: str, k: int, mode: str | None = None, filters: Filters | None = None) -> list[tuple[int, float]]:
        """The top `k` chunk rows and their scores (the path every caller takes); passages that
        hold a quoted query word for word come first (quotes.py)."""
        if not is_quotation(query):
            return self._rank(query, k, mode, filters)
        ranked = self._rank(query, max(k, QUOTE_POOL), mode, filters)
        texts = self.reader.texts([r for r, _ in ranked])
        return quotations_first(ranked, texts, query)[:k]

    def _rank(self, query: str, k: int, mode: str | None, filters: Filters | None) -> list[tuple[int, float]]:
        mode = mode or self.settings.mode
        if mode not in MODES:
            raise SearchError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        if not query.strip():
            raise SearchError("the query is empty")
        mask = self.filter_mask(filters or Filters())
        allowed = self.reader.size if mask is None else int(mask.sum())
        depth = min(max(k, self.settings.candidates), allowed)
        if depth == 0:
            return []
        if mode == "bm25":
            rows, scores = self.reader.lexical.score(query).top(min(k, depth), mask)
            return list(zip(rows.tolist(), scores.tolist()))
        query_vector = self.embedder.encode_query(query)
        dense_rows, dense_scores = self.reader.dense(query_vector, depth, mask, self.settings.ann_nprobe)
        if mode == "dense":
            return list(zip(dense_rows[:k].tolist(), dense_scores[:k].tolist()))
        lexical = self.reader.lexical.score(query)
        best_lexical, _ = lexical.top(depth, mask)
        rows = np.array(list(dict.fromkeys(dense_rows.tolist() + best_lexical.tolist())), dtype=np.int64)
        # the dense rows lead `rows` and are scored already; only the lexical ones are looked up
        similarity = np.concatenate([dense_scores, self.reader.similarity(query_vector[0], rows[len(dense_rows):])])
        fused = fuse(
            self.settings.fusion,
            similarity,
            lexical.at(rows),
            self.settings.dense_weight,
            self.settings.rrf_k,
        )
        fused = demote_tables(fused, self.reader.is_table(rows), query)
        order = np.argsort(-fused, kind="stable")[:k]
        return [(int(rows[i]), float(fused[i])) for i in order]

    def filter_mask(self, f: Filters) -> np.ndarray | None:
        """Boolean mask over chunk rows for the metadata and facet filters; None when unfiltered."""
        mask = self.reader.filter_mask(
            f.year_from, f.year_to, f.doc_types, f.sources, None, f.exclude_doc_ids, f.languages, f.kinds
        )
        if not f.where:
            return mask
        try:
            by_facets = self.reader.facets.doc_mask(f.where)[self.reader.chunk_doc_index]
        except FacetError as exc:
            raise SearchError(str(exc)) from None
        return by_facets if mask is None else mask & by_facets

    def search(self, query: SearchQuery) -> SearchResult:
        """Top passages (or, with `group`, the best passage of each top document) with snippets, and
        per facet asked for the counts of the matching documents: those with a passage among the first
        `facet_passages` the query ranks under the same mode and filters (facets.py).

        With `collapse` (default: the setting), a passage nearly repeating a better
        one is not shown again but listed in that one's `also_in`.
        """
        q = query
        if q.k < 1:
            raise SearchError("k must be at least 1")
        table = self.reader.facets
        try:
            names = list(dict.fromkeys(table.check(name) for name in q.facets))
        except FacetError as exc:
            raise SearchError(str(exc)) from None
        collapse = self.settings.collapse_duplicates if q.collapse is None else q.collapse
        shown = q.k * DUPLICATE_DEPTH if collapse else q.k
        counted = self.settings.facet_passages if names else 0
        ranked = self.rank(q.text, max(counted, shown * 5 if q.group else shown), q.mode, q.filters)
        counts = {}
        if names:
            matching = np.zeros(table.n_docs, dtype=bool)
            matching[self.reader.chunk_doc_index[[r for r, _ in ranked[:counted]]]] = True
            counts = {name: table.counts(matching, name) for name in names}
        hits = self.hits(self._pick(ranked, shown, q.group), q.text)
        return SearchResult(collapse_duplicates(hits, q.k) if collapse else hits, counts)

    def _pick(self, ranked: list[tuple[int, float]], k: int, group: bool) -> list[tuple[int, float]]:
        """The first `k` passages, or with `group` the best passage of each of the first `k` documents."""
        if not group:
            return ranked[:k]
        return [(row, score) for _, row, score in by_document(ranked, self.reader.chunk_doc_index, "max", k)]

    def similar(self, doc_id: str, k: int = 10, filters: Filters | None = None, group: bool = False) -> list[Hit]:
        """Passages of other documents (with `group`, one per document) nearest the centroid of this
        document's passages, under the filters."""
        rows = [c["row"] for c in self.reader.chunks_of(doc_id)]
        if not rows:
            raise SearchError(f"no document {doc_id!r} in the index")
        centroid = self.reader.vectors_at(np.array(rows)).mean(axis=0, keepdims=True)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        f = filters or Filters()
        mask = self.filter_mask(replace(f, exclude_doc_ids=[*(f.exclude_doc_ids or []), doc_id]))
        allowed = int(mask.sum()) if mask is not None else self.reader.size
        if allowed == 0:
            return []
        depth = min(k * 5 if group else k, allowed)
        found, scores = self.reader.dense(centroid.astype(np.float32), depth, mask, self.settings.ann_nprobe)
        return self.hits(self._pick(list(zip(found.tolist(), scores.tolist())), k, group), "")

    def hits(self, ranked: list[tuple[int, float]], query: str) -> list[Hit]:
        """Hits for ranked chunk rows, with the query's terms marked and the snippet's page cited."""
        rows = self.reader.chunk_rows([r for r, _ in ranked])
        positions = self.reader.chunk_doc_index[[r for r, _ in ranked]].tolist()
        facets = self.reader.facets.of_documents(positions)
        hits = []
        for c, (_, score), position in zip(rows, ranked, positions):
            spans = query_spans(c["text"], query, self.reader.analyzer, c["language"])
            page, note = cite(c, spans)
            hits.append(
                Hit(
                    doc_id=c["doc_id"],
                    chunk_id=c["row"],
                    title=c["title"],
                    year=c["year"],
                    page=page,
                    page_end=c["page_end"],
                    section=c["section"],
                    score=round(score, 6),
                    snippet=snippet(c["text"], spans),
                    source=c["source"],
                    doc_type=c["doc_type"],
                    text=c["text"],
                    facets={name: v for name, v in facets[position].items() if name not in HIT_FIELDS},
                    kind=c["kind"],
                    note=note,
                    language=c["language"],
                )
            )
        return hits
