"""Ingest end to end: real PDFs, incremental re-ingest, removal, crashes and bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfWriter

from gfmd_search.app import Engine
from gfmd_search.config import load_settings
from gfmd_search.loaders.metadata import slugify
from gfmd_search.records import FacetCount, IndexVersion, SearchQuery, StoredChunk, StoredDocument
from gfmd_search.store import IndexStore
from gfmd_search_cli.main import main

PHRASE = "EU Data Action project, started in November 2024 and managed by the EHSA RDH"
PHRASE_PDF = "Annex_VI_Case_Study_-_RDH_East_Horn_and_Southern_Africa"
TOPICS = ["skills partnerships for nurses", "remittance costs in Africa", "diaspora investment bonds",
          "climate change and displacement", "return and reintegration of migrants", "labour migration data"]


def engine_for(index: Path, embedder) -> Engine:
    return Engine(load_settings(index_dir=index), embedder)


def write_texts(folder: Path, count: int, sentences: int = 6) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        body = " ".join(f"Paragraph {j} of note {i} discusses {topic} in the GFMD roundtable." for j in range(sentences))
        path = folder / f"note-{i:03d}.txt"
        path.write_text(f"Note {i} on {topic}\n\n{body}\n")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def iom_index(tmp_path_factory, shared_data: Path, embedder):
    index = tmp_path_factory.mktemp("iom") / "index"
    engine = engine_for(index, embedder)
    report = engine.ingest([shared_data / "iom-pdfs"], progress=False)
    return engine, report


def test_all_iom_pdfs_ingest_and_a_phrase_is_found_on_its_page(iom_index):
    engine, report = iom_index
    assert len(report.ingested) == 15 and not report.skipped
    assert engine.stats()["documents"] == 15
    for mode in ("bm25", "hybrid"):
        top = engine.search(SearchQuery(PHRASE, k=3, mode=mode)).hits[0]
        assert top.doc_id == slugify(PHRASE_PDF)
        assert top.page == 5
        assert "<mark>Data</mark> <mark>Action</mark>" in top.snippet


def test_reingesting_unchanged_pdfs_embeds_nothing(iom_index, shared_data: Path):
    engine, first = iom_index
    before = engine.store.current()
    again = engine.ingest([shared_data / "iom-pdfs"], progress=False)
    assert again.chunks_embedded == 0 and len(again.unchanged) == 15 and not again.ingested
    assert engine.store.current() == before


def test_changed_file_is_reembedded_alone_and_removed_documents_vanish(tmp_path: Path, embedder):
    paths = write_texts(tmp_path / "docs", 4)
    engine = engine_for(tmp_path / "index", embedder)
    first = engine.ingest([tmp_path / "docs"], progress=False)
    assert len(first.ingested) == 4 and first.chunks_embedded >= 4

    paths[1].write_text(paths[1].read_text() + "\nA new paragraph about seasonal workers in Canada.\n")
    second = engine.ingest([tmp_path / "docs"], progress=False)
    assert second.ingested == ["note-001"] and sorted(second.unchanged) == ["note-000", "note-002", "note-003"]
    assert 1 <= second.chunks_embedded <= len(engine.chunks("note-001"))
    assert engine.search(SearchQuery("seasonal workers Canada", k=1, mode="bm25")).hits[0].doc_id == "note-001"

    removed = engine.remove(["note-002"])
    assert removed.removed == ["note-002"]
    for mode in ("bm25", "dense", "hybrid"):
        hits = engine.search(SearchQuery("diaspora investment bonds note 2", k=10, mode=mode)).hits
        assert hits and all(h.doc_id != "note-002" for h in hits)
    assert engine.document("note-002") is None and engine.stats()["documents"] == 3


def test_the_engine_answers_typed_records(tmp_path: Path, embedder):
    paths = write_texts(tmp_path / "docs", 3)
    for path, year in zip(paths[:2], (2019, 2020)):
        Path(f"{path}.meta.json").write_text(json.dumps({"doc_type": "note", "year": year}))
    engine = engine_for(tmp_path / "index", embedder)
    engine.ingest([tmp_path / "docs"], progress=False)
    docs = engine.documents()
    assert [d.doc_id for d in docs] == ["note-000", "note-001", "note-002"]
    assert all(isinstance(d, StoredDocument) and d.pages == 1 and d.path.endswith(".txt") for d in docs)
    chunks = engine.chunks("note-001")
    assert chunks and [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert all(isinstance(c, StoredChunk) and "note 1" in c.text.lower() for c in chunks[:1])
    assert engine.chunks("no-such-note") == []
    version = engine.version()
    assert isinstance(version, IndexVersion) and version.name.startswith("v-")
    assert (version.documents, version.chunks) == (3, engine.stats()["chunks"])
    assert engine.facets(["type", "year"]) == {
        "doc_type": [FacetCount("note", 2)], "year": [FacetCount("2019", 1), FacetCount("2020", 1)]
    }
    rows = [c.row for c in chunks]
    assert set(engine.mentions(rows)) == set(rows)


def test_prune_drops_documents_whose_files_are_gone(tmp_path: Path, embedder):
    paths = write_texts(tmp_path / "docs", 3)
    engine = engine_for(tmp_path / "index", embedder)
    engine.ingest([tmp_path / "docs"], progress=False)
    paths[0].unlink()
    report = engine.ingest([tmp_path / "docs"], prune=True, progress=False)
    assert report.removed == ["note-000"] and engine.stats()["documents"] == 2


def test_two_files_claiming_one_document_id_are_not_merged(tmp_path: Path, embedder):
    write_texts(tmp_path / "a", 1)
    write_texts(tmp_path / "b", 1)
    engine = engine_for(tmp_path / "index", embedder)
    engine.ingest([tmp_path / "a"], progress=False)
    report = engine.ingest([tmp_path / "b"], progress=False)
    assert not report.ingested and "already used by" in report.skipped[0].reason
    assert engine.document("note-000").path == str((tmp_path / "a" / "note-000.txt").resolve())


def test_an_index_refuses_vectors_of_another_model(tmp_path: Path, embedder):
    write_texts(tmp_path / "docs", 1)
    engine_for(tmp_path / "index", embedder).ingest([tmp_path / "docs"], progress=False)
    other = engine_for(tmp_path / "index", embedder)
    other.settings = other.settings.with_overrides(chunk_tokens=100)
    with pytest.raises(Exception, match="chunk_tokens"):
        other.ingest([tmp_path / "docs"], progress=False)


def test_a_crash_while_writing_leaves_the_previous_index_live(tmp_path: Path, embedder, monkeypatch):
    write_texts(tmp_path / "docs", 2)
    engine = engine_for(tmp_path / "index", embedder)
    engine.ingest([tmp_path / "docs"], progress=False)
    live = engine.store.current()
    write_texts(tmp_path / "more", 2)
    for note in (tmp_path / "more").iterdir():
        note.rename(note.with_name("extra-" + note.name))

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("gfmd_search.lexical.Postings.save", explode)
    with pytest.raises(OSError):
        engine.ingest([tmp_path / "more"], progress=False)
    monkeypatch.undo()
    assert engine.store.current() == live
    assert engine.search(SearchQuery("remittance costs", k=1)).hits
    engine.ingest([tmp_path / "more"], progress=False)
    assert not list((tmp_path / "index").glob(".building-*"))
    assert engine.stats()["documents"] == 4


def test_killing_an_ingest_midway_leaves_the_old_index_answering(tmp_path: Path, embedder):
    write_texts(tmp_path / "small", 2)
    index = tmp_path / "index"
    engine = engine_for(index, embedder)
    engine.ingest([tmp_path / "small"], progress=False)
    live = engine.store.current()
    write_texts(tmp_path / "big", 300, sentences=20)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gfmd_search_cli", "ingest", str(tmp_path / "big"), "--index", str(index)],
        stderr=subprocess.PIPE, text=True,
    )
    seen = ""
    while "Embedding" not in seen and proc.poll() is None:
        seen += proc.stderr.read(64)
    time.sleep(2)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    children = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while [c for c in children if _alive(c)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert children and not [c for c in children if _alive(c)], "a worker outlived the ingest"
    assert IndexStore(index).current() == live
    fresh = engine_for(index, embedder)
    assert fresh.stats()["documents"] == 2
    assert fresh.search(SearchQuery("remittance costs in Africa", k=1)).hits[0].doc_id == "note-001"


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _pdf_with_text(path: Path, pages: int) -> Path:
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    c = canvas.Canvas(str(path))
    for i in range(pages):
        c.drawString(72, 720, f"Section {i}: {TOPICS[i % len(TOPICS)]} in the long report on migration governance.")
        c.drawString(72, 700, f"Finding {i * 7 % 13} concerns {TOPICS[(i * 5) % len(TOPICS)]}.")
        c.showPage()
    c.save()
    return path


def test_bad_inputs_are_reported_one_line_each_and_the_rest_goes_on(tmp_path: Path, capsys, shared_data: Path):
    index = tmp_path / "index"
    good = tmp_path / "good"
    write_texts(good, 1)
    assert main(["ingest", str(good), "--index", str(index)]) == 0

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "latin1.txt").write_bytes("Réunion du forum à Genève".encode("latin-1"))
    (bad / "notes.docx").write_bytes(b"PK\x03\x04")
    real = (shared_data / "iom-pdfs" / "AAP_EN_Evaluation_Brief_final_0.pdf").read_bytes()
    (bad / "truncated.pdf").write_bytes(real[: len(real) // 2])
    blank = PdfWriter()
    blank.add_blank_page(612, 792)
    blank.write(bad / "scanned.pdf")
    locked = PdfWriter()
    locked.add_blank_page(612, 792)
    locked.encrypt("secret")
    locked.write(bad / "locked.pdf")
    _pdf_with_text(bad / "long.pdf", 500)
    (bad / "fine.md").write_text("# Fine\n\nA good note on circular migration between Mauritius and Canada.\n")
    (tmp_path / "nothing").mkdir()
    capsys.readouterr()

    code = main(["ingest", str(bad), str(tmp_path / "nothing"), "--index", str(index)])
    out, err = capsys.readouterr()
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("skipped ")]
    expected = {
        "empty.txt": "empty",
        "latin1.txt": "UTF-8",
        "notes.docx": "unsupported",
        "truncated.pdf": "PDF",
        "scanned.pdf": "text layer",
        "locked.pdf": "encrypted",
        "nothing": "no supported files",
    }
    assert len(lines) == len(expected)
    for name, reason in expected.items():
        assert any(name in line and reason in line for line in lines), (name, lines)
    assert "ingested 2, unchanged 0, removed 0, skipped 7" in out

    capsys.readouterr()
    assert main(["stats", "--index", str(index), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["documents"] == 3 and stats["model"] == "all-MiniLM-L6-v2" and stats["chunks"] >= 3

    assert main(["search", "long report on labour migration governance", "--index", str(index), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits[0]["doc_id"] == "long"
    assert {"doc_id", "chunk_id", "title", "year", "page", "score", "snippet", "source"} <= set(hits[0])


def test_an_empty_folder_alone_fails_clearly(tmp_path: Path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["ingest", str(tmp_path / "empty"), "--index", str(tmp_path / "index")]) == 1
    assert "folder contains no supported files" in capsys.readouterr().err
    assert IndexStore(tmp_path / "index").current() is None


def test_searching_without_an_index_says_how_to_build_one(tmp_path: Path, capsys):
    assert main(["search", "anything", "--index", str(tmp_path / "none")]) == 2
    assert "gfmd-search ingest" in capsys.readouterr().err


def test_removing_every_document_leaves_an_empty_searchable_index(tmp_path: Path, embedder):
    write_texts(tmp_path / "docs", 1)
    engine = engine_for(tmp_path / "index", embedder)
    engine.ingest([tmp_path / "docs"], progress=False)
    assert engine.remove(["note-000"]).removed == ["note-000"]
    assert engine.stats()["chunks"] == 0
    assert all(engine.search(SearchQuery("remittance", k=3, mode=m)).hits == [] for m in ("bm25", "dense", "hybrid"))
    assert engine.remove(["note-000"]).skipped[0].reason == "no such document in the index"


def test_cli_prune_and_remove_missing(tmp_path: Path, capsys):
    paths = write_texts(tmp_path / "docs", 3)
    index = str(tmp_path / "index")
    assert main(["ingest", str(tmp_path / "docs"), "--index", index]) == 0
    paths[0].unlink()
    capsys.readouterr()
    assert main(["ingest", str(tmp_path / "docs"), "--index", index, "--prune"]) == 0
    assert "removed 1" in capsys.readouterr().out
    paths[1].unlink()
    assert main(["remove", "--missing", "--index", index]) == 0
    assert "removed 1" in capsys.readouterr().out
