"""Segments: incremental writes equal a fresh build, merges change no ranking, faults, scale."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gfmd_search import store
from gfmd_search.app import Engine
from gfmd_search.config import load_settings
from gfmd_search.ingest import Ingestor
from gfmd_search.records import Chunk, Document, Page, RecommendationQuery, SearchQuery
from gfmd_search.segment import AnnParams, Contents
from gfmd_search.store import IndexStore, StoreError

UNHCR = "Office of the United Nations High Commissioner for Refugees (UNHCR)"
QUERIES = ["boundary layer transition", "heat transfer at hypersonic speed", "buckling of thin cylindrical shells",
           "pressure distribution on a wing"]


def cranfield(shared: Path, count: int) -> list[Document]:
    """The first Cranfield abstracts as documents (real text, several chunks for the long ones)."""
    records = (shared / "cranfield" / "cran.all.1400").read_text().split(".I ")[1 : count + 1]
    docs = []
    for record in records:
        number, _, rest = record.partition("\n")
        title = rest.split(".A")[0].replace(".T", "").strip()
        body = rest.split(".W", 1)[-1].strip()
        docs.append(Document(doc_id=f"cran-{number.strip()}", title=title, pages=[Page(1, body)],
                             year=1950 + int(number) % 20, doc_type="paper" if int(number) % 3 else "report"))
    return docs


def engine_for(index: Path, embedder, **overrides) -> Engine:
    return Engine(load_settings(index_dir=index, **overrides), embedder)


def hits(engine: Engine, text: str, **options) -> list:
    return engine.search(SearchQuery(text, **options)).hits


def rankings(engine: Engine) -> list[list[tuple[str, str, float]]]:
    """Every query's results in every mode, by document, text and score (rows differ between layouts)."""
    return [
        [(h.doc_id, h.text, round(h.score, 5)) for h in hits(engine, q, k=15, mode=mode)]
        for q in QUERIES for mode in ("dense", "bm25", "hybrid")
    ]


@pytest.fixture(scope="module")
def grown(tmp_path_factory, shared_data: Path, embedder):
    """An index grown in steps over several segments, and the documents it should hold."""
    docs = cranfield(shared_data, 40)
    engine = engine_for(tmp_path_factory.mktemp("grown") / "index", embedder, merge_factor=100)
    engine.ingest_documents(docs[:15], progress=False)
    engine.ingest_documents(docs[15:30], progress=False)
    changed = [replace(d, pages=[Page(1, d.pages[0].text + " Revised: shock waves at the leading edge.")])
               for d in docs[3:5]]
    engine.ingest_documents(changed, progress=False)
    engine.remove([d.doc_id for d in docs[20:23]])
    engine.ingest_documents(docs[30:], progress=False)
    final = docs[:3] + changed + docs[5:20] + docs[23:]
    return engine, final


def test_an_index_grown_by_segments_ranks_like_one_built_from_scratch(grown, tmp_path: Path, embedder):
    engine, final = grown
    reader = engine.searcher().reader
    assert len(reader.segments) == 4 and reader.live is not None and not reader.live.all()
    scratch = engine_for(tmp_path / "scratch", embedder)
    scratch.ingest_documents(final, progress=False)
    assert len(scratch.searcher().reader.segments) == 1
    assert rankings(engine) == rankings(scratch)
    assert engine.stats()["documents"] == len(final) == scratch.stats()["documents"]
    assert {d["doc_id"] for d in engine.searcher().reader.documents()} == {d.doc_id for d in final}


def test_a_merge_changes_no_ranking_and_an_old_reader_keeps_answering(grown, tmp_path: Path, embedder):
    engine, final = grown
    before = rankings(engine)
    old = engine.searcher()
    assert engine.optimize()
    reader = engine.searcher().reader
    assert len(reader.segments) == 1 and reader.live is None
    assert rankings(engine) == before
    engine.ingest_documents([replace(final[0], doc_id="extra-1")], progress=False)
    engine.optimize()  # the segments the old reader holds are gone from the disk now
    assert not (engine.store.root / old.reader.version.name).exists()
    assert [(h.doc_id, h.text) for h in old.search(SearchQuery(QUERIES[0], k=5)).hits] == [(d, t) for d, t, _ in before[2][:5]]
    assert not engine.optimize()


