"""The index directory: versions made of immutable segments plus deleted rows (Lucene's model).

Layout of ``index/``::

    current -> v-000012                (symlink, replaced atomically)
    v-000012/manifest.json             model, settings, counts and the segments of this version
    v-000012/deleted-s-000009.npy      deleted local rows of a segment (only where there are some)
    segments/s-000009/                 one immutable segment (see segment.py)

A write adds at most one segment (the new and changed documents) and marks the
rows of replaced or removed documents deleted, so its cost follows the change,
not the archive. Merges fold adjacent segments of one size tier together and drop
deleted rows; each merge is a version of its own. Every version is built in a
``.building-*`` folder and swapped in with one rename of ``current``, so a crash at
any moment leaves the previous version live; the next write removes the leftovers.
A reader keeps its segments' files open, so it answers after a merge replaced them.
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import shutil
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property, partial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from . import segment
from .chunking import embedding_text
from .facets import FacetTable
from .lexical import Analyzer, LexicalIndex
from .records import Chunk, Document, Mention, Page, Recommendation, Response
from .segment import KINDS, AnnParams, Contents, Segment

FORMAT_VERSION = 3  # 2: one catalogue, FAISS and bm25s files per version (upgraded on open)
LEGACY_FORMATS = (2,)
CURRENT = "current"
KEEP_VERSIONS = 2
SEGMENTS = "segments"
DEFAULT_ANN = AnnParams(50_000, 0)
log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The index is missing, damaged, or was built with other settings."""


class IndexLocked(StoreError):
    """Another writer (ingest, remove, optimize) holds the index."""


