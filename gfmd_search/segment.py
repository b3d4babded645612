"""One immutable segment of the index: catalogue, vectors, postings, and an ANN index when large.

Layout of ``segments/s-000007/``::

    catalogue.sqlite  documents, chunks (local row i = vector i = posting row i), mentions, facets,
                      recommendations (with their vectors)
    vectors.npy       normalised chunk embeddings, float32, memory-mapped on open
    chunk_doc.npy     local row -> position of its document in the documents table
    chunk_kind.npy    local row -> its passage kind, an index into KINDS
    lexical/          term-major postings (see lexical.Postings)
    ann.faiss         an IVF index over the vectors, for segments of `ann_threshold` rows or more

A segment never changes once written; deleting rows is the business of the
version that lists it (store.py). Merging writes a new segment from the kept rows
of several, copying every catalogue table with a ``row`` or ``doc_id`` column.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from .facets import FacetRow
from .lexical import Analyzer, Postings
from .records import Chunk, Document, Mention, Recommendation

SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, year INTEGER, doc_type TEXT, meeting TEXT,
    source TEXT, path TEXT, content_hash TEXT NOT NULL, pages INTEGER NOT NULL, page_labels TEXT,
    extra TEXT NOT NULL, language TEXT, language_detected INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id), ordinal INTEGER NOT NULL,
    text TEXT NOT NULL, page_start INTEGER NOT NULL, page_end INTEGER NOT NULL, section TEXT,
    char_start INTEGER NOT NULL, char_end INTEGER NOT NULL, text_hash TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'body', page_breaks TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX chunks_doc ON chunks(doc_id, ordinal);
CREATE INDEX chunks_hash ON chunks(text_hash);
CREATE TABLE mentions (
    row INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, role TEXT, surface TEXT NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL
);
CREATE INDEX mentions_row ON mentions(row);
CREATE INDEX mentions_name ON mentions(name);
CREATE TABLE facets (
    doc_id TEXT NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL, declared INTEGER NOT NULL
);
CREATE INDEX facets_doc ON facets(doc_id);
CREATE TABLE recommendations (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id), ordinal INTEGER NOT NULL, number TEXT, kind TEXT NOT NULL,
    page INTEGER NOT NULL, char_start INTEGER NOT NULL, char_end INTEGER NOT NULL, text TEXT NOT NULL,
    addressees TEXT NOT NULL, themes TEXT NOT NULL, response TEXT, vector BLOB NOT NULL,
    PRIMARY KEY (doc_id, ordinal)
);
"""
KINDS = ("body", "note", "table")  # passage kinds (passage_kinds.py); chunk_kind.npy holds their index
SQL_BATCH = 500  # values per `IN (...)`, well under SQLite's variable limit


@dataclass(frozen=True)
class AnnParams:
    """How a segment's approximate index is built (see Settings.ann_*)."""

    threshold: int
    lists: int  # IVF lists; 0 chooses about 2 * sqrt(rows)


@dataclass
class Contents:
    """What a new segment holds, in row order."""

    documents: list[Document]
    chunks: list[Chunk]
    vectors: np.ndarray
    lexical_texts: list[str]
    mentions: list[list[Mention]]
    facets: list[FacetRow] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)  # links are made on reading
    recommendation_vectors: np.ndarray | None = None  # row i embeds recommendations[i]


def write(folder: Path, contents: Contents, analyzer: Analyzer, ann: AnnParams) -> None:
    """Write a segment from fresh contents."""
    folder.mkdir(parents=True)
    db = sqlite3.connect(folder / "catalogue.sqlite")
    try:
        db.executescript(SCHEMA)
        db.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (d.doc_id, d.title, d.year, d.doc_type, d.meeting, d.source, d.path, d.content_hash, len(d.pages),
                 json.dumps([p.label for p in d.pages]) if any(p.label for p in d.pages) else None,
                 json.dumps(d.extra), d.language, d.language_detected)
                for d in contents.documents
            ],
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (row, c.doc_id, c.ordinal, c.text, c.page_start, c.page_end, c.section, c.char_start, c.char_end,
                 c.text_hash, c.kind, json.dumps(c.page_breaks))
                for row, c in enumerate(contents.chunks)
            ],
        )
        db.executemany(
            "INSERT INTO mentions VALUES (?,?,?,?,?,?,?)",
            [(row, m.name, m.type, m.role, m.surface, m.start, m.end)
             for row, found in enumerate(contents.mentions) for m in found],
        )
        db.executemany("INSERT INTO facets VALUES (?,?,?,?)", contents.facets)
        _write_recommendations(db, contents)
        db.commit()
        _finish(folder, db, np.ascontiguousarray(contents.vectors, dtype=np.float32), ann)
    finally:
        db.close()
    language = {d.doc_id: d.language for d in contents.documents}
    languages = [language[c.doc_id] for c in contents.chunks]
    Postings.build(contents.lexical_texts, analyzer, languages).save(folder / "lexical")


