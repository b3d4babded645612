"""What the API knows of one index version (file links, document types, years), computed once per version."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from gfmd_search.app import Engine
from gfmd_search.records import Hit
from gfmd_search.search import Searcher

from .errors import InvalidInput
from .files import corpus_root, file_link
from .models import HitModel


@dataclass
class IndexView:
    """The facts of one index version that answers need."""

    version: str
    documents: int
    file_urls: dict[str, str | None]
    pdf: set[str]
    doc_types: dict[str, int]
    years: list[int]

    def file_url(self, doc_id: str, page: int | None = None) -> str | None:
        """The link to a document's source file (at `page` for a PDF), or None."""
        base = self.file_urls.get(doc_id)
        if base is None:
            return None
        return f"{base}#page={page}" if page and doc_id in self.pdf else base

    def check_types(self, types: list[str] | None, field: str) -> list[str] | None:
        """Document types, which must be types the index holds (case-insensitive)."""
        if not types:
            return None
        known = {t.lower(): t for t in self.doc_types}
        unknown = [t for t in types if t.lower() not in known]
        if unknown:
            listed = ", ".join(repr(t) for t in sorted(self.doc_types)) or "none"
            raise InvalidInput(field, f"unknown document type {unknown[0]!r}; the index holds {listed}")
        return [known[t.lower()] for t in types]


class Views:
    """Caches the IndexView of the live version (rebuilt when an ingest swaps the index, or on reload)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._view: IndexView | None = None
        self._searcher: Searcher | None = None

    def cached(self, engine: Engine) -> IndexView | None:
        """The view if it is of the live version, else None (reads only the index's `current` link)."""
        view, searcher = self._view, self._searcher
        if view is not None and searcher is not None and searcher.reader.version == engine.store.current():
            return view
        return None

    def get(self, engine: Engine) -> IndexView:
        """The view of the engine's live version (raises StoreError when there is no index)."""
        searcher = engine.searcher()
        view = self._view
        if view is not None and self._searcher is searcher:
            return view
        with self._lock:
            if self._view is None or self._searcher is not searcher:
                self._view = _build_view(engine)
                self._searcher = searcher
            return self._view


def _build_view(engine: Engine) -> IndexView:
    docs = engine.documents()
    root = corpus_root(engine.settings)
    facets = engine.facets(["doc_type", "year"])
    return IndexView(
        version=engine.version().name,
        documents=len(docs),
        # a record has no file of its own to open (its records file holds many): it shows its source link
        file_urls={d.doc_id: None if "record_id" in d.extra else file_link(d.path, root) for d in docs},
        pdf={d.doc_id for d in docs if (d.path or "").lower().endswith(".pdf")},
        doc_types={c.value: c.count for c in sorted(facets["doc_type"], key=lambda c: c.value)},
        years=sorted(int(c.value) for c in facets["year"]),
    )


def view_covering(views: Views, engine: Engine, view: IndexView, doc_ids: Iterable[str]) -> IndexView:
    """`view`, or the live version's view when an ingest swapped the index mid-request and
    some of these documents are new to it (so their file links are not lost)."""
    if all(d in view.file_urls for d in doc_ids):
        return view
    return views.get(engine)


def hit_model(hit: Hit, view: IndexView) -> HitModel:
    """A hit with its file link."""
    return HitModel(**vars(hit), file_url=view.file_url(hit.doc_id, hit.page))
