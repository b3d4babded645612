"""Ingest survives hostile folders (issue 14): symlink loops, broken links, links out of the
folder, file names that are not UTF-8 or not Latin, empty and huge files, the same file under
two roots. Every bad file gets one `skipped FILE: reason` line; the good ones go in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import make_engine
from gfmd_search import ingest
from gfmd_search.chunking import Chunker
from gfmd_search.loaders import find_files
from gfmd_search.loaders.metadata import doc_id_for, slugify
from gfmd_search.records import Document, Page, SearchQuery
from gfmd_search_api.main import create_app

LIMIT_MB = 0.01  # the hostile folder's big file (20 kB) is over it, every good file under it

#: good files of the hostile folder: name -> a phrase only that file holds
GOOD = {
    "good.txt": "Seasonal agricultural workers cross the Mediterranean each spring.",
    "sub/inner.md": "Diaspora bonds financed the clinics of the northern provinces.",
    "日本.txt": "Technical intern training programmes recruit caregivers abroad.",
    "مرحبا.txt": "Remittance corridors to the Maghreb lowered their fees sharply.",
}
SECRET = "Classified payroll of the outside world."


def hostile_folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A corpus folder with every hostile case, and {skipped entry name: word of its reason}."""
    root = tmp_path / "corpus"
    for name, text in GOOD.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"{text}\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    os.symlink("l.txt", root / "l.txt")  # a loop
    os.symlink("missing.txt", root / "dangling.txt")
    os.symlink(outside / "secret.txt", root / "passwd.txt")  # a link out of the folder
    os.symlink(outside, root / "outdir")
    os.symlink(root / "good.txt", root / "alias.txt")  # inside: the same file, taken once
    os.symlink(".", root / "sub" / "again")  # a folder link back inside: not walked twice
    with open(os.path.join(os.fsencode(root), b"lat\xe9.txt"), "wb") as fh:
        fh.write(b"Text with a Latin-1 name.\n")
    (root / "empty.txt").write_bytes(b"")
    (root / "empty.pdf").write_bytes(b"")
    (root / "big.txt").write_text("A big file about migration. " * 720)  # 20 kB
    expected = {
        "l.txt": "loop",
        "dangling.txt": "broken symbolic link",
        "passwd.txt": "outside",
        "outdir": "outside",
        "lat\\xe9.txt": "not valid UTF-8",
        "empty.txt": "empty file",
        "empty.pdf": "empty file",
        "big.txt": "over the limit",
    }
    return root, expected


def assert_good_files_searchable(engine, root: Path) -> None:
    for name, phrase in GOOD.items():
        hits = engine.search(SearchQuery(phrase, k=1, mode="bm25")).hits
        assert hits and hits[0].doc_id == doc_id_for(root / name, root), (name, hits)
    assert not engine.search(SearchQuery("classified payroll", k=5, mode="bm25")).hits


def test_hostile_folder_ingests_the_good_files_and_names_each_bad_one(tmp_path: Path, embedder):
    root, expected = hostile_folder(tmp_path)
    index = tmp_path / "index"
    env = {**os.environ, "GFMD_SEARCH_MAX_FILE_MB": str(LIMIT_MB)}
    run = subprocess.run(
        [sys.executable, "-m", "gfmd_search_cli", "ingest", str(root), "--index", str(index)],
        cwd=tmp_path, env=env, capture_output=True, text=True, errors="backslashreplace", timeout=600,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    lines = [line for line in run.stderr.splitlines() if line.startswith("skipped ")]
    assert len(lines) == len(expected), run.stderr
    for name, reason in expected.items():
        assert [line for line in lines if line.startswith(f"skipped {root}/{name}: ") and reason in line], (name, lines)
    assert f"ingested {len(GOOD)}," in run.stdout
    assert not list(index.glob(".building-*"))
    assert_good_files_searchable(make_engine(index, embedder), root)


def test_hostile_folder_through_the_api_answers_200_with_the_skipped_list(tmp_path: Path, embedder):
    root, expected = hostile_folder(tmp_path)
    engine = make_engine(tmp_path / "index", embedder, corpus_root=root, api_token="t0ken", max_file_mb=LIMIT_MB)
    client = TestClient(create_app(engine, warm_up=False), base_url="http://localhost")
    r = client.post("/admin/ingest", json={}, headers={"Authorization": "Bearer t0ken"})
    assert r.status_code == 200, r.text
    body = r.json()
    skipped = {Path(s["path"]).name: s["reason"] for s in body["skipped"]}
    assert len(body["skipped"]) == len(expected)
    for name, reason in expected.items():
        assert reason in skipped[name], (name, skipped)
    assert len(body["ingested"]) == len(GOOD)
    assert not list((tmp_path / "index").glob(".building-*"))
    assert_good_files_searchable(engine, root)


# --- walking: symlinks ---------------------------------------------------------------------------


def test_a_symlink_loop_is_skipped_with_a_reason_not_a_crash(tmp_path: Path, embedder):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "ok.txt").write_text("Text about labour mobility.\n")
    os.symlink("l.txt", tmp_path / "d" / "l.txt")
    os.symlink("b", tmp_path / "d" / "a")
    os.symlink("a", tmp_path / "d" / "b")
    report = make_engine(tmp_path / "i", embedder).ingest([tmp_path / "d"], progress=False)
    assert report.ingested == ["ok"]
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"l.txt", "a", "b"} and all("loop" in r for r in reasons.values())