def _write_recommendations(db: sqlite3.Connection, contents: Contents) -> None:
    """One row per unit: lists and the response as JSON, and its vector."""
    units = contents.recommendations
    vectors = contents.recommendation_vectors
    if vectors is None:
        vectors = np.zeros((len(units), contents.vectors.shape[1]), np.float32)
    db.executemany(
        "INSERT INTO recommendations VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (u.doc_id, u.ordinal, u.number, u.kind, u.page, u.char_start, u.char_end, u.text,
             json.dumps(u.addressees), json.dumps(u.themes), json.dumps(asdict(u.response)) if u.response else None,
             np.asarray(vector, np.float32).tobytes())
            for u, vector in zip(units, vectors)
        ],
    )


def merge(folder: Path, parts: list[tuple[Segment, np.ndarray]], ann: AnnParams) -> None:
    """Write one segment from the kept rows (a mask per part) of several, in order."""
    folder.mkdir(parents=True)
    db = sqlite3.connect(folder / "catalogue.sqlite")
    try:
        db.executescript(SCHEMA)
        base = 0
        for i, (segment, keep) in enumerate(parts):
            db.execute(f"ATTACH DATABASE ? AS s{i}", (f"file:{segment.folder / 'catalogue.sqlite'}?mode=ro",))
            kept = np.flatnonzero(keep)
            db.execute("CREATE TEMP TABLE kept (old INTEGER PRIMARY KEY, new INTEGER NOT NULL)")
            db.executemany("INSERT INTO kept VALUES (?, ?)", zip(kept.tolist(), range(base, base + len(kept))))
            for table, columns in _tables(db, f"s{i}"):
                _copy(db, f"s{i}", table, columns)
            db.execute("DROP TABLE temp.kept")
            db.commit()
            db.execute(f"DETACH DATABASE s{i}")
            base += len(kept)
        vectors = np.concatenate([s.vectors[keep] for s, keep in parts]) if parts else np.zeros((0, 0), np.float32)
        _finish(folder, db, vectors, ann)
    finally:
        db.close()
    Postings.merge([(s.postings, keep) for s, keep in parts]).save(folder / "lexical")


def _tables(db: sqlite3.Connection, schema: str) -> list[tuple[str, list[str]]]:
    names = [r[0] for r in db.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'")]
    return [(t, [r[1] for r in db.execute(f"PRAGMA {schema}.table_info({t})")]) for t in names]


def _copy(db: sqlite3.Connection, schema: str, table: str, columns: list[str]) -> None:
    """Copy the kept rows of one table: renumbered by `row`, or kept with their document."""
    listed = ", ".join(f'"{c}"' for c in columns)
    if "row" in columns:
        chosen = ", ".join("k.new" if c == "row" else f't."{c}"' for c in columns)
        db.execute(
            f"INSERT INTO main.{table} ({listed}) SELECT {chosen} FROM {schema}.{table} t "
            f"JOIN temp.kept k ON k.old = t.row ORDER BY k.new"
        )
    elif "doc_id" in columns:
        db.execute(
            f"INSERT INTO main.{table} ({listed}) SELECT {listed} FROM {schema}.{table} WHERE doc_id IN "
            f"(SELECT c.doc_id FROM {schema}.chunks c JOIN temp.kept k ON k.old = c.row) ORDER BY rowid"
        )
    else:
        db.execute(f"INSERT INTO main.{table} ({listed}) SELECT {listed} FROM {schema}.{table}")


def _finish(folder: Path, db: sqlite3.Connection, vectors: np.ndarray, ann: AnnParams) -> None:
    """Write the arrays derived from the catalogue, the vectors and, when large, the ANN index."""
    found = db.execute("SELECT d.rowid - 1, c.kind FROM chunks c JOIN documents d USING (doc_id) ORDER BY c.row")
    positions, kinds = zip(*found) if vectors.shape[0] else ((), ())
    np.save(folder / "chunk_doc.npy", np.array(positions, dtype=np.int32))
    np.save(folder / "chunk_kind.npy", np.array([KINDS.index(k) for k in kinds], dtype=np.uint8))
    np.save(folder / "vectors.npy", vectors)
    if len(vectors) >= ann.threshold:
        faiss.write_index(build_ann(vectors, ann.lists), str(folder / "ann.faiss"))


def build_ann(vectors: np.ndarray, lists: int) -> faiss.Index:
    """An IVF index with 8-bit scalar codes (candidates are re-scored exactly from the vectors)."""
    n, d = vectors.shape
    nlist = lists or max(1, int(2 * np.sqrt(n)))
    index = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(d), d, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    sample = vectors[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)]
    index.train(np.ascontiguousarray(sample))
    index.add(vectors)
    return index


