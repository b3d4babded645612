"""Ingest: files or records in, a new index version out, embedding only what changed.

Files are parsed in a worker process while the encoder embeds the chunks of the
files already parsed, so parsing hides behind the encoder, which bounds ingest.
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np
from tqdm.auto import tqdm

from . import actors, catalogue, facets, recommendations
from .chunking import Chunker, embedding_text
from .config import Settings
from .embedding import Embedder
from .languages import with_language
from .loaders import LoadError, display_path, find_files, identify, load_document
from .loaders.metadata import doc_id_for
from .loaders.records import RECORD_EXTENSIONS, file_key, load_records, read_mapping
from .records import Chunk, Document, IngestReport, Mention, Skipped
from .segment import Contents
from .store import FORMAT_VERSION, IndexReader, IndexStore, StoreError

EMBEDDING_SETTINGS = ("chunk_tokens", "chunk_overlap", "context_header")
ANALYSIS_SETTINGS = ("stemmer", "stopwords", "language")  # a change re-analyses every segment
LEXICAL_SETTINGS = ANALYSIS_SETTINGS + ("bm25_k1", "bm25_b")
ENCODE_GROUP = 256  # chunks embedded together while the next files are parsed


@dataclass
class _Embedded:
    documents: list[Document]
    chunks: list[Chunk]
    vectors: np.ndarray
    embedded: int


class Executor(Protocol):
    """Parses, chunks and embeds files somewhere else (gfmd_search.ray_ingest.RayExecutor)."""

    def embed_files(
        self, ingestor: Ingestor, todo: list[tuple[Path, Path]], previous: _Previous, report: IngestReport,
        progress: bool,
    ) -> _Embedded: ...


class _Previous:
    """The live version: its documents' ids, hashes and paths, and its vectors looked up by text hash."""

    def __init__(self, reader: IndexReader | None):
        self.reader = reader
        keys = reader.document_keys() if reader else []
        # Units extracted by older recommendation rules: every document given again counts as changed
        # (it is parsed again; its vectors are reused).
        stale = reader is not None and reader.manifest.get("recommendations") != recommendations.VERSION
        self.rows = [k._replace(content_hash="") for k in keys] if stale else keys

    def vectors_of(self, hashes: list[str]) -> dict[str, np.ndarray]:
        """The vectors embedded before for these chunk texts (by text hash), where there are some."""
        return self.reader.vectors_of_hashes(hashes) if self.reader else {}

    def known_hashes(self) -> set[str]:
        """The text hashes of every chunk already embedded."""
        return self.reader.text_hashes() if self.reader else set()

    def setting(self, key: str) -> object:
        return self.reader.manifest["settings"].get(key) if self.reader else None


