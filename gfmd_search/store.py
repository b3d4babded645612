"""The index directory: versioned snapshots swapped in with one atomic rename.

Layout of ``index/``::

    current -> v-20261123T191500-ab12cd    (symlink, replaced atomically)
    v-.../manifest.json   model, settings and counts that built this version
    v-.../catalogue.sqlite documents, chunks (row i = vector i = BM25 doc i), mentions
    v-.../vectors.faiss   normalised chunk embeddings (inner product)
    v-.../lexical/        the bm25s index

Every write builds a complete new version beside the live one, then swaps the
``current`` link. A crash at any moment leaves the previous version live.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from .facets import FacetRow, FacetTable
from .lexical import Analyzer, LexicalIndex
from .records import Chunk, Document, Mention, Page, Recommendation, Response

FORMAT_VERSION = 2  # 2: chunk kind and page breaks, document language
CURRENT = "current"
KEEP_VERSIONS = 2

_SCHEMA = """
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
"""


class StoreError(RuntimeError):
    """The index is missing, damaged, or was built with other settings."""


class IndexLocked(StoreError):
    """Another writer (ingest, remove) holds the index."""


@dataclass
class Snapshot:
    """Everything one index version holds, in chunk-row order."""

    manifest: dict[str, Any]
    documents: list[Document]
    chunks: list[Chunk]
    vectors: np.ndarray
    lexical_texts: list[str]
    mentions: list[list[Mention]] = field(default_factory=list)
    facets: list[FacetRow] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    recommendation_vectors: np.ndarray | None = None  # row i embeds recommendations[i]


class IndexStore:
    """Owns an index directory: reading the live version, writing new ones."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def current(self) -> Path | None:
        """The live version's folder, or None when nothing was ingested yet."""
        link = self.root / CURRENT
        if not link.is_symlink() and not link.exists():
            return None
        target = link.resolve()
        return target if (target / "manifest.json").is_file() else None

    def open(self) -> IndexReader:
        """A reader over the live version."""
        version = self.current()
        if version is None:
            raise StoreError(f"no index at {self.root}: run `gfmd-search ingest PATH --index {self.root}` first")
        return IndexReader(version)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive lock for one writer (ingest, remove) at a time."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLocked(f"{self.root} is being written by another process") from None
            try:
                self._clean_partial()
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def write(self, snap: Snapshot) -> Path:
        """Build a new version from the snapshot, then swap it in atomically (inside `writing`)."""
        name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        building = self.root / f".building-{name}"
        building.mkdir(parents=True)
        _write_catalogue(building / "catalogue.sqlite", snap)
        unit_vectors = snap.recommendation_vectors
        if unit_vectors is None:
            unit_vectors = np.zeros((len(snap.recommendations), snap.vectors.shape[1]), np.float32)
        _write_recommendations(building / "catalogue.sqlite", snap.recommendations, unit_vectors)
        index = faiss.IndexFlatIP(snap.vectors.shape[1])
        index.add(snap.vectors)
        faiss.write_index(index, str(building / "vectors.faiss"))
        settings = snap.manifest["settings"]
        language = {d.doc_id: d.language for d in snap.documents}
        languages = [language[c.doc_id] for c in snap.chunks]
        analyzer = _analyzer(settings, languages)
        LexicalIndex.build(snap.lexical_texts, analyzer, settings["bm25_k1"], settings["bm25_b"], languages).save(
            building / "lexical"
        )
        manifest = {**snap.manifest, "sequence": max(map(_sequence, self._versions()), default=0) + 1}
        (building / "manifest.json").write_text(json.dumps(manifest, indent=2))
        _fsync_tree(building)
        final = self.root / name
        os.rename(building, final)
        tmp_link = self.root / f".{CURRENT}-{uuid.uuid4().hex[:6]}"
        os.symlink(name, tmp_link)
        os.replace(tmp_link, self.root / CURRENT)
        _fsync_dir(self.root)
        self._prune_versions(keep=final)
        return final

    def _clean_partial(self) -> None:
        """Remove what a crashed writer left: half-built versions and temporary `current` links."""
        for leftover in self.root.glob(".building-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        for link in self.root.glob(f".{CURRENT}-*"):
            link.unlink(missing_ok=True)

    def _versions(self) -> list[Path]:
        return [p for p in self.root.glob("v-*") if p.is_dir()]

    def _prune_versions(self, keep: Path) -> None:
        """Drop old versions, keeping the newest few (by the manifest's write counter, not by
        names built from the clock) for readers still using them."""
        versions = sorted(self._versions(), key=lambda p: (_sequence(p), p.name))
        for old in versions[:-KEEP_VERSIONS]:
            if old != keep:
                shutil.rmtree(old, ignore_errors=True)


class IndexReader:
    """Read access to one index version; safe to share between threads."""

    def __init__(self, version: Path):
        self.version = version
        self.manifest: dict[str, Any] = json.loads((version / "manifest.json").read_text())
        if self.manifest.get("format") != FORMAT_VERSION:
            raise StoreError(f"{version}: index format {self.manifest.get('format')} is not {FORMAT_VERSION}; re-ingest")
        self._db = sqlite3.connect(f"file:{version / 'catalogue.sqlite'}?mode=ro", uri=True, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        self.vectors = faiss.read_index(str(version / "vectors.faiss"))
        self.size = int(self.vectors.ntotal)
        self.chunk_doc_index, self._doc_rows, self.chunk_kinds = self._load_chunk_table()
        self.analyzer = _analyzer(self.manifest["settings"], [d["language"] for d in self._doc_rows])
        self.lexical = LexicalIndex.load(version / "lexical", self.analyzer, self.size)
        self.facets = self._load_facet_table()

    def _load_chunk_table(self) -> tuple[np.ndarray, list[sqlite3.Row], np.ndarray]:
        docs = self._query("SELECT doc_id, year, doc_type, source, language FROM documents ORDER BY doc_id")
        position = {d["doc_id"]: i for i, d in enumerate(docs)}
        rows = self._query("SELECT doc_id, kind FROM chunks ORDER BY row")
        kinds = np.array([r["kind"] for r in rows], dtype=object)
        return np.array([position[r["doc_id"]] for r in rows], dtype=np.int64), docs, kinds

    def _load_facet_table(self) -> FacetTable:
        """Every document's facet values as arrays (an index written before facets has none)."""
        position = {d["doc_id"]: i for i, d in enumerate(self._doc_rows)}
        rows = self._query("SELECT doc_id, facet, value FROM facets ORDER BY rowid") if self._has_facets() else []
        return FacetTable([(position[r["doc_id"]], r["facet"], r["value"]) for r in rows], len(self._doc_rows))

    def _has_facets(self) -> bool:
        return bool(self._query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'facets'"))

    def declared_facets(self) -> dict[str, dict[str, list[str]]]:
        """The facets records declared, per document: {doc_id: {facet: values}}."""
        out: dict[str, dict[str, list[str]]] = {}
        if self._has_facets():
            for r in self._query("SELECT doc_id, facet, value FROM facets WHERE declared = 1 ORDER BY rowid"):
                out.setdefault(r["doc_id"], {}).setdefault(r["facet"], []).append(r["value"])
        return out

    def _query(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def filter_mask(
        self,
        year_from: int | None = None,
        year_to: int | None = None,
        doc_types: list[str] | None = None,
        sources: list[str] | None = None,
        doc_ids: list[str] | None = None,
        exclude_doc_ids: list[str] | None = None,
        languages: list[str] | None = None,
        kinds: list[str] | None = None,
    ) -> np.ndarray | None:
        """Boolean mask over chunk rows for the metadata filters; None when unfiltered."""
        if not any([year_from, year_to, doc_types, sources, doc_ids, exclude_doc_ids, languages, kinds]):
            return None
        keep = np.ones(len(self._doc_rows), dtype=bool)
        for i, d in enumerate(self._doc_rows):
            year = d["year"]
            if (year_from or year_to) and year is None:
                keep[i] = False
            if year_from and year is not None and year < year_from:
                keep[i] = False
            if year_to and year is not None and year > year_to:
                keep[i] = False
            if doc_types and (d["doc_type"] or "").lower() not in {t.lower() for t in doc_types}:
                keep[i] = False
            if sources and not any(s.lower() in (d["source"] or "").lower() for s in sources):
                keep[i] = False
            if doc_ids and d["doc_id"] not in doc_ids:
                keep[i] = False
            if exclude_doc_ids and d["doc_id"] in exclude_doc_ids:
                keep[i] = False
            if languages and d["language"] not in {lang.lower() for lang in languages}:
                keep[i] = False
        mask = keep[self.chunk_doc_index]
        return mask & np.isin(self.chunk_kinds, [k.lower() for k in kinds]) if kinds else mask

    def chunk_rows(self, rows: list[int]) -> list[dict[str, Any]]:
        """Chunks joined with their documents, in the order of `rows`."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        found = self._query(
            f"SELECT c.row, c.doc_id, c.ordinal, c.text, c.page_start, c.page_end, c.section, c.char_start, "
            f"c.char_end, c.kind, c.page_breaks, d.title, d.year, d.doc_type, d.source, d.path, d.language FROM chunks c "
            f"JOIN documents d ON d.doc_id = c.doc_id WHERE c.row IN ({marks})",
            rows,
        )
        by_row = {r["row"]: {**dict(r), "page_breaks": json.loads(r["page_breaks"])} for r in found}
        return [by_row[r] for r in rows]

    def doc_ids(self) -> list[str]:
        """Document ids; `chunk_doc_index[row]` is a position in this list."""
        return [d["doc_id"] for d in self._doc_rows]

    def mentions(self, rows: list[int]) -> dict[int, list[Mention]]:
        """Actor mentions of the given chunk rows."""
        if not rows:
            return {}
        marks = ",".join("?" * len(rows))
        out: dict[int, list[Mention]] = {r: [] for r in rows}
        for m in self._query(f"SELECT * FROM mentions WHERE row IN ({marks}) ORDER BY row, start", rows):
            out[m["row"]].append(Mention(m["name"], m["type"], m["surface"], m["start"], m["end"], m["role"]))
        return out

    def actor_document_counts(self) -> dict[str, int]:
        """How many documents mention each actor (the basis of the partner prior)."""
        found = self._query(
            "SELECT m.name, COUNT(DISTINCT c.doc_id) AS n FROM mentions m JOIN chunks c ON c.row = m.row GROUP BY m.name"
        )
        return {r["name"]: r["n"] for r in found}

    def documents(self) -> list[dict[str, Any]]:
        """Every document's metadata row."""
        rows = self._query("SELECT * FROM documents ORDER BY doc_id")
        return [_doc_dict(r) for r in rows]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        found = self._query("SELECT * FROM documents WHERE doc_id = ?", (doc_id,))
        return _doc_dict(found[0]) if found else None

    def chunks_of(self, doc_id: str) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))
        return [{**dict(r), "page_breaks": json.loads(r["page_breaks"])} for r in rows]

    def load_all(self) -> tuple[list[Document], list[Chunk], np.ndarray, list[list[Mention]]]:
        """Every document (pages not kept), chunk, vector and mention, for building the next version."""
        declared = self.declared_facets()
        documents = [
            Document(
                doc_id=d["doc_id"], title=d["title"], pages=_empty_pages(d["pages"], d["page_labels"]),
                year=d["year"], doc_type=d["doc_type"], source=d["source"], path=d["path"],
                meeting=d["meeting"], content_hash=d["content_hash"], extra=d["extra"],
                facets=declared.get(d["doc_id"], {}),
                language=d["language"], language_detected=bool(d["language_detected"]),
            )
            for d in self.documents()
        ]
        chunks = [
            Chunk(r["doc_id"], r["ordinal"], r["text"], r["page_start"], r["page_end"], r["section"],
                  r["char_start"], r["char_end"], r["text_hash"], r["kind"], json.loads(r["page_breaks"]))
            for r in self._query("SELECT * FROM chunks ORDER BY row")
        ]
        vectors = self.vectors.reconstruct_n(0, self.size) if self.size else np.zeros((0, self.vectors.d), np.float32)
        by_row = self.mentions(list(range(self.size)))
        return documents, chunks, np.asarray(vectors, dtype=np.float32), [by_row[i] for i in range(self.size)]

    def recommendations(self) -> list[Recommendation]:
        """Every recommendation unit, by document and reading order (none in an index built before
        they were extracted)."""
        return [_recommendation(r) for r in self._recommendation_rows()]

    def recommendation_vectors(self) -> np.ndarray:
        """The units' normalised embeddings, row i for `recommendations()[i]`."""
        rows = self._recommendation_rows()
        return np.array([np.frombuffer(r["vector"], np.float32) for r in rows], np.float32).reshape(
            len(rows), self.vectors.d
        )

    def _recommendation_rows(self) -> list[sqlite3.Row]:
        if not self._query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'recommendations'"):
            return []
        return self._query("SELECT * FROM recommendations ORDER BY doc_id, ordinal")


def _analyzer(settings: dict[str, Any], languages: list[str | None]) -> Analyzer:
    """The analyzer of an index whose texts are in these languages."""
    default = settings.get("language", "en")
    return Analyzer(settings["stemmer"], settings["stopwords"], default, tuple(sorted({x or default for x in languages})))


def _empty_pages(count: int, labels: str | None) -> list[Page]:
    names = json.loads(labels) if labels else [None] * count
    return [Page(i + 1, "", names[i]) for i in range(count)]


def _doc_dict(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    d["extra"] = json.loads(d["extra"])
    return d


def _write_catalogue(path: Path, snap: Snapshot) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(_SCHEMA)
        db.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (d.doc_id, d.title, d.year, d.doc_type, d.meeting, d.source, d.path, d.content_hash, len(d.pages),
                 json.dumps([p.label for p in d.pages]) if any(p.label for p in d.pages) else None,
                 json.dumps(d.extra), d.language, d.language_detected)
                for d in snap.documents
            ],
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (row, c.doc_id, c.ordinal, c.text, c.page_start, c.page_end, c.section, c.char_start, c.char_end,
                 c.text_hash, c.kind, json.dumps(c.page_breaks))
                for row, c in enumerate(snap.chunks)
            ],
        )
        db.executemany(
            "INSERT INTO mentions VALUES (?,?,?,?,?,?,?)",
            [
                (row, m.name, m.type, m.role, m.surface, m.start, m.end)
                for row, found in enumerate(snap.mentions)
                for m in found
            ],
        )
        _write_facets(db, snap.facets)
        db.commit()
    finally:
        db.close()


