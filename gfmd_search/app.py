"""The application object: one Settings, one index, the operations every front end calls.

The CLI, the HTTP API and the evaluation runner all go through `Engine`, so what
is measured is what users run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

from . import partners, practices, recommendation_search
from .config import Settings, load_settings
from .embedding import Embedder
from .ingest import Executor, Ingestor
from .recommendations import stats as recommendation_stats
from .records import (
    Document,
    FacetCount,
    Filters,
    Hit,
    IndexVersion,
    IngestReport,
    Mention,
    Practice,
    Recommendation,
    RecommendationQuery,
    SearchQuery,
    SearchResult,
    StoredChunk,
    StoredDocument,
)
from .search import Searcher
from .segment import AnnParams
from .store import IndexStore


class Engine:
    """Ingest, search, partner suggestion and what the index holds, over one index directory.

    Front ends use these methods and the records they return, never the index reader.
    """

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        """An engine over `settings.index_dir`; `embedder` defaults to the model the settings name, loaded lazily."""
        self.settings = settings or load_settings()
        s = self.settings
        self.store = IndexStore(s.index_dir, AnnParams(s.ann_threshold, s.ann_lists), s.merge_factor)
        self._lock = threading.RLock()  # searcher() takes it, then the embedder does
        self._searcher: Searcher | None = None
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        """The encoder of chunks and queries (one per engine)."""
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    s = self.settings
                    self._embedder = Embedder(s.model, s.device, s.batch_size, s.backend, s.fp16)
        return self._embedder

    def warm_up(self) -> None:
        """Open the live index, load the model and compile the BM25 pass (a hybrid query), so that the
        first query is not slow."""
        self.searcher().rank("warm up", 1)

    @cached_property
    def partner_model(self) -> partners.ModelChoice:
        """The partner model the `partner_model` setting names (the voting model if a ranker fails to load)."""
        return partners.choose_model(self.settings.partner_model)

    def searcher(self) -> Searcher:
        """The searcher over the live index version, reopened when an ingest swapped it."""
        live = self.store.current()
        current = self._searcher
        if current is not None and current.reader.version == live:
            return current
        with self._lock:
            if self._searcher is None or self._searcher.reader.version != self.store.current():
                self._searcher = Searcher(self.store.open(), self.embedder, self.settings)
            return self._searcher

    def search(self, query: SearchQuery) -> SearchResult:
        """Top passages for a query, near-duplicates collapsed unless `query.collapse` is False, and
        the counts of the facets asked for over the documents matching it."""
        return self.searcher().search(query)

    def partners(
        self,
        text: str,
        k: int = 10,
        types: list[str] | None = None,
        exclude: list[str] | None = None,
        filters: Filters | None = None,
    ) -> partners.Suggestions:
        """Actors ranked by the evidence of the passages and documents relevant to `text`."""
        return partners.suggest(self.searcher(), text, k, types, exclude, filters, self.partner_model)

    def practices(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Practice]:
        """Related good practices for a query: practice records as units."""
        return practices.for_query(self.searcher(), query, k, filters)

    def similar_practices(self, doc_id: str, k: int = 10) -> list[Practice]:
        """Related good practices for a document."""
        return practices.for_document(self.searcher(), doc_id, k)

    def recommendations(self, query: RecommendationQuery) -> list[Recommendation]:
        """Recommendation units ranked for a query, or a document's in order."""
        return recommendation_search.find(self.searcher(), query)

    def ingest(
        self, paths: Iterable[Path], prune: bool = False, progress: bool = True, executor: Executor | None = None
    ) -> IngestReport:
        """Ingest files and folders into the index (parsing and embedding on `executor` when given)."""
        return self._ingestor().ingest_paths(paths, prune, progress, executor)

    def ingest_documents(self, documents: Iterable[Document], progress: bool = True) -> IngestReport:
        """Ingest ready-made documents into the index."""
        return self._ingestor().ingest_documents(documents, progress)

    def remove(self, doc_ids: list[str]) -> IngestReport:
        """Delete documents from the index."""
        return self._ingestor().remove(doc_ids)

    def optimize(self) -> bool:
        """Merge every segment into one without deleted rows; False when there was nothing to do."""
        with self.store.writing():
            return self.store.merge(None) if self.store.current() else False

    def _ingestor(self) -> Ingestor:
        return Ingestor(self.settings, self.embedder, self.store)

    def documents(self) -> list[StoredDocument]:
        """Every document of the live index, by id."""
        return [_stored_document(row) for row in self.searcher().reader.documents()]

    def document(self, doc_id: str) -> StoredDocument | None:
        """A document's metadata, or None when the index does not hold it."""
        row = self.searcher().reader.document(doc_id)
        return _stored_document(row) if row is not None else None

    def chunks(self, doc_id: str) -> list[StoredChunk]:
        """A document's passages in order (none for an unknown document)."""
        return [_stored_chunk(row) for row in self.searcher().reader.chunks_of(doc_id)]

    def mentions(self, rows: list[int]) -> dict[int, list[Mention]]:
        """The actor mentions of chunk rows of the live version."""
        return self.searcher().reader.mentions(rows)

    def version(self) -> IndexVersion:
        """The live index version (raises StoreError when there is no index)."""
        reader = self.searcher().reader
        m = reader.manifest
        return IndexVersion(reader.version.name, m["created"], int(m["documents"]), int(m["chunks"]))

    def facets(self, names: Iterable[str]) -> dict[str, list[FacetCount]]:
        """Per facet (facets.py), the values the live index's documents carry, each with its count of
        documents, most first: what `search` counts for a query's facets, over every document."""
        table = self.searcher().reader.facets
        return {table.check(name): table.totals(name) for name in names}

    def similar(self, doc_id: str, k: int = 10, filters: Filters | None = None, group: bool = False) -> list[Hit]:
        """Passages of other documents closest to this document's own passages."""
        return self.searcher().similar(doc_id, k, filters, group)

    def stats(self) -> dict[str, Any]:
        """Counts, model and settings of the live index (JSON-ready)."""
        reader = self.searcher().reader
        m = reader.manifest
        return {
            "index": str(self.store.root),
            "version": reader.version.name,
            "created": m["created"],
            "documents": m["documents"],
            "chunks": m["chunks"],
            "model": m["model"],
            "dimension": m["dimension"],
            "settings": m["settings"],
            "segments": len(reader.segments),
            "bytes": reader.disk_bytes(),
            "partner_model": self.partner_model.describe(),
            "recommendations": recommendation_stats(recommendation_search.units(reader).units),
            **_languages(reader.documents(), m["settings"].get("language", "en")),
        }


def _languages(documents: list[dict[str, Any]], default: str) -> dict[str, Any]:
    """Documents per language, and those whose language the detector was unsure of."""
    counts: dict[str, int] = {}
    for d in documents:
        counts[d["language"] or default] = counts.get(d["language"] or default, 0) + 1
    unsure = [d["doc_id"] for d in documents if not d["language_detected"]]
    return {"languages": counts, "language_unsure": {"default": default, "documents": unsure}}


def _stored_document(row: dict[str, Any]) -> StoredDocument:
    return StoredDocument(
        row["doc_id"], row["title"], row["year"], row["doc_type"], row["meeting"], row["source"], row["path"],
        row["pages"], row.get("extra") or {},
    )


def _stored_chunk(row: dict[str, Any]) -> StoredChunk:
    return StoredChunk(
        row["doc_id"], row["ordinal"], row["text"], row["page_start"], row["page_end"], row["section"],
        row["char_start"], row["char_end"], row["text_hash"], row.get("kind") or "body", row=row["row"],
    )
