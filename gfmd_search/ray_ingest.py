"""Ingest on a Ray cluster: changed files are parsed, chunked and embedded by Ray actors.

The driver (the `gfmd-search ingest --ray` process) keeps everything else: it picks the
changed files, sends each worker the text hashes already embedded, and writes the one
new index version. Workers run the ingest pipeline's own functions (`_load_one`, then
`Ingestor._embed`) on one file at a time, and read the files from a path that every
node sees (the same path as on the driver). An actor that dies is restarted and its
file retried; a file that still fails is reported like any bad file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from .config import ConfigError, Settings
from .embedding import Embedder
from .ingest import Ingestor, _documents, _Embedded, _load_one, _Previous, max_file_bytes
from .records import IngestReport, Skipped

INSTALL_HINT = "--ray needs Ray: pip install 'gfmd-search[ray]'"
RETRIES = 2  # restarts of a dead actor, and retries of the file it was working on


class RayUnavailable(ConfigError):
    """--ray was asked for, and Ray is not installed."""


def import_ray() -> Any:
    """The `ray` module, or a RayUnavailable saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable(INSTALL_HINT) from None
    return ray


def placement(resources: dict[str, float], workers: int | None, backend: str) -> tuple[int, dict[str, float], str]:
    """How many actors, the resources of each, and their device, for a cluster's resources.

    With GPUs (and a backend other than onnx-int8) there is one actor per GPU unless `workers` says
    otherwise; on CPUs alone, one actor per 4 CPUs. The CPUs are shared out evenly.
    """
    gpus = int(resources.get("GPU", 0)) if backend != "onnx-int8" else 0  # onnx runs as torch on a GPU
    cpus = max(1, int(resources.get("CPU", 1)))
    count = workers or gpus or max(1, cpus // 4)
    if gpus:
        return count, {"num_gpus": min(1.0, gpus / count), "num_cpus": 1}, "cuda"
    return count, {"num_cpus": max(1, cpus // count)}, "cpu"


class _Worker:
    """One Ray actor: a loaded model, and the hashes of the chunk texts embedded before."""

    def __init__(self, settings: Settings, device: str, known: set[str]):
        embedder = Embedder(settings.model, device, settings.batch_size, settings.backend, settings.fp16)
        self.ingestor = Ingestor(settings, embedder, store=None)  # type: ignore[arg-type] - never writes
        self.known = known
        self.placeholder = np.zeros(embedder.dimension, np.float32)

    def process(self, job: tuple[Path, Path, str, int, int]) -> tuple[_Embedded, list[Skipped]]:
        """Parse, chunk and embed one file; chunks whose text is known get a zero row the driver fills."""
        report = IngestReport()
        done = self.ingestor._embed(_documents([_load_one(job)], report), self._known, report, progress=False)
        return done, report.skipped

    def _known(self, hashes: list[str]) -> dict[str, np.ndarray]:
        return {h: self.placeholder for h in hashes if h in self.known}


class RayExecutor:
    """Runs ingest's parse, chunk and embed steps on Ray actors; the driver writes the index."""

    def __init__(self, address: str | None = None, workers: int | None = None):
        self.ray = import_ray()
        self.address = address
        self.workers = workers

    def embed_files(
        self, ingestor: Ingestor, todo: list[tuple[Path, Path, str]], previous: _Previous, report: IngestReport,
        progress: bool,
    ) -> _Embedded:
        """The parsed, chunked, embedded changed files, in the order given (the Executor of ingest)."""
        empty = _Embedded([], [], np.zeros((0, ingestor.embedder.dimension), np.float32), 0)
        if not todo:
            return empty
        ray = self.ray
        started_here = not ray.is_initialized()
        if started_here:
            local = self.address in (None, "local")
            ray.init(
                address=self.address or "local",
                include_dashboard=False,
                log_to_driver=False,
                **({"object_store_memory": 512 * 2**20} if local else {}),
            )
        try:
            parts = self._run(ingestor.settings, todo, previous.known_hashes(), report, progress)
            return _merge([empty, *parts], previous)
        finally:
            if started_here:
                ray.shutdown()

    def _run(
        self, settings: Settings, todo: list[tuple[Path, Path, str]], known: set[str], report: IngestReport, progress: bool
    ) -> list[_Embedded]:
        """Per-file results in the order of `todo`; failures go to the report."""
        from ray.util import ActorPool

        ray = self.ray
        count, resources, device = placement(ray.cluster_resources(), self.workers, settings.backend)
        worker = ray.remote(max_restarts=RETRIES, max_task_retries=RETRIES, **resources)(_Worker)
        known_ref = ray.put(known)
        actors = [worker.remote(settings, device, known_ref) for _ in range(min(count, len(todo)))]
        pool = ActorPool(actors)
        max_bytes = max_file_bytes(settings)
        for path, root, doc_id in todo:  # absolute: a worker's working directory is not the driver's
            job = (path.absolute(), root.absolute(), doc_id, settings.max_pages, max_bytes)
            pool.submit(lambda actor, j: actor.process.remote(j), job)
        parts: list[_Embedded] = []
        for path, _, _ in tqdm(todo, desc="Ingesting on Ray", unit="file", disable=not progress):
            try:
                part, skipped = pool.get_next()
            except ray.exceptions.RayError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                report.skipped.append(Skipped(str(path), f"failed on a Ray worker ({RETRIES} retries): {first}"))
                continue
            report.skipped.extend(skipped)
            parts.append(part)
        for actor in actors:
            ray.kill(actor)
        return parts


def _merge(parts: list[_Embedded], previous: _Previous) -> _Embedded:
    """One result from the per-file ones, with the vectors of known texts filled in from the index."""
    chunks = [c for p in parts for c in p.chunks]
    vectors = np.vstack([p.vectors for p in parts])
    stored = previous.vectors_of([c.text_hash for c in chunks])
    for i, chunk in enumerate(chunks):
        if chunk.text_hash in stored:
            vectors[i] = stored[chunk.text_hash]
    return _Embedded([d for p in parts for d in p.documents], chunks, vectors, sum(p.embedded for p in parts))