def _write_facets(db: sqlite3.Connection, rows: list[FacetRow]) -> None:
    """The facet rows of a version: (doc_id, facet, value, declared)."""
    db.executemany("INSERT INTO facets VALUES (?,?,?,?)", rows)
_RECOMMENDATIONS_SCHEMA = """
CREATE TABLE recommendations (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id), ordinal INTEGER NOT NULL, number TEXT, kind TEXT NOT NULL,
    page INTEGER NOT NULL, char_start INTEGER NOT NULL, char_end INTEGER NOT NULL, text TEXT NOT NULL,
    addressees TEXT NOT NULL, themes TEXT NOT NULL, response TEXT, same_as TEXT, vector BLOB NOT NULL,
    PRIMARY KEY (doc_id, ordinal)
);
"""


def _write_recommendations(path: Path, units: list[Recommendation], vectors: np.ndarray) -> None:
    """The recommendations table: one row per unit, lists and the response as JSON, its vector."""
    db = sqlite3.connect(path)
    try:
        db.executescript(_RECOMMENDATIONS_SCHEMA)
        db.executemany(
            "INSERT INTO recommendations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (u.doc_id, u.ordinal, u.number, u.kind, u.page, u.char_start, u.char_end, u.text,
                 json.dumps(u.addressees), json.dumps(u.themes),
                 json.dumps(asdict(u.response)) if u.response else None, json.dumps(u.same_as) if u.same_as else None,
                 np.asarray(vector, np.float32).tobytes())
                for u, vector in zip(units, vectors)
            ],
        )
        db.commit()
    finally:
        db.close()


def _recommendation(row: sqlite3.Row) -> Recommendation:
    response = json.loads(row["response"]) if row["response"] else None
    return Recommendation(
        row["doc_id"], row["ordinal"], row["number"], row["text"], row["page"], row["char_start"], row["char_end"],
        row["kind"], json.loads(row["addressees"]), json.loads(row["themes"]),
        Response(**response) if response else None, json.loads(row["same_as"]) if row["same_as"] else None,
    )


def _sequence(version: Path) -> int:
    """The write counter of a version (0 for versions written before there was one)."""
    try:
        return int(json.loads((version / "manifest.json").read_text()).get("sequence", 0))
    except (OSError, ValueError):
        return 0


def _fsync_tree(folder: Path) -> None:
    """fsync every file and folder under `folder`, then `folder` itself."""
    for path in folder.rglob("*"):
        if path.is_dir():
            _fsync_dir(path)
        elif path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