class Ingestor:
    """Builds index versions from files or Document records, reusing unchanged vectors."""

    def __init__(self, settings: Settings, embedder: Embedder, store: IndexStore):
        self.settings = settings
        self.embedder = embedder
        self.store = store

    def ingest_paths(
        self, paths: Iterable[Path], prune: bool = False, progress: bool = True, executor: Executor | None = None
    ) -> IngestReport:
        """Ingest files and folders; with `prune`, drop documents whose files are gone.
        An `executor` (the Ray one) parses, chunks and embeds the changed files elsewhere."""
        report = IngestReport()
        files: dict[Path, tuple[Path, Path]] = {}  # by resolved path: a file given twice is taken once
        for arg in map(Path, paths):
            found, problems = find_files([arg], self.settings.follow_links)
            root = arg if arg.is_dir() else arg.parent
            for f in found:
                files.setdefault(f.resolve(), (f, root))
            report.skipped.extend(Skipped(display_path(p), reason) for p, reason in problems)
        record_files = [path for path, _ in files.values() if path.suffix.lower() in RECORD_EXTENSIONS]
        documents = [(path, root) for path, root in files.values() if path.suffix.lower() not in RECORD_EXTENSIONS]
        with self.store.writing():
            previous = _Previous(self._open_compatible())
            records, kept = self._changed_records(record_files, previous, report)
            todo = self._changed(documents, previous, report)
            gone = [d.doc_id for d in previous.rows if prune and d.path and not Path(d.path).exists()]
            gone += [
                d.doc_id for d in previous.rows if prune and d.path in kept and d.doc_id not in kept[d.path]
            ]
            if executor is None:
                fresh = itertools.chain(records, self._load(todo, report))
                new = self._embed(fresh, previous.vectors_of, report, progress)
            else:  # records are ready-made: embedded here, before the files the executor did
                here = self._embed(iter(records), previous.vectors_of, report, progress)
                there = executor.embed_files(self, todo, previous, report, progress)
                new = _Embedded(here.documents + there.documents, here.chunks + there.chunks,
                                np.vstack([here.vectors, there.vectors]), here.embedded + there.embedded)
            self._commit(previous, new, gone, report)
        return report

    def _changed_records(
        self, paths: list[Path], previous: _Previous, report: IngestReport
    ) -> tuple[list[Document], dict[str, set[str]]]:
        """The new or changed records of these records files, and {file: ids it holds now}."""
        hashes = {d.doc_id: (d.content_hash, d.path) for d in previous.rows}
        changed: list[Document] = []
        ids: dict[str, set[str]] = {}
        for path in paths:
            try:
                documents, problems = load_records(path, read_mapping(path, self.settings.record_mappings))
            except LoadError as exc:
                report.skipped.append(Skipped(exc.path, exc.reason))
                continue
            report.skipped.extend(Skipped(str(path), f"{p.where}: {p.reason}") for p in problems)
            ids[str(path.resolve())] = {d.doc_id for d in documents}
            for doc in documents:
                content_hash, owner = hashes.get(doc.doc_id, (None, doc.path))
                if owner != doc.path and owner and Path(owner).exists():
                    reason = (f"record id {doc.extra['record_id']!r} gives document id {doc.doc_id!r}, "
                              f"already used by {owner}")
                    report.skipped.append(Skipped(str(path), reason))
                    continue
                if content_hash == doc.content_hash:
                    report.unchanged.append(doc.doc_id)
                else:
                    changed.append(doc)
                hashes[doc.doc_id] = (doc.content_hash, doc.path)  # a later file may not take this id
        return changed, ids

    def ingest_documents(self, documents: Iterable[Document], progress: bool = True) -> IngestReport:
        """Ingest ready-made Document records (test collections, catalogue rows)."""
        report = IngestReport()
        with self.store.writing():
            previous = _Previous(self._open_compatible())
            hashes = {d.doc_id: d.content_hash for d in previous.rows}

            def changed() -> Iterator[Document]:
                for doc in documents:
                    doc = replace(doc, content_hash=doc.content_hash or _record_hash(doc))
                    if hashes.get(doc.doc_id) == doc.content_hash:
                        report.unchanged.append(doc.doc_id)
                    else:
                        yield doc

            self._commit(previous, self._embed(changed(), previous.vectors_of, report, progress), [], report)
        return report

    def remove(self, doc_ids: list[str]) -> IngestReport:
        """Delete documents by id from every part of the index."""
        report = IngestReport()
        with self.store.writing():
            previous = _Previous(self._open_compatible())
            known = {d.doc_id for d in previous.rows}
            report.skipped.extend(Skipped(d, "no such document in the index") for d in doc_ids if d not in known)
            nothing = self._embed(iter(()), previous.vectors_of, report, False)
            self._commit(previous, nothing, [d for d in doc_ids if d in known], report)
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

    def _changed(
        self, files: list[tuple[Path, Path]], previous: _Previous, report: IngestReport
    ) -> list[tuple[Path, Path, str]]:
        """The (path, root, doc_id) of files that are new or changed; unchanged ones and id
        clashes go to the report. A file already in the index keeps its id unless its sidecar
        names another, so ingesting it from another root never stores it twice."""
        known = {d.path: d for d in previous.rows}
        owners = {d.doc_id: d.path for d in previous.rows}
        todo = []
        for path, root in files:
            resolved = str(path.resolve())
            try:
                doc_id, content_hash = identify(path, root, max_file_bytes(self.settings))
            except LoadError as exc:
                report.skipped.append(Skipped(exc.path, exc.reason))
                continue
            before = known.get(resolved)
            if before and doc_id == doc_id_for(path, root):
                doc_id = before.doc_id
            owner = owners.setdefault(doc_id, resolved)
            if owner != resolved and Path(owner).exists():
                reason = f"document id {doc_id!r} is already used by {owner}; give one an \"id\" in its .meta.json"
                report.skipped.append(Skipped(str(path), reason))
                continue
            owners[doc_id] = resolved
            if before and before.content_hash == content_hash and before.doc_id == doc_id:
                report.unchanged.append(doc_id)
            else:
                todo.append((path, root, doc_id))
        return todo

    def _load(self, todo: list[tuple[Path, Path, str]], report: IngestReport) -> Iterator[Document]:
        """Parsed documents in order; several files are parsed ahead in a worker process."""
        jobs = [(path, root, doc_id, self.settings.max_pages, max_file_bytes(self.settings)) for path, root, doc_id in todo]
        if len(jobs) < 2:
            results: Iterable[Document | Skipped] = map(_load_one, jobs)
            yield from _documents(results, report)
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_die_with_parent) as pool:
            yield from _documents(pool.map(_load_one, jobs), report)

    def _commit(self, previous: _Previous, new: _Embedded, gone: list[str], report: IngestReport) -> None:
        """Write a version: a new segment of the new documents, the old rows of replaced or gone
        ones deleted. A change of analysis or actor extraction rewrites the index as one segment."""
        # one document file is one document (a records file holds many): a new id replaces the old one
        new_paths = {d.path for d in new.documents if d.path and Path(d.path).suffix.lower() not in RECORD_EXTENSIONS}
        renamed = {d.doc_id for d in previous.rows if d.path in new_paths} - {d.doc_id for d in new.documents}
        replaced = {d.doc_id for d in new.documents} | set(gone) | renamed
        old_ids = {d.doc_id for d in previous.rows}
        reader = previous.reader
        changed = {k for k in LEXICAL_SETTINGS if reader is not None and previous.setting(k) != getattr(self.settings, k)}
        stale = reader is not None and reader.manifest.get("actors") != actors.VERSION
        rewrite = bool(changed & set(ANALYSIS_SETTINGS)) or stale
        if not new.documents and not (replaced & old_ids) and not changed and not rewrite:
            return
        extracted = {d.doc_id: recommendations.extract(d) for d in new.documents}
        documents, chunks, vectors = new.documents, new.chunks, new.vectors
        mentions = [recommendations.with_roles(actors.extract_mentions(c.text), c, extracted[c.doc_id].roles)
                    for c in new.chunks]
        units = [u for e in extracted.values() for u in e.units]
        unit_vectors = self.embedder.encode([u.text for u in units])
        others: list[Document] = []  # live documents outside the new segment: they may lend records
        moving: set[str] = set()  # live documents rewritten into the new segment
        if rewrite:
            old_docs, old_chunks, old_vectors, old_mentions = reader.load_all()
            keep = [i for i, c in enumerate(old_chunks) if c.doc_id not in replaced]
            mentions = [actors.extract_mentions(old_chunks[i].text) if stale else old_mentions[i] for i in keep] + mentions
            documents = [d for d in old_docs if d.doc_id not in replaced] + documents
            chunks = [old_chunks[i] for i in keep] + chunks
            vectors = np.vstack([old_vectors[keep].reshape(len(keep), -1), vectors]) if keep else vectors
            moving = {d.doc_id for d in old_docs} - replaced
        elif reader is not None:
            others = _linkable(reader, documents, replaced)
            moving = _relinked(others, documents)
            if moving:  # documents whose catalogue record changed move to the new segment
                t_docs, t_chunks, t_vectors, t_mentions = reader.load_documents(moving)
                documents = [replace(d, extra={k: v for k, v in d.extra.items() if k != "record"})
                             for d in t_docs] + documents
                chunks, mentions = t_chunks + chunks, t_mentions + mentions
                vectors = np.vstack([t_vectors, vectors])
                replaced |= moving
                others = [d for d in others if d.doc_id not in moving]
        if moving:
            moved_units, moved_vectors = reader.recommendations(moving)
            units = moved_units + units
            unit_vectors = np.vstack([moved_vectors, unit_vectors])
        within = {d.doc_id for d in documents}
        linked_all, linked = catalogue.link_files(others + documents)
        documents = [d for d in linked_all if d.doc_id in within]
        mentions = catalogue.add_catalogue_mentions(chunks, mentions, documents, linked)
        mentions_of: dict[str, list[Mention]] = {}
        for chunk, found in zip(chunks, mentions):
            mentions_of.setdefault(chunk.doc_id, []).extend(found)
        by_id = {d.doc_id: d for d in documents}
        contents = Contents(
            documents, chunks, vectors,
            [embedding_text(by_id[c.doc_id], c, self.settings.context_header) for c in chunks], mentions,
            facets.facet_rows(documents, mentions_of, linked), units, unit_vectors,
        )
        live = len({d.doc_id for d in documents} | (old_ids - replaced))
        self.store.commit(self._manifest(live), contents, replaced & old_ids, reader, rewrite)
        report.ingested.extend(d.doc_id for d in new.documents)
        report.removed.extend(sorted((set(gone) | renamed) & old_ids))
        report.chunks_embedded += new.embedded
        report.chunks_reused += len(new.chunks) - new.embedded

    def _embed(
        self,
        fresh: Iterable[Document],
        reuse: Callable[[list[str]], dict[str, np.ndarray]],
        report: IngestReport,
        progress: bool,
    ) -> _Embedded:
        """Chunk each document as it arrives; embed in groups the chunks `reuse` has no vector for
        (it maps a document's text hashes to the vectors stored for them)."""
        chunker = Chunker(
            self.embedder.count_tokens,
            min(self.settings.chunk_tokens, self.embedder.max_tokens),
            self.settings.chunk_overlap,
            self.settings.context_header,
        )
        documents: list[Document] = []
        chunks: list[Chunk] = []
        vectors: dict[int, np.ndarray] = {}
        pending: list[tuple[int, str]] = []
        bar = tqdm(desc="Embedding", unit="chunk", disable=not progress)
        embedded = 0

        def flush() -> None:
            nonlocal embedded
            found = self.embedder.encode([text for _, text in pending])
            vectors.update((i, v) for (i, _), v in zip(pending, found))
            embedded += len(pending)
            bar.update(len(pending))
            pending.clear()

        for doc in fresh:
            doc = with_language(doc, self.settings.language)
            found = chunker.chunk(doc)
            if not found:
                report.skipped.append(Skipped(doc.path or doc.doc_id, "no text left to index"))
                continue
            documents.append(doc)
            stored = reuse([c.text_hash for c in found])
            for chunk in found:
                known = stored.get(chunk.text_hash)
                if known is not None:
                    vectors[len(chunks)] = known
                else:
                    pending.append((len(chunks), embedding_text(doc, chunk, self.settings.context_header)))
                chunks.append(chunk)
                if len(pending) >= ENCODE_GROUP:  # a big document is embedded group by group
                    flush()
        if pending:
            flush()
        bar.close()
        matrix = np.zeros((len(chunks), self.embedder.dimension), dtype=np.float32)
        for i, vector in vectors.items():
            matrix[i] = vector
        return _Embedded(documents, chunks, matrix, embedded)

    def _manifest(self, documents: int) -> dict:
        s = self.settings
        return {
            "format": FORMAT_VERSION,
            "model": s.model,
            "model_fingerprint": self.embedder.fingerprint,
            "dimension": self.embedder.dimension,
            "settings": {k: getattr(s, k) for k in EMBEDDING_SETTINGS + LEXICAL_SETTINGS},
            "actors": actors.VERSION,
            "recommendations": recommendations.VERSION,
            "documents": documents,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }


