"""The index directory recovers from crashes (issue 14, item 8): leftovers of a crashed writer
are cleaned by the next writer, every folder of a version and its segments is fsynced, and old
versions are pruned by write order (their names are write counters, never the clock), with the
segments no kept version lists."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from conftest import make_engine
from gfmd_search import store
from gfmd_search.records import Chunk, Document, Page
from gfmd_search.segment import Contents
from gfmd_search.store import IndexStore

SETTINGS = {"stemmer": "porter", "stopwords": "en", "bm25_k1": 0.9, "bm25_b": 0.5}


def contents(text: str) -> Contents:
    doc = Document("d", "A note", [Page(1, text)], content_hash="h")
    chunk = Chunk("d", 0, text, 1, 1, None, 0, len(text), "t")
    return Contents([doc], [chunk], np.ones((1, 4), np.float32) / 2, [text], [[]])


def write(index: IndexStore, text: str) -> Path:
    """A version replacing document `d` with one holding `text`."""
    manifest = {"format": store.FORMAT_VERSION, "settings": SETTINGS, "dimension": 4, "documents": 1}
    with index.writing():
        previous = index.open() if index.current() else None
        return index.commit(manifest, contents(text), {"d"}, previous)


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


def test_old_versions_are_pruned_by_write_order(tmp_path: Path):
    index = IndexStore(tmp_path / "index")
    versions = [write(index, f"Version {i} text about migration.") for i in range(4)]
    assert index.current() == versions[3]
    assert versions[2].is_dir(), "the version a server may still read was deleted"
    assert not versions[0].exists() and not versions[1].exists()
    assert index.open().manifest["sequence"] == 4
    listed = {e["name"] for v in versions[2:] for e in json.loads((v / "manifest.json").read_text())["segments"]}
    assert {p.name for p in (tmp_path / "index" / "segments").iterdir()} == listed