class IndexStore:
    """Owns an index directory: reading the live version, writing and merging new ones."""

    def __init__(self, root: Path, ann: AnnParams = DEFAULT_ANN, merge_factor: int = 10):
        self.root = Path(root)
        self.ann = ann
        self.merge_factor = merge_factor
        self._writing = False

    def current(self) -> Path | None:
        """The live version's folder, or None when nothing was ingested yet."""
        link = self.root / CURRENT
        if not link.is_symlink() and not link.exists():
            return None
        target = link.resolve()
        return target if (target / "manifest.json").is_file() else None

    def open(self) -> IndexReader:
        """A reader over the live version (an index of a legacy format is upgraded first, vectors kept)."""
        version = self.current()
        if version is None:
            raise StoreError(f"no index at {self.root}: run `gfmd-search ingest PATH --index {self.root}` first")
        if json.loads((version / "manifest.json").read_text()).get("format") in LEGACY_FORMATS:
            if self._writing:
                self._upgrade(version)
            else:
                with self.writing():
                    self._upgrade(version)
            version = self.current()
        return IndexReader(version)

    def _upgrade(self, version: Path) -> None:
        """Rewrite a legacy version (one catalogue, FAISS vectors, bm25s) as one segment."""
        import faiss

        log.warning("upgrading %s to index format %d (no text is embedded again)", version, FORMAT_VERSION)
        manifest = json.loads((version / "manifest.json").read_text())
        db = sqlite3.connect(f"file:{version / 'catalogue.sqlite'}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        try:
            docs = [_doc_dict(r) for r in db.execute("SELECT * FROM documents")]
            rows = db.execute("SELECT * FROM chunks ORDER BY row").fetchall()
            mentions: list[list[Mention]] = [[] for _ in rows]
            for m in db.execute("SELECT * FROM mentions ORDER BY row, start"):
                mentions[m["row"]].append(Mention(m["name"], m["type"], m["surface"], m["start"], m["end"], m["role"]))
            facet_rows = [tuple(r) for r in db.execute("SELECT doc_id, facet, value, declared FROM facets")]
            units = db.execute("SELECT * FROM recommendations ORDER BY doc_id, ordinal").fetchall()
        finally:
            db.close()
        documents = [_document(d) for d in docs]
        by_id = {d.doc_id: d for d in documents}
        chunks = [_chunk(r) for r in rows]
        index = faiss.read_index(str(version / "vectors.faiss"))
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)
        header = manifest["settings"]["context_header"]
        texts = [embedding_text(by_id[c.doc_id], c, header) for c in chunks]
        unit_vectors = np.array([np.frombuffer(u["vector"], np.float32) for u in units], np.float32)
        contents = Contents(documents, chunks, vectors, texts, mentions, facet_rows, [_recommendation(u) for u in units],
                            unit_vectors.reshape(len(units), index.d))
        self.commit(manifest, contents, set(), None, rewrite=True)
        shutil.rmtree(version, ignore_errors=True)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive lock for one writer (ingest, remove, optimize) at a time."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLocked(f"{self.root} is being written by another process") from None
            self._writing = True
            try:
                self.clean()
                yield
            finally:
                self._writing = False
                fcntl.flock(lock, fcntl.LOCK_UN)

    def commit(
        self,
        manifest: dict[str, Any],
        contents: Contents | None,
        deleted_docs: set[str],
        previous: IndexReader | None,
        rewrite: bool = False,
    ) -> Path:
        """Write a version: the previous segments less `deleted_docs`, plus a segment of `contents`
        (with `rewrite`, that segment alone); then merge by the tiered policy. Call inside `writing`."""
        analyzer = _analyzer(manifest["settings"], ())
        entries: list[dict[str, Any]] = []
        deletions: dict[str, np.ndarray] = {}
        if previous is not None and not rewrite:
            for seg, entry in zip(previous.segments, previous.manifest["segments"]):
                gone = ~previous.segment_live(seg)
                if deleted_docs:
                    gone |= np.isin(seg.doc_ids, list(deleted_docs))[seg.chunk_doc]
                if gone.all():
                    continue
                entries.append({"name": entry["name"], "rows": seg.rows})
                if gone.any():
                    deletions[entry["name"]] = np.flatnonzero(gone).astype(np.int32)
        if contents is not None and contents.chunks:
            name = self._segment_name()
            self._build_segment(name, lambda folder: segment.write(folder, contents, analyzer, self.ann))
            entries.append({"name": name, "rows": len(contents.chunks)})
        final = self._swap(manifest, entries, deletions)
        self.merge(self.merge_factor)
        return self.current() or final

    def merge(self, factor: int | None) -> bool:
        """Merge by the tiered policy (`factor` adjacent segments of one tier), or everything into
        one segment without deleted rows when `factor` is None. True when anything was merged.
        Call inside `writing`."""
        merged = False
        while True:
            listed = json.loads((self.current() / "manifest.json").read_text())["segments"]
            sizes = [e["rows"] - e["deleted"] for e in listed]
            deleted = [e["deleted"] for e in listed]
            if factor is None:
                run = range(len(sizes)) if len(sizes) > 1 or any(deleted) else range(0)
            else:
                run = plan_merge(sizes, deleted, factor)
            if not run:
                return merged
            reader = self.open()  # only when there is something to merge: opening reads every segment
            parts = [(reader.segments[i], reader.segment_live(reader.segments[i])) for i in run]
            name = self._segment_name()
            self._build_segment(name, partial(segment.merge, parts=parts, ann=self.ann))
            entries = [
                {"name": e["name"], "rows": e["rows"]} for i, e in enumerate(reader.manifest["segments"])
                if i not in run
            ]
            entries.insert(run[0], {"name": name, "rows": sum(sizes[i] for i in run)})
            kept = {e["name"] for e in entries}
            deletions = {n: v for n, v in reader.deletions.items() if n in kept}
            self._swap(reader.manifest, entries, deletions)
            reader.close()
            merged = True

    def _segment_name(self) -> str:
        folder = self.root / SEGMENTS
        folder.mkdir(exist_ok=True)
        numbers = [int(p.name[2:]) for p in folder.glob("s-*") if p.name[2:].isdigit()]
        return f"s-{max(numbers, default=0) + 1:06d}"

    def _build_segment(self, name: str, build: Any) -> None:
        building = self.root / SEGMENTS / f".building-{name}"
        build(building)
        _fsync_tree(building)
        os.rename(building, self.root / SEGMENTS / name)
        _fsync_dir(self.root / SEGMENTS)

    def _swap(self, manifest: dict[str, Any], entries: list[dict[str, Any]], deletions: dict[str, np.ndarray]) -> Path:
        """Write a version folder listing the segments, then make it current."""
        number = max(self._version_numbers(), default=0) + 1
        name = f"v-{number:06d}"
        building = self.root / f".building-{name}"
        building.mkdir(parents=True)
        for seg, rows in deletions.items():
            np.save(building / f"deleted-{seg}.npy", rows)
        for entry in entries:
            entry["deleted"] = len(deletions.get(entry["name"], ()))
        live = sum(e["rows"] - e["deleted"] for e in entries)
        body = {**manifest, "format": FORMAT_VERSION, "sequence": number, "segments": entries, "chunks": live}
        (building / "manifest.json").write_text(json.dumps(body, indent=2))
        _fsync_tree(building)
        final = self.root / name
        os.rename(building, final)
        tmp_link = self.root / f".{CURRENT}-{uuid.uuid4().hex[:6]}"
        os.symlink(name, tmp_link)
        os.replace(tmp_link, self.root / CURRENT)
        _fsync_dir(self.root)
        self._prune()
        return final

    def _version_numbers(self) -> list[int]:
        return [int(p.name[2:]) for p in self.root.glob("v-*") if p.name[2:].isdigit()]

    def clean(self) -> None:
        """Remove what a killed write left: partial folders, temporary links, unlisted segments."""
        for leftover in [*self.root.glob(".building-*"), *(self.root / SEGMENTS).glob(".building-*")]:
            shutil.rmtree(leftover, ignore_errors=True)
        for link in self.root.glob(f".{CURRENT}-*"):
            link.unlink(missing_ok=True)
        self._prune()

    def _prune(self) -> None:
        """Keep the newest KEEP_VERSIONS versions (and the live one) and the segments they list."""
        live = self.current()
        versions = sorted((p for p in self.root.glob("v-*") if p.name[2:].isdigit()), key=lambda p: int(p.name[2:]))
        kept = [v for v in versions[-KEEP_VERSIONS:]] + ([live] if live and live not in versions[-KEEP_VERSIONS:] else [])
        for old in versions:
            if old not in kept:
                shutil.rmtree(old, ignore_errors=True)
        listed: set[str] = set()
        for version in kept:
            try:
                listed |= {e["name"] for e in json.loads((version / "manifest.json").read_text()).get("segments", [])}
            except (OSError, ValueError):
                continue
        for folder in (self.root / SEGMENTS).glob("s-*"):
            if folder.name not in listed:
                shutil.rmtree(folder, ignore_errors=True)