def test_killing_a_merge_leaves_the_previous_version_answering(tmp_path: Path, shared_data: Path, embedder):
    index = tmp_path / "index"
    engine = engine_for(index, embedder, merge_factor=100)
    docs = cranfield(shared_data, 12)
    for start in range(0, 12, 4):
        engine.ingest_documents(docs[start : start + 4], progress=False)
    live = engine.store.current()
    script = textwrap.dedent(f"""
        import sys, time
        import gfmd_search.store as store
        from gfmd_search.app import Engine
        from gfmd_search.config import load_settings
        real = store._fsync_tree
        def stall(folder):
            real(folder)
            print("merging", flush=True)
            time.sleep(60)
        store._fsync_tree = stall
        Engine(load_settings(index_dir={str(index)!r})).optimize()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "merging"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list((index / "segments").glob(".building-*"))
    assert engine.store.current() == live
    assert hits(engine, QUERIES[0], k=3)
    assert engine.optimize()
    assert not list((index / "segments").glob(".building-*")) and not list(index.glob(".building-*"))
    assert len(engine.searcher().reader.segments) == 1


class TinyEncoder:
    """Four-dimensional vectors from a text's hash: enough for store tests that need many rows fast."""

    fingerprint = "tiny-test-encoder"
    dimension = 4
    max_tokens = 256

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        rng = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=4) for t in texts]
        vectors = np.array(rng, dtype=np.float32).reshape(len(texts), 4)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])