def test_links_out_of_the_folder_are_skipped_unless_allowed(tmp_path: Path, embedder):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "a.txt").write_text("Inside text on return and reintegration.\n")
    (outside / "passwd.txt").write_text(f"{SECRET}\n")
    (outside / "more").mkdir()
    (outside / "more" / "x.txt").write_text("Outside folder text on climate displacement.\n")
    os.symlink(outside / "passwd.txt", corpus / "passwd.txt")
    os.symlink(outside / "more", corpus / "more")
    os.symlink("../outside/passwd.txt", corpus / "relative.txt")

    engine = make_engine(tmp_path / "i", embedder)
    report = engine.ingest([corpus], progress=False)
    assert report.ingested == ["a"]
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"passwd.txt", "more", "relative.txt"}
    assert all("outside" in r and "--follow-links" in r for r in reasons.values())
    assert not engine.search(SearchQuery("classified payroll", k=3, mode="bm25")).hits

    allowed = make_engine(tmp_path / "j", embedder, follow_links=True)
    report = allowed.ingest([corpus], progress=False)
    assert sorted(report.ingested) == ["a", "more--x", "passwd"] and not report.skipped  # one copy of passwd
    assert allowed.search(SearchQuery("classified payroll", k=1, mode="bm25")).hits[0].doc_id == "passwd"


def test_a_link_inside_the_folder_to_a_walked_file_is_taken_once(tmp_path: Path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "real.txt").write_text("x")
    os.symlink("b/real.txt", tmp_path / "a-link.txt")
    os.symlink("b", tmp_path / "c-dir")
    found, problems = find_files([tmp_path])
    assert found == [tmp_path / "b" / "real.txt"] and not problems


# --- ids ---------------------------------------------------------------------------------------


def test_non_latin_names_get_distinct_ids_that_keep_their_letters(tmp_path: Path, embedder):
    for name in ("日本.txt", "مرحبا.txt", "!!!.txt", "???.txt"):
        (tmp_path / "d").mkdir(exist_ok=True)
        (tmp_path / "d" / name).write_text(f"Text of {name} on skills partnerships.\n")
    report = make_engine(tmp_path / "i", embedder).ingest([tmp_path / "d"], progress=False)
    assert not report.skipped and len(set(report.ingested)) == 4
    assert {"日本", "مرحبا"} <= set(report.ingested)
    assert slugify("Côte d'Ivoire: GFMD 2019") == "cote-d-ivoire-gfmd-2019"  # Latin names as before
    assert doc_id_for(Path("!!!.txt")) != doc_id_for(Path("???.txt"))


def test_a_file_name_that_is_not_utf8_is_named_and_skipped_and_the_rest_goes_in(tmp_path: Path, embedder):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "ok.txt").write_text("Text about diaspora engagement.\n")
    with open(os.path.join(os.fsencode(folder), b"lat\xe9.txt"), "wb") as fh:
        fh.write(b"Text.\n")
    index = tmp_path / "i"
    report = make_engine(index, embedder).ingest([folder], progress=False)
    assert report.ingested == ["ok"]
    assert [(s.path, s.reason) for s in report.skipped] == [
        (f"{folder}/lat\\xe9.txt", "file name is not valid UTF-8: rename the file")
    ]
    assert not list(index.glob(".building-*"))


# --- the same file twice ---------------------------------------------------------------------