def max_file_bytes(settings: Settings) -> int:
    """The `max_file_mb` setting in bytes: larger files are skipped."""
    return int(settings.max_file_mb * 1_000_000)


def _linkable(reader: IndexReader, documents: list[Document], replaced: set[str]) -> list[Document]:
    """The live documents, outside `replaced`, whose catalogue link `documents` may change or
    lend: records naming files, files linked to a record, and files the new records name."""
    named = {key for d in documents for key in d.extra.get("files", ())}
    found = reader.document_records(catalogued=True)
    extra = {d.doc_id for d in reader.document_keys() if d.path and file_key(Path(d.path).name) in named} if named else set()
    extra -= {d.doc_id for d in found}
    return [d for d in found + (reader.document_records(extra) if extra else []) if d.doc_id not in replaced]


def _relinked(others: list[Document], segment: list[Document]) -> set[str]:
    """Ids of `others` whose catalogue record changes when `segment` joins them (another record, none
    any more, or their record is rewritten)."""
    _, linked = catalogue.link_files(others + segment)
    fresh = {d.doc_id for d in segment}
    return {
        d.doc_id for d in others
        if (linked[d.doc_id].doc_id if d.doc_id in linked else None) != d.extra.get("record")
        or (d.doc_id in linked and linked[d.doc_id].doc_id in fresh)
    }


def _die_with_parent() -> None:
    """On Linux, the parsing process ends when the ingest process is killed."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _load_one(job: tuple[Path, Path, str, int, int]) -> Document | Skipped:
    """Parse one file (runs in the worker process) into the document `doc_id`; errors come back as Skipped."""
    path, root, doc_id, max_pages, max_bytes = job
    try:
        return replace(load_document(path, root, max_pages, max_bytes), doc_id=doc_id)
    except LoadError as exc:
        return Skipped(exc.path, exc.reason)


def _documents(results: Iterable[Document | Skipped], report: IngestReport) -> Iterator[Document]:
    for result in results:
        if isinstance(result, Skipped):
            report.skipped.append(result)
        else:
            yield result


def _record_hash(doc: Document) -> str:
    """Content hash of a record: its text and every metadata field."""
    fields = [doc.title, doc.year, doc.doc_type, doc.meeting, doc.source, sorted(doc.extra.items()),
              sorted(doc.facets.items()), doc.text]
    return hashlib.sha256(repr(fields).encode()).hexdigest()