def synthetic(rows: int, docs: int, dimension: int, ann: AnnParams) -> tuple[Contents, AnnParams]:
    rng = np.random.default_rng(7)
    words = np.array(["migration", "remittance", "labour", "skills", "diaspora", "return", "climate", "data"])
    documents = [Document(doc_id=f"d{i}", title=f"doc {i}", pages=[Page(1, "x")], year=2000 + i % 20,
                          doc_type="brief" if i % 50 == 0 else "report", content_hash=str(i)) for i in range(docs)]
    per_doc = rows // docs
    texts = [" ".join(rng.choice(words, 5)) for _ in range(rows)]
    chunks = [Chunk(f"d{r // per_doc}", r % per_doc, texts[r], 1, 1, None, 0, 1, f"h{r}") for r in range(rows)]
    vectors = rng.normal(size=(rows, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Contents(documents, chunks, vectors, texts, [[] for _ in range(rows)]), ann


def test_a_filter_on_an_ann_sized_index_still_finds_every_matching_row(tmp_path: Path):
    contents, ann = synthetic(20_000, 400, 16, AnnParams(threshold=5_000, lists=64))
    store = IndexStore(tmp_path / "index", ann)
    engine = Engine(load_settings(index_dir=tmp_path / "index"), TinyEncoder())
    manifest = Ingestor(engine.settings, engine.embedder, store)._manifest(400)
    manifest["dimension"] = 16
    with store.writing():
        store.commit(manifest, contents, set(), None)
    reader = store.open()
    assert reader.segments[0].ann is not None
    mask = reader.filter_mask(doc_types=["brief"])
    wanted = set(np.flatnonzero(mask).tolist())
    assert len(wanted) == 8 * 50
    query = contents.vectors[:1]
    rows, scores = reader.dense(query, 1000, mask, nprobe=1)
    assert set(rows.tolist()) == wanted and np.all(np.diff(scores) <= 0)
    exact = np.argsort(-(contents.vectors @ query[0]))[:10]
    assert reader.dense(query, 50, None, nprobe=64)[0][:10].tolist() == exact.tolist()


def test_an_index_of_more_than_300000_passages_accepts_a_new_document(tmp_path: Path):
    contents, ann = synthetic(300_500, 3005, 4, AnnParams(threshold=10**9, lists=0))
    engine = Engine(load_settings(index_dir=tmp_path / "index"), TinyEncoder())
    manifest = engine._ingestor()._manifest(3005)
    with engine.store.writing():
        engine.store.commit(manifest, contents, set(), None)
    report = engine.ingest_documents(
        [Document(doc_id="new", title="A new brief", pages=[Page(1, "Remittance corridors and diaspora bonds.")])],
        progress=False,
    )
    assert report.ingested == ["new"]
    assert engine.stats()["chunks"] == 300_501
    assert hits(engine, "diaspora bonds corridors", k=1, mode="bm25")[0].doc_id == "new"


def test_an_index_of_a_legacy_format_is_upgraded_without_embedding_again(tmp_path: Path):
    import sqlite3

    import faiss

    from gfmd_search.segment import SCHEMA

    engine = Engine(load_settings(index_dir=tmp_path / "index"), TinyEncoder())
    texts = ["Remittance corridors in Africa.", "Skills partnerships for nurses.", "Diaspora bonds and investment."]
    version = tmp_path / "index" / "v-20261123T191500-ab12cd"
    version.mkdir(parents=True)
    db = sqlite3.connect(version / "catalogue.sqlite")
    db.executescript(SCHEMA)
    for i, text in enumerate(texts):
        db.execute("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   (f"d{i}", f"Doc {i}", 2020, "brief", None, None, None, f"hash{i}", 1, None, "{}", "en", 1))
        db.execute("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                   (i, f"d{i}", 0, text, 1, 1, None, 0, len(text), f"text{i}", "body", "[]"))
    db.commit()
    db.close()
    flat = faiss.IndexFlatIP(4)
    flat.add(engine.embedder.encode(texts))
    faiss.write_index(flat, str(version / "vectors.faiss"))
    manifest = engine._ingestor()._manifest(3)
    (version / "manifest.json").write_text(json.dumps({**manifest, "format": 2, "chunks": 3}))
    (tmp_path / "index" / "current").symlink_to(version.name)
    assert hits(engine, "diaspora bonds", k=1, mode="bm25")[0].doc_id == "d2"
    assert engine.searcher().reader.manifest["format"] == store.FORMAT_VERSION and not version.exists()
    assert hits(engine, texts[1], k=1, mode="dense")[0].doc_id == "d1"  # the stored vectors kept
    report = engine.ingest_documents(
        [Document(doc_id="d1", title="Doc 1", pages=[Page(1, texts[1])], year=2020, doc_type="brief",
                  content_hash="hash1")], progress=False)
    assert report.unchanged == ["d1"] and report.chunks_embedded == 0


def test_an_index_of_an_unknown_format_is_refused_with_how_to_rebuild(tmp_path: Path):
    version = tmp_path / "index" / "v-000001"
    version.mkdir(parents=True)
    (version / "manifest.json").write_text(json.dumps({"format": 99, "settings": {}}))
    (tmp_path / "index" / "current").symlink_to(version.name)
    with pytest.raises(StoreError, match="Rebuild it"):
        IndexStore(tmp_path / "index").open()


def test_a_removed_document_no_longer_counts_for_partners_facets_or_recommendations(tmp_path: Path):
    engine = engine_for(tmp_path / "index", TinyEncoder(), merge_factor=100)
    kept = Document(doc_id="kept", title="Skills partnerships", doc_type="report", pages=[Page(1,
                    "The ILO supported skills partnerships for nurses between the Philippines and Germany.")])
    gone = Document(doc_id="gone", title="Skills partnerships too", doc_type="brief", pages=[Page(1,
                    "Recommendations\n\n1. UNHCR should fund skills partnerships for nurses in Kenya.")])
    other = Document(doc_id="other", title="Data", doc_type="report", pages=[Page(1, "Migration data and statistics.")])
    engine.ingest_documents([kept], progress=False)
    engine.ingest_documents([gone, other], progress=False)
    assert UNHCR in {p.name for p in engine.partners("skills partnerships for nurses", k=10).partners}
    assert engine.recommendations(RecommendationQuery(doc_id="gone"))
    engine.remove(["gone"])
    reader = engine.searcher().reader
    assert len(reader.segments) == 2 and reader.live is not None  # the removal only marked rows deleted
    assert UNHCR not in {p.name for p in engine.partners("skills partnerships for nurses", k=10).partners}
    assert not reader.recommendations()[0] and not engine.recommendations(RecommendationQuery("fund skills partnerships for nurses"))
    counted = engine.search(SearchQuery("skills", facets=["doc_type"])).facets["doc_type"]
    assert engine.stats()["documents"] == 2 and counted[0].value == "report"
    assert [h.doc_id for h in hits(engine, "skills partnerships nurses", k=5, mode="bm25")] == ["kept"]
