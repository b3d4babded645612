"""Catalogue records and full text together: a record that names its files lends them its metadata.

A record's mapping may name a field of file names or URLs (``files``). A document loaded from a
file whose name has the same key (`loaders.records.file_key`: the slug of the file name, so a
URL-quoted name and its local copy match) is linked to that record at every index write: it
takes the record's year and facets (countries, themes, donors, ...), and the actors of those
facets become mentions of each of its passages, so that a record's donors count for partner
suggestion as if the file named them as donors.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .actors import canonical_actor
from .loaders.records import file_key
from .records import Chunk, Document, Mention

ACTOR_FACETS = {"country": None, "organisation": None, "partner": None, "donor": "donor"}
"""Facets whose values are actors, and the role they state."""
NO_SPAN = -1
"""start/end of a mention that comes from a catalogue field, not from a passage's text."""


def link_files(documents: list[Document]) -> tuple[list[Document], dict[str, Document]]:
    """The documents with each file a record names taking that record's year, and {file doc id: record}."""
    by_key: dict[str, Document] = {}
    for doc in documents:
        for key in doc.extra.get("files", ()):
            by_key.setdefault(key, doc)
    linked: dict[str, Document] = {}
    out = []
    for doc in documents:
        record = by_key.get(file_key(Path(doc.path).name)) if doc.path and "record_id" not in doc.extra else None
        if record is not None:
            linked[doc.doc_id] = record
            doc = replace(doc, year=record.year or doc.year, extra={**doc.extra, "record": record.doc_id})
        out.append(doc)
    return out, linked


def catalogue_mentions(doc: Document, record: Document | None = None) -> list[Mention]:
    """The actors a document's own or its record's facets name, as mentions without a text span."""
    out = []
    facets = {**(record.facets if record else {}), **doc.facets}
    for facet, role in ACTOR_FACETS.items():
        for value in facets.get(facet, ()):
            found = canonical_actor(value)
            if found is not None:
                out.append(Mention(found[0], found[1], value, NO_SPAN, NO_SPAN, role))
    return out


def add_catalogue_mentions(
    chunks: list[Chunk], mentions: list[list[Mention]], documents: list[Document], linked: dict[str, Document]
) -> list[list[Mention]]:
    """Each chunk's text mentions (earlier catalogue mentions dropped) plus its document's catalogue ones."""
    of_doc = {d.doc_id: catalogue_mentions(d, linked.get(d.doc_id)) for d in documents}
    return [
        [m for m in found if m.start != NO_SPAN] + of_doc.get(chunk.doc_id, [])
        for chunk, found in zip(chunks, mentions)
    ]
