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

from . import partners, practices
from .config import Settings, load_settings
from .embedding import Embedder
from .ingest import Ingestor
from .records import Document, Filters, Hit, IngestReport, Partner, Practice, SearchResult
from .search import Searcher
from .store import IndexStore


class Engine:
    """Ingest, search, partner suggestion and statistics over one index directory."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()
        self.store = IndexStore(self.settings.index_dir)
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None

    @cached_property
    def embedder(self) -> Embedder:
        return Embedder(self.settings.model, self.settings.device, self.settings.batch_size)

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

    def search(
        self,
        query: str,
        k: int = 10,
        mode: str | None = None,
        filters: Filters | None = None,
        group: bool = False,
        collapse: bool | None = None,
    ) -> list[Hit]:
        """Top passages for a query; near-duplicates collapsed unless `collapse` is False."""
        return self.searcher().search(query, k, mode, filters, group, collapse)

    def search_faceted(
        self,
        query: str,
        facets: list[str],
        k: int = 10,
        mode: str | None = None,
        filters: Filters | None = None,
        group: bool = False,
    ) -> SearchResult:
        """Top passages and the facet counts of the documents matching the query."""
        return self.searcher().search_faceted(query, facets, k, mode, filters, group)

    def partners(
        self,
        text: str,
        k: int = 10,
        types: list[str] | None = None,
        exclude: list[str] | None = None,
        filters: Filters | None = None,
    ) -> list[Partner]:
        """Actors ranked by the evidence of the passages relevant to `text`."""
        return partners.suggest(self.searcher(), text, k, types, exclude, filters)

    def practices(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Practice]:
        """Related good practices for a query: practice records as units."""
        return practices.for_query(self.searcher(), query, k, filters)

    def similar_practices(self, doc_id: str, k: int = 10) -> list[Practice]:
        """Related good practices for a document."""
        return practices.for_document(self.searcher(), doc_id, k)

    def ingest(self, paths: Iterable[Path], prune: bool = False, progress: bool = True) -> IngestReport:
        """Ingest files and folders into the index."""
        return self._ingestor().ingest_paths(paths, prune, progress)

    def ingest_documents(self, documents: Iterable[Document], progress: bool = True) -> IngestReport:
        """Ingest ready-made documents into the index."""
        return self._ingestor().ingest_documents(documents, progress)

    def remove(self, doc_ids: list[str]) -> IngestReport:
        """Delete documents from the index."""
        return self._ingestor().remove(doc_ids)

    def _ingestor(self) -> Ingestor:
        return Ingestor(self.settings, self.embedder, self.store)

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """A document's metadata and its chunks, or None."""
        reader = self.searcher().reader
        found = reader.document(doc_id)
        if found is not None:
            found["chunks"] = reader.chunks_of(doc_id)
        return found

    def similar(self, doc_id: str, k: int = 10, filters: Filters | None = None, group: bool = False) -> list[Hit]:
        """Passages of other documents closest to this document's own passages."""
        return self.searcher().similar(doc_id, k, filters, group)

    def stats(self) -> dict[str, Any]:
        """Counts, model and settings of the live index."""
        reader = self.searcher().reader
        m = reader.manifest
        size = sum(f.stat().st_size for f in reader.version.rglob("*") if f.is_file())
        return {
            "index": str(self.store.root),
            "version": reader.version.name,
            "created": m["created"],
            "documents": m["documents"],
            "chunks": m["chunks"],
            "model": m["model"],
            "dimension": m["dimension"],
            "settings": m["settings"],
            "bytes": size,
            **_languages(reader.documents(), m["settings"].get("language", "en")),
        }


def _languages(documents: list[dict[str, Any]], default: str) -> dict[str, Any]:
    """Documents per language, and those whose language the detector was unsure of."""
    counts: dict[str, int] = {}
    for d in documents:
        counts[d["language"] or default] = counts.get(d["language"] or default, 0) + 1
    unsure = [d["doc_id"] for d in documents if not d["language_detected"]]
    return {"languages": counts, "language_unsure": {"default": default, "documents": unsure}}
