"""The index directory recovers from crashes and clock steps (issue 14, item 8): leftovers of
a crashed writer are cleaned by the next writer, every folder of a version is fsynced, and old
versions are pruned by write order, never by the clock."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from conftest import make_engine
from gfmd_search import store
from gfmd_search.records import Chunk, Document, Page
from gfmd_search.store import IndexStore, Snapshot

SETTINGS = {"stemmer": "porter", "stopwords": "en", "bm25_k1": 0.9, "bm25_b": 0.5}


def snapshot(text: str) -> Snapshot:
    doc = Document("d", "A note", [Page(1, text)], content_hash="h")
    chunk = Chunk("d", 0, text, 1, 1, None, 0, len(text), "t")
    return Snapshot(
        manifest={"format": store.FORMAT_VERSION, "settings": SETTINGS, "documents": 1, "chunks": 1},
        documents=[doc], chunks=[chunk], vectors=np.ones((1, 4), np.float32) / 2, lexical_texts=[text],
    )


def write(index: IndexStore, text: str) -> Path:
    with index.writing():
        return index.write(snapshot(text))


def test_an_ingest_with_nothing_to_change_cleans_a_crashed_writers_leftovers(tmp_path: Path, embedder):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("Text about skills partnerships.\n")
    engine = make_engine(tmp_path / "index", embedder)
    engine.ingest([tmp_path / "d"], progress=False)
    live = engine.store.current()
    (tmp_path / "index" / ".building-v-crashed").mkdir()
    os.symlink(live.name, tmp_path / "index" / ".current-abc123")  # crash between symlink and replace
    report = engine.ingest([tmp_path / "d"], progress=False)
    assert report.unchanged == ["a"]
    assert sorted(p.name for p in (tmp_path / "index").iterdir() if p.name.startswith(".")) == [".lock"]
    assert engine.store.current() == live


def test_every_folder_of_a_new_version_is_fsynced(tmp_path: Path, monkeypatch):
    synced: list[str] = []
    real = store._fsync_dir
    monkeypatch.setattr(store, "_fsync_dir", lambda folder: (synced.append(Path(folder).name), real(folder)))
    write(IndexStore(tmp_path / "index"), "Text about remittances.")
    assert "lexical" in synced


def test_old_versions_are_pruned_by_write_order_even_when_the_clock_steps_back(tmp_path: Path, monkeypatch):
    index = IndexStore(tmp_path / "index")
    clock = iter(["20261201T120000", "20261201T110000", "20261201T100000", "20261201T090000"])
    monkeypatch.setattr(store.time, "strftime", lambda fmt: next(clock))
    versions = [write(index, f"Version {i} text about migration.") for i in range(4)]
    assert index.current() == versions[3]
    assert versions[2].is_dir(), "the version a server may still read was deleted"
    assert not versions[0].exists() and not versions[1].exists()
    assert index.open().manifest["sequence"] == 4