class Segment:
    """Read access to one segment; safe to share between threads."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._db = sqlite3.connect(f"file:{folder / 'catalogue.sqlite'}?mode=ro", uri=True, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        self.vectors = np.asarray(np.load(folder / "vectors.npy", mmap_mode="r"))  # a plain view: fast indexing
        self.rows = len(self.vectors)
        self.chunk_doc = np.load(folder / "chunk_doc.npy")
        self.chunk_kind = np.load(folder / "chunk_kind.npy")
        self.postings = Postings.load(folder / "lexical")
        docs = self.query("SELECT doc_id, year, doc_type, source, language FROM documents ORDER BY rowid")
        self.doc_ids = np.array([d["doc_id"] for d in docs], dtype=object)
        self.years = np.array([d["year"] if d["year"] is not None else -1 for d in docs], dtype=np.int64)
        self.doc_types = np.array([(d["doc_type"] or "").lower() for d in docs], dtype=object)
        self.sources = np.array([(d["source"] or "").lower() for d in docs], dtype=object)
        self.languages = np.array([d["language"] or "" for d in docs], dtype=object)

    @cached_property
    def ann(self) -> faiss.Index | None:
        """The approximate index, read on the first dense search (writers never need it)."""
        path = self.folder / "ann.faiss"
        return faiss.read_index(str(path)) if path.exists() else None

    def query(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def query_in(self, sql: str, values: list[Any]) -> list[sqlite3.Row]:
        """`sql` with `{marks}` for an `IN (...)` list, run in batches of SQL_BATCH values."""
        out: list[sqlite3.Row] = []
        for start in range(0, len(values), SQL_BATCH):
            batch = values[start : start + SQL_BATCH]
            out.extend(self.query(sql.format(marks=",".join("?" * len(batch))), batch))
        return out

    def dense(self, query: np.ndarray, depth: int, mask: np.ndarray | None, nprobe: int) -> np.ndarray:
        """Local rows of the `depth` nearest allowed vectors; exact below the ANN threshold or when
        the ANN finds too few allowed rows (a selective filter), so a filter never empties a result."""
        allowed = self.rows if mask is None else int(mask.sum())
        depth = min(depth, allowed)
        if depth == 0:
            return np.zeros(0, np.int64)
        if self.ann is not None:
            if mask is None:
                params = faiss.SearchParametersIVF(nprobe=nprobe)
            else:
                bits = np.packbits(mask, bitorder="little")
                params = faiss.SearchParametersIVF(nprobe=nprobe, sel=faiss.IDSelectorBitmap(bits))
            _, found = self.ann.search(query, depth, params=params)
            found = found[0][found[0] >= 0]
            if len(found) == depth:
                return found
        candidates = np.arange(self.rows) if mask is None else np.flatnonzero(mask)
        vectors = self.vectors if mask is None else self.vectors[candidates]
        scores = np.einsum("ij,j->i", vectors, query[0])  # BLAS threads would fight the encoder
        top = np.argpartition(-scores, depth - 1)[:depth] if depth < len(scores) else np.arange(len(scores))
        return candidates[top]

    def close(self) -> None:
        self._db.close()
