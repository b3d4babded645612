"""Facets: the values each document carries (country, organisation, theme, year, ...), as rows
written with the index, and the numpy table that filters and counts them.

Where the values come from, per document:

* declared: the facets a record's mapping gives (`Document.facets`), and, for a file a catalogue
  record names, that record's facets (see catalogue.py);
* `year` and `doc_type` from the document's metadata, `language` from its sidecar where given;
* `country` (mentions of countries) and `organisation` (every other actor, government bodies
  included) from the actor mentions of its passages, for a document that declares none of that
  facet (so a PDF has countries too, and a record's own list is not widened by the names its text
  happens to mention).

Matching documents (what the counts count): the documents with at least one passage among the
first `facet_passages` passages the query ranks, in the search's mode and under all its active
filters (year, type, source and `where`), each counted once per value. `where` keeps documents
with any of the given values of a facet, for every facet given, and acts before ranking.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .actors.gazetteer import COUNTRY, get_gazetteer
from .records import Document, FacetCount, Mention

FACETS = ("year", "doc_type", "language", "country", "organisation", "theme")
"""The facets every index knows; a mapping may declare more (donor, region, ...)."""
FACET_ALIASES = {"type": "doc_type", "document_type": "doc_type", "organization": "organisation"}

FacetRow = tuple[str, str, str, int]
"""(doc_id, facet, value, declared): declared = 1 for a record's own facets, kept across versions."""


class FacetError(ValueError):
    """An unknown facet name (not a known facet, and carried by no document), or a malformed filter."""


def facet_rows(
    documents: Iterable[Document],
    mentions_of: dict[str, list[Mention]],
    linked: dict[str, Document] | None = None,
) -> list[FacetRow]:
    """Every facet value of every document: declared, linked from its catalogue record, and derived."""
    rows: list[FacetRow] = []
    for doc in documents:
        values: dict[str, list[str]] = {name: list(v) for name, v in doc.facets.items()}
        rows.extend((doc.doc_id, name, v, 1) for name, vs in values.items() for v in vs)
        record = (linked or {}).get(doc.doc_id)
        derived: dict[str, list[str]] = {name: list(vs) for name, vs in (record.facets if record else {}).items()
                                         if name not in values}
        if doc.year is not None and "year" not in values:
            derived["year"] = [str(doc.year)]
        if doc.doc_type and "doc_type" not in values:
            derived["doc_type"] = [doc.doc_type]
        language = doc.extra.get("language")  # a sidecar's "language"
        if isinstance(language, str) and language.strip() and "language" not in values:
            derived.setdefault("language", [language.strip()])
        found = mentions_of.get(doc.doc_id, [])
        for name, wanted in (("country", True), ("organisation", False)):
            if name not in values and name not in derived:
                names = dict.fromkeys(m.name for m in found if is_country(m) == wanted)
                if names:
                    derived[name] = list(names)
        rows.extend((doc.doc_id, name, v, 0) for name, vs in derived.items() for v in vs)
    return rows


def is_country(mention: Mention) -> bool:
    """A mention of a country (not of a government body such as a ministry or agency)."""
    entity = get_gazetteer().by_name.get(mention.name)
    return entity.kind == COUNTRY if entity is not None else False


def parse_where(pairs: Iterable[str] | None) -> dict[str, list[str]] | None:
    """["country=Philippines", "country=Nepal"] -> {"country": ["Philippines", "Nepal"]} (None when empty)."""
    where: dict[str, list[str]] = {}
    for pair in pairs or ():
        facet, sep, value = pair.partition("=")
        if not sep or not facet.strip() or not value.strip():
            raise FacetError(f"filter {pair!r}: write FACET=VALUE, e.g. country=Philippines")
        where.setdefault(facet.strip(), []).append(value.strip())
    return where or None


def canonical_facet(name: str) -> str:
    """The facet's name as stored ("Organization", "type" -> "organisation", "doc_type")."""
    key = "_".join(name.strip().lower().replace("-", " ").split())
    return FACET_ALIASES.get(key, key)


class FacetTable:
    """The facet rows of one index version as arrays: doc position, facet code, value code."""

    def __init__(self, rows: list[tuple[int, str, str]], n_docs: int):
        self.n_docs = n_docs
        facet_code: dict[str, int] = {}
        value_code: dict[tuple[int, str], int] = {}
        self.labels: list[str] = []
        docs, facets, values = [], [], []
        for doc, facet, value in rows:
            f = facet_code.setdefault(facet, len(facet_code))
            key = (f, value.casefold())
            if key not in value_code:
                value_code[key] = len(self.labels)
                self.labels.append(value)
            docs.append(doc)
            facets.append(f)
            values.append(value_code[key])
        self.facet_code = facet_code
        self.value_code = value_code
        self.doc = np.array(docs, dtype=np.int64)
        self.facet = np.array(facets, dtype=np.int64)
        self.value = np.array(values, dtype=np.int64)

    def names(self) -> list[str]:
        """The facets this index can filter and count: the known ones and any a record declared."""
        return list(dict.fromkeys([*FACETS, *self.facet_code]))

    def check(self, name: str) -> str:
        """The canonical facet name, or a FacetError naming it and listing the facets there are."""
        facet = canonical_facet(name)
        if facet not in self.names():
            raise FacetError(f"unknown facet {name!r}; use one of {', '.join(self.names())}")
        return facet

    def doc_mask(self, where: dict[str, list[str]]) -> np.ndarray:
        """Documents with, for every facet in `where`, at least one of its values (bool per doc)."""
        keep = np.ones(self.n_docs, dtype=bool)
        for name, wanted in where.items():
            f = self.facet_code.get(self.check(name), -1)
            codes = [c for v in wanted if (c := self.value_code.get((f, v.strip().casefold()))) is not None]
            has = np.zeros(self.n_docs, dtype=bool)
            has[self.doc[(self.facet == f) & np.isin(self.value, codes)]] = True
            keep &= has
        return keep

    def counts(self, docs: np.ndarray, name: str, limit: int | None = None) -> list[FacetCount]:
        """Per value of the facet, how many of the documents `docs` (bool per doc) carry it; most first."""
        f = self.facet_code.get(self.check(name), -1)
        chosen = self.value[(self.facet == f) & docs[self.doc]] if len(self.doc) else self.value
        tally = np.bincount(chosen, minlength=len(self.labels))
        present = np.flatnonzero(tally)
        order = sorted(present.tolist(), key=lambda c: (-int(tally[c]), self.labels[c].casefold()))
        return [FacetCount(self.labels[c], int(tally[c])) for c in order[:limit]]

    def totals(self, name: str) -> list[FacetCount]:
        """`counts` over every document of the index."""
        return self.counts(np.ones(self.n_docs, dtype=bool), name)

    def of_documents(self, positions: Iterable[int]) -> dict[int, dict[str, list[str]]]:
        """The facet values of the documents at these positions: {position: {facet: values}}."""
        wanted = np.array(sorted(set(positions)), dtype=np.int64)
        out: dict[int, dict[str, list[str]]] = {int(p): {} for p in wanted}
        names = {code: name for name, code in self.facet_code.items()}
        for i in np.flatnonzero(np.isin(self.doc, wanted)):
            out[int(self.doc[i])].setdefault(names[int(self.facet[i])], []).append(self.labels[int(self.value[i])])
        return out
