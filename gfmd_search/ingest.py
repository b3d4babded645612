"""Ingest: files or records in, a new index version out, embedding only what changed."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from . import actors
from .chunking import Chunker, embedding_text
from .config import Settings
from .embedding import Embedder
from .loaders import LoadError, find_files, identify, load_document
from .records import Chunk, Document, IngestReport, Skipped
from .store import FORMAT_VERSION, IndexReader, IndexStore, Snapshot, StoreError

log = logging.getLogger(__name__)

EMBEDDING_SETTINGS = ("chunk_tokens", "chunk_overlap", "context_header")
LEXICAL_SETTINGS = ("stemmer", "stopwords", "bm25_k1", "bm25_b")


class Ingestor:
    """Builds index versions from files or Document records, reusing unchanged vectors."""

    def __init__(self, settings: Settings, embedder: Embedder, store: IndexStore):
        self.settings = settings
        self.embedder = embedder
        self.store = store

    def ingest_paths(self, paths: Iterable[Path], prune: bool = False, progress: bool = True) -> IngestReport:
        """Ingest files and folders; with `prune`, drop documents whose files are gone."""
        report = IngestReport()
        files: list[tuple[Path, Path]] = []
        for arg in map(Path, paths):
            found, problems = find_files([arg])
            root = arg if arg.is_dir() else arg.parent
            files.extend((f, root) for f in found)
            report.skipped.extend(Skipped(str(p), reason) for p, reason in problems)
        with self.store.writing():
            old = self._open_compatible()
            known = {d["path"]: d for d in old.documents()} if old else {}
            owners = {d["doc_id"]: p for p, d in known.items()}
            fresh: list[Document] = []
            for path, root in tqdm(files, desc="Loading", unit="file", disable=not progress):
                try:
                    doc_id, content_hash = identify(path, root)
                    owner = owners.setdefault(doc_id, str(path.resolve()))
                    if owner != str(path.resolve()) and Path(owner).exists():
                        raise LoadError(path, f"document id {doc_id!r} is already used by {owner}; "
                                              "give one of them an \"id\" in its .meta.json sidecar")
                    owners[doc_id] = str(path.resolve())
                    previous = known.get(str(path.resolve()))
                    if previous and previous["content_hash"] == content_hash and previous["doc_id"] == doc_id:
                        report.unchanged.append(doc_id)
                        continue
                    fresh.append(load_document(path, root, max_pages=self.settings.max_pages))
                except LoadError as exc:
                    report.skipped.append(Skipped(exc.path, exc.reason))
            gone = [d["doc_id"] for p, d in known.items() if prune and not Path(p).exists()]
            self._commit(old, fresh, gone, report, progress)
        return report

    def ingest_documents(self, documents: Iterable[Document], progress: bool = True) -> IngestReport:
        """Ingest ready-made Document records (test collections, catalogue rows)."""
        report = IngestReport()
        with self.store.writing():
            old = self._open_compatible()
            hashes = {d["doc_id"]: d["content_hash"] for d in old.documents()} if old else {}
            fresh = []
            for doc in documents:
                doc = replace(doc, content_hash=doc.content_hash or _record_hash(doc))
                if hashes.get(doc.doc_id) == doc.content_hash:
                    report.unchanged.append(doc.doc_id)
                else:
                    fresh.append(doc)
            self._commit(old, fresh, [], report, progress)
        return report

    def remove(self, doc_ids: list[str], progress: bool = False) -> IngestReport:
        """Delete documents by id from every part of the index."""
        report = IngestReport()
        with self.store.writing():
            old = self._open_compatible()
            known = {d["doc_id"] for d in old.documents()} if old else set()
            missing = [d for d in doc_ids if d not in known]
            report.skipped.extend(Skipped(d, "no such document in the index") for d in missing)
            self._commit(old, [], [d for d in doc_ids if d in known], report, progress)
        return report

    def _open_compatible(self) -> IndexReader | None:
        """The live version, after checking it was built by this model and chunking."""
        if self.store.current() is None:
            return None
        reader = self.store.open()
        built = reader.manifest
        if built["model_fingerprint"] != self.embedder.fingerprint:
            raise StoreError(
                f"{self.store.root} was built with model {built['model']!r}; this run uses {self.settings.model!r}. "
                "Vectors of different models cannot be mixed: use another --index or delete this one."
            )
        for key in EMBEDDING_SETTINGS:
            if built["settings"][key] != getattr(self.settings, key):
                raise StoreError(
                    f"{self.store.root} was built with {key}={built['settings'][key]!r}, not "
                    f"{getattr(self.settings, key)!r}: use another --index or delete this one."
                )
        return reader

    def _commit(
        self, old: IndexReader | None, fresh: list[Document], gone: list[str], report: IngestReport, progress: bool
    ) -> None:
        """Write a version holding the old documents not replaced or gone, plus the fresh ones."""
        new_chunks, fresh = self._chunk(fresh, report, progress)
        replaced = {d.doc_id for d in fresh} | set(gone)
        old_ids = {d["doc_id"] for d in old.documents()} if old else set()
        lexical_changed = old is not None and any(
            old.manifest["settings"].get(k) != getattr(self.settings, k) for k in LEXICAL_SETTINGS
        )
        if not fresh and not (replaced & old_ids) and not lexical_changed:
            return
        if old:
            old_docs, old_chunks, old_vectors, old_mentions = old.load_all()
        else:
            old_docs, old_chunks, old_vectors, old_mentions = [], [], np.zeros((0, 0), np.float32), []
        keep = [i for i, c in enumerate(old_chunks) if c.doc_id not in replaced]
        vectors, embedded = self._vectors(new_chunks, fresh, old_chunks, old_vectors, progress)
        actors_current = old is not None and old.manifest.get("actors") == actors.VERSION
        mentions = [
            old_mentions[i] if actors_current else actors.extract_mentions(old_chunks[i].text) for i in keep
        ] + [actors.extract_mentions(c.text) for c in new_chunks]
        documents = [d for d in old_docs if d.doc_id not in replaced] + fresh
        chunks = [old_chunks[i] for i in keep] + new_chunks
        by_id = {d.doc_id: d for d in documents}
        all_vectors = np.vstack([old_vectors[keep] if keep else np.zeros((0, vectors.shape[1]), np.float32), vectors])
        self.store.write(
            Snapshot(
                manifest=self._manifest(len(documents), len(chunks)),
                documents=documents,
                chunks=chunks,
                vectors=all_vectors,
                lexical_texts=[embedding_text(by_id[c.doc_id], c, self.settings.context_header) for c in chunks],
                mentions=mentions,
            )
        )
        report.ingested.extend(d.doc_id for d in fresh)
        report.removed.extend(sorted(set(gone) & old_ids))
        report.chunks_embedded += embedded
        report.chunks_reused += len(new_chunks) - embedded

    def _chunk(
        self, fresh: list[Document], report: IngestReport, progress: bool
    ) -> tuple[list[Chunk], list[Document]]:
        """Chunks of the fresh documents, and those documents that gave any (the rest are skipped)."""
        max_tokens = min(self.settings.chunk_tokens, self.embedder.max_tokens)
        chunker = Chunker(self.embedder.count_tokens, max_tokens, self.settings.chunk_overlap, self.settings.context_header)
        chunks: list[Chunk] = []
        kept: list[Document] = []
        for doc in tqdm(fresh, desc="Chunking", unit="doc", disable=not progress or len(fresh) < 2):
            found = chunker.chunk(doc)
            if found:
                chunks.extend(found)
                kept.append(doc)
            else:
                report.skipped.append(Skipped(doc.path or doc.doc_id, "no text left to index"))
        return chunks, kept

    def _vectors(
        self,
        chunks: list[Chunk],
        fresh: list[Document],
        old_chunks: list[Chunk],
        old_vectors: np.ndarray,
        progress: bool,
    ) -> tuple[np.ndarray, int]:
        """Vectors for the new chunks: reused by text hash where possible, else embedded."""
        reusable = {c.text_hash: i for i, c in enumerate(old_chunks)}
        by_id = {d.doc_id: d for d in fresh}
        todo = [i for i, c in enumerate(chunks) if c.text_hash not in reusable]
        vectors = np.zeros((len(chunks), self.embedder.dimension), dtype=np.float32)
        for i, c in enumerate(chunks):
            if c.text_hash in reusable:
                vectors[i] = old_vectors[reusable[c.text_hash]]
        if todo:
            started = time.perf_counter()
            texts = [embedding_text(by_id[chunks[i].doc_id], chunks[i], self.settings.context_header) for i in todo]
            vectors[todo] = self.embedder.encode(texts, progress=progress)
            log.info("embedded %d chunks in %.1fs", len(todo), time.perf_counter() - started)
        return vectors, len(todo)

    def _manifest(self, documents: int, chunks: int) -> dict:
        s = self.settings
        return {
            "format": FORMAT_VERSION,
            "model": s.model,
            "model_fingerprint": self.embedder.fingerprint,
            "dimension": self.embedder.dimension,
            "settings": {k: getattr(s, k) for k in EMBEDDING_SETTINGS + LEXICAL_SETTINGS},
            "actors": actors.VERSION,
            "documents": documents,
            "chunks": chunks,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }


def _record_hash(doc: Document) -> str:
    """Content hash of a record: its text and every metadata field."""
    fields = [doc.title, doc.year, doc.doc_type, doc.meeting, doc.source, sorted(doc.extra.items()), doc.text]
    return hashlib.sha256(repr(fields).encode()).hexdigest()