def test_the_same_file_under_two_roots_is_stored_once(tmp_path: Path, embedder):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "top.txt").write_text("Top text on labour migration data.\n")
    inner = corpus / "sub" / "inner.txt"
    inner.write_text("Inner text on remittance costs.\n")
    engine = make_engine(tmp_path / "i", embedder)
    assert sorted(engine.ingest([corpus], progress=False).ingested) == ["sub--inner", "top"]

    again = engine.ingest([corpus / "sub"], progress=False)
    assert again.unchanged == ["sub--inner"] and not again.ingested
    both = engine.ingest([corpus, corpus / "sub", inner], progress=False)
    assert sorted(both.unchanged) == ["sub--inner", "top"] and not both.ingested
    assert engine.stats()["documents"] == 2

    inner.write_text("Inner text on remittance costs, revised.\n")  # changed: re-ingested under its id
    assert engine.ingest([corpus / "sub"], progress=False).ingested == ["sub--inner"]
    (corpus / "sub" / "inner.txt.meta.json").write_text('{"id": "named"}')  # a sidecar renames it
    renamed = engine.ingest([corpus / "sub"], progress=False)
    assert renamed.ingested == ["named"] and renamed.removed == ["sub--inner"]
    assert sorted(d["doc_id"] for d in engine.searcher().reader.documents()) == ["named", "top"]


def test_an_empty_file_beside_another_of_the_same_name_is_reported_empty(tmp_path: Path, embedder):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "empty.txt").write_bytes(b"")
    (tmp_path / "d" / "empty.pdf").write_bytes(b"")
    (tmp_path / "d" / "ok.txt").write_text("Text about integration.\n")
    report = make_engine(tmp_path / "i", embedder).ingest([tmp_path / "d"], progress=False)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons == {"empty.txt": "empty file", "empty.pdf": "empty file"}


# --- huge files ------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_skipped_with_the_limit_named(tmp_path: Path, embedder):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "huge.txt").write_text("Migration. " * 20_000)  # 220 kB
    (tmp_path / "d" / "ok.txt").write_text("Text about integration.\n")
    report = make_engine(tmp_path / "i", embedder, max_file_mb=0.1).ingest([tmp_path / "d"], progress=False)
    assert report.ingested == ["ok"]
    assert [s.reason for s in report.skipped] == ["file is 0.2 MB, over the limit of 0.1 MB (setting max_file_mb)"]


def test_a_big_document_is_embedded_group_by_group(tmp_path: Path, embedder, monkeypatch):
    (tmp_path / "d").mkdir()
    text = "\n\n".join(f"Paragraph {i} describes a skills partnership for nurses in region {i}." for i in range(400))
    (tmp_path / "d" / "big.txt").write_text(text)
    calls: list[int] = []
    real_encode = embedder.encode

    def encode(texts, progress=False):
        calls.append(len(texts))
        return real_encode(texts, progress)

    monkeypatch.setattr(ingest, "ENCODE_GROUP", 16)
    monkeypatch.setattr(embedder, "encode", encode)
    report = make_engine(tmp_path / "i", embedder).ingest([tmp_path / "d"], progress=False)
    assert report.ingested == ["big"] and report.chunks_embedded == sum(calls)
    assert len(calls) >= 2 and max(calls) <= 16


def test_token_counting_of_a_long_document_goes_in_batches(embedder, monkeypatch):
    from gfmd_search import chunking

    text = " ".join(f"Sentence {i} is about labour mobility." for i in range(300))
    doc = Document("d", "A long note", [Page(1, text)])
    whole = Chunker(embedder.count_tokens, 200, 32).chunk(doc)
    sizes: list[int] = []

    def count(texts: list[str]) -> list[int]:
        sizes.append(len(texts))
        return embedder.count_tokens(texts)

    monkeypatch.setattr(chunking, "COUNT_BATCH", 50)
    batched = Chunker(count, 200, 32).chunk(doc)
    assert batched == whole
    assert max(sizes) <= 50 and len(sizes) > 5


@pytest.mark.parametrize("name", ["l.txt", "dangling.txt"])
def test_a_bad_link_named_on_the_command_line_says_what_it_is(tmp_path: Path, name: str):
    os.symlink("l.txt" if name == "l.txt" else "missing.txt", tmp_path / name)
    found, problems = find_files([tmp_path / name])
    assert not found and ("loop" in problems[0][1] or "broken" in problems[0][1])
