"""Test collections: the records they are read into, and `load` to read one from a folder.

Parsing lives in one module per format (`beir`, `trec`, `cranfield`); this module holds
the data structures and picks the parser by what a folder contains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

Qrels = dict[str, dict[str, int]]
"""Judgments: query id -> document id -> graded relevance (> 0 relevant)."""
Run = dict[str, dict[str, float]]
"""A ranking: query id -> document id -> score (higher is better)."""


class DatasetError(ValueError):
    """A test collection is missing a file or holds a malformed line."""


@dataclass(frozen=True)
class CorpusDoc:
    """One document of a test collection's corpus."""

    doc_id: str
    title: str
    text: str


@dataclass
class Collection:
    """Queries and judgments of one split, with the corpus they are judged on.

    `documents` is None for a query set over files (`--corpus DIR`): those are ingested
    with the file loaders instead. `source` is what the index cache is keyed on: the
    corpus file, or the corpus folder.
    """

    name: str
    split: str
    queries: dict[str, str]
    qrels: Qrels
    documents: list[CorpusDoc] | None
    source: Path


def load(path: Path, split: str = "test", corpus: Path | None = None) -> Collection:
    """Read the collection in `path`: BEIR layout, or Cranfield (`cran.all.1400` …).

    Only the queries judged in `split` are kept. With `corpus`, the documents are the
    files under that folder and `path` only needs queries and judgments.
    """
    from . import beir, cranfield

    path = Path(path)
    if not path.is_dir():
        raise DatasetError(f"{path}: not a folder")
    if (path / cranfield.DOCUMENTS).is_file():
        collection = cranfield.load(path, split)
    elif (path / beir.QUERIES).is_file():
        collection = beir.load(path, split, corpus)
    else:
        raise DatasetError(f"{path}: neither a BEIR folder ({beir.QUERIES}) nor Cranfield ({cranfield.DOCUMENTS})")
    if not collection.qrels:
        raise DatasetError(f"{path}: no judged query in split {split!r}")
    return collection


def judged(queries: dict[str, str], qrels: Qrels) -> tuple[dict[str, str], Qrels]:
    """Queries and judgments restricted to queries that have both text and a relevant document."""
    keep = [q for q in queries if any(rel > 0 for rel in qrels.get(q, {}).values())]
    return {q: queries[q] for q in keep}, {q: qrels[q] for q in keep}