def plan_merge(live: list[int], deleted: list[int], factor: int, floor: int = 1000) -> range:
    """The adjacent segments to merge next, or an empty range.

    A segment's tier is log_factor(live rows / floor); `factor` adjacent segments of one
    tier are merged (Lucene's LogMergePolicy), and a segment more than half deleted is
    rewritten alone to drop its deleted rows.
    """
    tiers = [int(math.log(max(n, floor) / floor, factor)) for n in live]
    for start in range(len(tiers) - factor + 1):
        if len(set(tiers[start : start + factor])) == 1:
            return range(start, start + factor)
    for i, (n, d) in enumerate(zip(live, deleted)):
        if d > n:
            return range(i, i + 1)
    return range(0)


class DocumentKey(NamedTuple):
    """What an ingest compares of a live document: its id, content hash and file path."""

    doc_id: str
    content_hash: str
    path: str | None


class IndexReader:
    """Read access to one index version over all its segments; safe to share between threads.

    Rows are global: the rows of the segments one after another, in manifest order.
    Deleted rows keep their numbers but never appear in a result.
    """

    def __init__(self, version: Path):
        self.version = version
        self.manifest: dict[str, Any] = json.loads((version / "manifest.json").read_text())
        built = self.manifest.get("format")
        if built != FORMAT_VERSION:
            raise StoreError(
                f"{version}: index format {built} is not {FORMAT_VERSION}. Rebuild it: delete {version.parent} "
                f"and run `gfmd-search ingest` again (unchanged files are embedded anew), or keep using the "
                f"release that built it."
            )
        settings = self.manifest["settings"]
        root = version.parent / SEGMENTS
        self.segments = [Segment(root / e["name"]) for e in self.manifest["segments"]]
        self.analyzer = _analyzer(settings, [x for s in self.segments for x in set(s.languages.tolist())])
        self.deletions = {
            e["name"]: np.load(version / f"deleted-{e['name']}.npy") for e in self.manifest["segments"] if e["deleted"]
        }
        sizes = [s.rows for s in self.segments]
        self.offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)
        self.size = int(self.offsets[-1])
        self.dimension = int(self.manifest["dimension"])
        lives = [self._segment_live_or_none(s, e["name"]) for s, e in zip(self.segments, self.manifest["segments"])]
        self.lexical = LexicalIndex(
            [(s.postings, v, int(o)) for s, v, o in zip(self.segments, lives, self.offsets)],
            self.analyzer, settings["bm25_k1"], settings["bm25_b"], self.size,
        )
        self.live = self.lexical.live  # whether each row is live; None when no row is deleted
        doc_offsets = np.cumsum([0] + [len(s.doc_ids) for s in self.segments[:-1]], dtype=np.int64)
        self.chunk_doc_index = np.concatenate(
            [s.chunk_doc.astype(np.int64) + o for s, o in zip(self.segments, doc_offsets)] or [np.zeros(0, np.int64)]
        )
        self._doc_ids = _concat([s.doc_ids for s in self.segments], object)
        self._years = _concat([s.years for s in self.segments], np.int64)
        self._doc_types = _concat([s.doc_types for s in self.segments], object)
        self._sources, self._source_codes = np.unique(_concat([s.sources for s in self.segments], object).astype(str),
                                                      return_inverse=True)
        self._languages = _concat([s.languages for s in self.segments], object)
        self._kinds = _concat([s.chunk_kind for s in self.segments], np.uint8)
        self._doc_segment = np.repeat(np.arange(len(self.segments)), [len(s.doc_ids) for s in self.segments])
        self._doc_first = doc_offsets
        self._doc_live = np.ones(len(self._doc_ids), bool)
        if self.live is not None:
            self._doc_live = np.zeros(len(self._doc_ids), bool)
            self._doc_live[self.chunk_doc_index[self.live]] = True
        self.document_count = int(self._doc_live.sum())

    @cached_property
    def facets(self) -> FacetTable:
        """Every live document's facet values as arrays (read on first use: writers never need them)."""
        return FacetTable(self._facet_rows(), len(self._doc_ids))

    def _facet_rows(self) -> list[tuple[int, str, str]]:
        """(global document position, facet, value) of every live document."""
        rows = []
        first = 0
        for seg in self.segments:
            found = seg.query(
                "SELECT d.rowid - 1 AS doc, f.facet, f.value FROM facets f JOIN documents d USING (doc_id) "
                "ORDER BY f.rowid"
            )
            rows.extend((r["doc"] + first, r["facet"], r["value"]) for r in found if self._doc_live[r["doc"] + first])
            first += len(seg.doc_ids)
        return rows

    def declared_facets(self, doc_ids: set[str] | None = None) -> dict[str, dict[str, list[str]]]:
        """The facets records declared, per live document (or of `doc_ids`): {doc_id: {facet: values}}."""
        out: dict[str, dict[str, list[str]]] = {}
        for i, seg in enumerate(self.segments):
            live = self._live_ids(i) if doc_ids is None else self._live_ids(i) & doc_ids
            if not live:
                continue
            for r in seg.query("SELECT doc_id, facet, value FROM facets WHERE declared = 1 ORDER BY rowid"):
                if r["doc_id"] in live:
                    out.setdefault(r["doc_id"], {}).setdefault(r["facet"], []).append(r["value"])
        return out

    def _live_ids(self, i: int) -> set[str]:
        """The ids of the live documents of segment i."""
        first = self._doc_first[i]
        ids = self._doc_ids[first : first + len(self.segments[i].doc_ids)]
        return set(ids[self._doc_live[first : first + len(ids)]].tolist())

    def _segment_live_or_none(self, seg: Segment, name: str) -> np.ndarray | None:
        if name not in self.deletions:
            return None
        live = np.ones(seg.rows, bool)
        live[self.deletions[name]] = False
        return live

    def segment_live(self, seg: Segment) -> np.ndarray:
        """The live-rows mask of one of this version's segments."""
        i = self.segments.index(seg)
        return np.ones(seg.rows, bool) if self.live is None else self.live[self.offsets[i] : self.offsets[i + 1]]

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
        """Boolean mask over rows for the metadata filters and deletions; None when every row passes."""
        if not any([year_from, year_to, doc_types, sources, doc_ids, exclude_doc_ids, languages, kinds]):
            return self.live
        keep = self._doc_live.copy()
        if year_from or year_to:
            keep &= self._years >= 0
        if year_from:
            keep &= self._years >= year_from
        if year_to:
            keep &= self._years <= year_to
        if doc_types:
            keep &= np.isin(self._doc_types, [t.lower() for t in doc_types])
        if sources:
            wanted = [s.lower() for s in sources]
            matching = np.zeros(len(self._sources), bool)
            for s in wanted:  # over the distinct source names, not the documents
                matching |= np.char.find(self._sources, s) >= 0
            keep &= matching[self._source_codes]
        if doc_ids:
            keep &= np.isin(self._doc_ids, doc_ids)
        if exclude_doc_ids:
            keep &= ~np.isin(self._doc_ids, exclude_doc_ids)
        if languages:
            keep &= np.isin(self._languages, [lang.lower() for lang in languages])
        mask = keep[self.chunk_doc_index]
        if kinds:
            mask &= np.isin(self._kinds, [KINDS.index(k.lower()) for k in kinds if k.lower() in KINDS])
        return mask if self.live is None else mask & self.live

    def is_table(self, rows: np.ndarray) -> np.ndarray:
        """Whether each of the given rows is a table passage (passage_kinds.py)."""
        return self._kinds[rows] == KINDS.index("table")

    def dense(self, query: np.ndarray, depth: int, mask: np.ndarray | None, nprobe: int) -> tuple[np.ndarray, np.ndarray]:
        """The `depth` allowed rows nearest the query vector, best first, scored exactly."""
        found = []
        for i, seg in enumerate(self.segments):
            local = None if mask is None else mask[self.offsets[i] : self.offsets[i + 1]]
            found.append(seg.dense(query, depth, local, nprobe) + self.offsets[i])
        rows = np.concatenate(found) if found else np.zeros(0, np.int64)
        scores = self.similarity(query[0], rows)
        order = np.lexsort((rows, -scores))[:depth]
        return rows[order], scores[order]

    def similarity(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact inner products of the query vector with the given rows' vectors."""
        return np.einsum("ij,j->i", self.vectors_at(rows), query)  # no BLAS threads to fight the encoder

    def vectors_at(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of the given global rows, in order."""
        if len(self.segments) == 1:
            return self.segments[0].vectors[rows]
        out = np.empty((len(rows), self.dimension), dtype=np.float32)
        for _, seg, local, where in self._by_segment(rows):
            out[where] = seg.vectors[local]
        return out

    def matrix(self) -> np.ndarray:
        """Every row's vector (deleted rows too), for evaluations over small collections."""
        return self.vectors_at(np.arange(self.size))

    def _by_segment(self, rows: np.ndarray) -> Iterator[tuple[int, Segment, np.ndarray, np.ndarray]]:
        rows = np.asarray(rows, dtype=np.int64)
        which = np.searchsorted(self.offsets, rows, side="right") - 1
        for i in np.unique(which):
            where = np.flatnonzero(which == i)
            yield int(i), self.segments[i], rows[where] - self.offsets[i], where

    def chunk_rows(self, rows: list[int]) -> list[dict[str, Any]]:
        """Chunks joined with their documents, in the order of `rows`."""
        by_row: dict[int, dict[str, Any]] = {}
        for i, seg, local, _ in self._by_segment(np.array(rows, dtype=np.int64)):
            found = seg.query_in(
                "SELECT c.row, c.doc_id, c.ordinal, c.text, c.page_start, c.page_end, c.section, c.char_start, "
                "c.char_end, c.kind, c.page_breaks, d.title, d.year, d.doc_type, d.source, d.path, d.language "
                "FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE c.row IN ({marks})",
                local.tolist(),
            )
            for r in found:
                item = {**dict(r), "page_breaks": json.loads(r["page_breaks"])}
                item["row"] = int(r["row"] + self.offsets[i])
                by_row[item["row"]] = item
        return [by_row[r] for r in rows]

    def texts(self, rows: list[int]) -> list[str]:
        """The passage texts of the given rows, in order (only the text: cheaper than `chunk_rows`)."""
        by_row: dict[int, str] = {}
        for i, seg, local, _ in self._by_segment(np.array(rows, dtype=np.int64)):
            for row, text in seg.query_in("SELECT row, text FROM chunks WHERE row IN ({marks})", local.tolist()):
                by_row[int(row + self.offsets[i])] = text
        return [by_row[r] for r in rows]

    def doc_ids(self) -> np.ndarray:
        """Document ids by position; `chunk_doc_index[row]` is a position (deleted documents keep theirs)."""
        return self._doc_ids

    def doc_live(self) -> np.ndarray:
        """Whether each document position is live (not deleted or replaced)."""
        return self._doc_live

    def doc_years(self) -> list[int | None]:
        """Each document position's year."""
        return [None if y < 0 else int(y) for y in self._years.tolist()]

    def live_rows(self) -> np.ndarray:
        """The rows not deleted, ascending."""
        return np.arange(self.size) if self.live is None else np.flatnonzero(self.live)

    def mentions(self, rows: list[int]) -> dict[int, list[Mention]]:
        """Actor mentions of the given chunk rows."""
        out: dict[int, list[Mention]] = {int(r): [] for r in rows}
        for i, seg, local, _ in self._by_segment(np.array(rows, dtype=np.int64)):
            for m in seg.query_in("SELECT * FROM mentions WHERE row IN ({marks}) ORDER BY row, start", local.tolist()):
                out[int(m["row"] + self.offsets[i])].append(
                    Mention(m["name"], m["type"], m["surface"], m["start"], m["end"], m["role"])
                )
        return out

    def actor_document_counts(self) -> dict[str, int]:
        """How many live documents mention each actor (the basis of the partner prior)."""
        counts: Counter[str] = Counter()
        first = 0
        for seg in self.segments:
            pairs = seg.query(
                "SELECT DISTINCT m.name, d.rowid - 1 AS doc FROM mentions m JOIN chunks c ON c.row = m.row "
                "JOIN documents d ON d.doc_id = c.doc_id"
            )
            live = self._doc_live[first : first + len(seg.doc_ids)]
            counts.update(p["name"] for p in pairs if live[p["doc"]])
            first += len(seg.doc_ids)
        return dict(counts)

    def documents(self, doc_ids: set[str] | None = None, catalogued: bool = False) -> list[dict[str, Any]]:
        """Every live document's metadata row (or those of `doc_ids`; with `catalogued`, at least the
        records naming files and the files linked to a record), by id."""
        out = []
        sql = "SELECT rowid - 1 AS position, * FROM documents"
        if catalogued:
            sql += """ WHERE extra LIKE '%"files"%' OR extra LIKE '%"record"%'"""
        for i, seg in enumerate(self.segments):
            first = self._doc_first[i]
            if doc_ids is None:
                found = seg.query(sql)
            else:
                found = seg.query_in(sql + (" AND" if catalogued else " WHERE") + " doc_id IN ({marks})", list(doc_ids))
            out.extend(_doc_dict(r) for r in found if self._doc_live[first + r["position"]])
        for d in out:
            del d["position"]
        return sorted(out, key=lambda d: d["doc_id"])

    def document_keys(self) -> list[DocumentKey]:
        """The id, content hash and file path (None for records and test collections) of every live
        document: what an ingest compares, without reading whole metadata rows."""
        out = []
        for i, seg in enumerate(self.segments):
            first = self._doc_first[i]
            for r in seg.query("SELECT rowid - 1 AS position, doc_id, content_hash, path FROM documents"):
                if self._doc_live[first + r["position"]]:
                    out.append(DocumentKey(r["doc_id"], r["content_hash"], r["path"]))
        return out

    def _locate(self, doc_id: str) -> tuple[int, Segment] | None:
        found = np.flatnonzero((self._doc_ids == doc_id) & self._doc_live)
        if not len(found):
            return None
        i = int(self._doc_segment[found[0]])
        return i, self.segments[i]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """A live document's metadata row, or None."""
        where = self._locate(doc_id)
        if where is None:
            return None
        return _doc_dict(where[1].query("SELECT * FROM documents WHERE doc_id = ?", (doc_id,))[0])

    def chunks_of(self, doc_id: str) -> list[dict[str, Any]]:
        """A live document's chunks in order; `row` is the global row."""
        where = self._locate(doc_id)
        if where is None:
            return []
        i, seg = where
        rows = [dict(r) for r in seg.query("SELECT * FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]
        for r in rows:
            r["row"] = int(r["row"] + self.offsets[i])
            r["page_breaks"] = json.loads(r["page_breaks"])
        return rows

    def vectors_of_hashes(self, hashes: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of chunk texts by text hash (to reuse instead of embedding again)."""
        out: dict[str, np.ndarray] = {}
        for seg in self.segments:
            wanted = [h for h in dict.fromkeys(hashes) if h not in out]
            for r in seg.query_in("SELECT row, text_hash FROM chunks WHERE text_hash IN ({marks})", wanted):
                out.setdefault(r["text_hash"], np.array(seg.vectors[r["row"]]))
        return out

    def text_hashes(self) -> set[str]:
        """The text hash of every stored chunk (what need not be embedded again)."""
        return {r["text_hash"] for seg in self.segments for r in seg.query("SELECT DISTINCT text_hash FROM chunks")}

    def recommendations(self, doc_ids: set[str] | None = None) -> tuple[list[Recommendation], np.ndarray]:
        """The recommendation units of the live documents (or of `doc_ids`) by document and reading
        order, not yet linked across documents (recommendations.link does that), and their
        normalised embeddings, row i for unit i."""
        rows = []
        for i, seg in enumerate(self.segments):
            live = self._live_ids(i) if doc_ids is None else self._live_ids(i) & doc_ids
            rows.extend(r for r in seg.query("SELECT * FROM recommendations") if r["doc_id"] in live)
        rows.sort(key=lambda r: (r["doc_id"], r["ordinal"]))
        vectors = np.array([np.frombuffer(r["vector"], np.float32) for r in rows], np.float32)
        return [_recommendation(r) for r in rows], vectors.reshape(len(rows), self.dimension)

    def load_all(self) -> tuple[list[Document], list[Chunk], np.ndarray, list[list[Mention]]]:
        """Every live document (pages not kept), chunk, vector and mention, in row order.

        This reads the whole archive: for rewrites (another analyzer) and evaluations only."""
        live_rows = self.live_rows()
        chunks: list[Chunk] = []
        for seg in self.segments:
            live = self.segment_live(seg)
            chunks.extend(_chunk(r) for r in seg.query("SELECT * FROM chunks ORDER BY row") if live[r["row"]])
        by_row = self.mentions(live_rows.tolist())
        return self.document_records(), chunks, self.vectors_at(live_rows), [by_row[int(r)] for r in live_rows]

    def document_records(self, doc_ids: set[str] | None = None, catalogued: bool = False) -> list[Document]:
        """Live documents as Documents (pages empty, declared facets kept), by id; `doc_ids` and
        `catalogued` choose as in `documents`."""
        rows = self.documents(doc_ids, catalogued)
        declared = self.declared_facets({d["doc_id"] for d in rows})
        return [replace(_document(d), facets=declared.get(d["doc_id"], {})) for d in rows]

    def load_documents(self, doc_ids: set[str]) -> tuple[list[Document], list[Chunk], np.ndarray, list[list[Mention]]]:
        """Some live documents with their chunks, vectors and mentions (to move them to a new segment)."""
        documents = self.document_records(doc_ids)
        rows: list[int] = []
        chunks: list[Chunk] = []
        for d in documents:
            found = self.chunks_of(d.doc_id)
            rows.extend(r["row"] for r in found)
            chunks.extend(_chunk(r) for r in found)
        by_row = self.mentions(rows)
        return documents, chunks, self.vectors_at(np.array(rows, dtype=np.int64)), [by_row[r] for r in rows]

    def disk_bytes(self) -> int:
        """Bytes on disk of this version's segments (shared with other versions) and deletions."""
        folders = [self.version, *(s.folder for s in self.segments)]
        return sum(f.stat().st_size for folder in folders for f in folder.rglob("*") if f.is_file())

    def close(self) -> None:
        """Close the catalogues (a reader left open keeps answering after a merge)."""
        for seg in self.segments:
            seg.close()


def _concat(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype=dtype)


def _analyzer(settings: dict[str, Any], languages: Iterable[str | None]) -> Analyzer:
    """The analyzer of an index whose texts are in these languages."""
    default = settings.get("language", "en")
    return Analyzer(settings["stemmer"], settings["stopwords"], default, tuple(sorted({x or default for x in languages})))


def _document(d: dict[str, Any]) -> Document:
    """A catalogue row as a Document (pages empty: only their count and labels are kept)."""
    return Document(
        doc_id=d["doc_id"], title=d["title"], pages=_empty_pages(d["pages"], d["page_labels"]), year=d["year"],
        doc_type=d["doc_type"], source=d["source"], path=d["path"], meeting=d["meeting"],
        content_hash=d["content_hash"], extra=d["extra"], language=d["language"],
        language_detected=bool(d["language_detected"]),
    )


def _chunk(r: sqlite3.Row | dict[str, Any]) -> Chunk:
    breaks = r["page_breaks"]
    return Chunk(r["doc_id"], r["ordinal"], r["text"], r["page_start"], r["page_end"], r["section"],
                 r["char_start"], r["char_end"], r["text_hash"], r["kind"],
                 json.loads(breaks) if isinstance(breaks, str) else breaks)


def _recommendation(row: sqlite3.Row) -> Recommendation:
    response = json.loads(row["response"]) if row["response"] else None
    return Recommendation(
        row["doc_id"], row["ordinal"], row["number"], row["text"], row["page"], row["char_start"], row["char_end"],
        row["kind"], json.loads(row["addressees"]), json.loads(row["themes"]),
        Response(**response) if response else None,
    )


def _empty_pages(count: int, labels: str | None) -> list[Page]:
    names = json.loads(labels) if labels else [None] * count
    return [Page(i + 1, "", names[i]) for i in range(count)]


def _doc_dict(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    d["extra"] = json.loads(d["extra"])
    return d


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        elif path.is_dir():
            _fsync_dir(path)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
