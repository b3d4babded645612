"""Loaders: real IOM PDFs page by page, generated PDFs, text, HTML, sidecars and every bad input."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from gfmd_search.loaders import SUPPORTED_EXTENSIONS, LoadError, find_files, identify, load_document
from gfmd_search.loaders.pdf import Joiner, drop_running_lines, paragraphs

ANNEX_VI = "Annex_VI_Case_Study_-_RDH_East_Horn_and_Southern_Africa.pdf"
ABRIDGED = "Abridged_Evaluation_Report__Final_Olta_NDOJA.pdf"
AAP_BRIEF = "AAP_EN_Evaluation_Brief_final_0.pdf"
RUNNING_HEADER = (
    "Final Evaluation for EU-IOM Joint Initiative for Migrant Protection and Reintegration in the Horn of Africa"
)


@pytest.fixture(scope="session")
def iom_pdfs(shared_data: Path) -> Path:
    folder = shared_data / "iom-pdfs"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found: the real IOM PDFs are needed")
    return folder


@pytest.fixture(scope="session")
def abridged(iom_pdfs: Path):
    return load_document(iom_pdfs / ABRIDGED, iom_pdfs)


def make_pdf(path: Path, pages: list[list[str]], header: str | None = None, title: str | None = None) -> Path:
    """A PDF drawn line by line, with an optional running header and "Page N of M" footers."""
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    pdf = canvas.Canvas(str(path), invariant=1)
    if title:
        pdf.setTitle(title)
    for number, lines in enumerate(pages, start=1):
        pdf.setFont("Helvetica", 10)
        if header:
            pdf.drawString(72, 800, header)
        for i, line in enumerate(lines):
            pdf.drawString(72, 760 - 14 * i, line)
        pdf.drawString(280, 40, f"Page {number} of {len(pages)}")
        pdf.showPage()
    pdf.save()
    return path


BODY = [
    "1. Introduction",
    "The Global Forum on Migration and Development brought together govern-",
    "ments, civil society and the private sector. It discussed labour mobility",
    "and skills.",
    "Participants stressed the role of the EU-",
    "IOM Joint Initiative in supporting returning migrants across the region.",
]


def assert_load_error(path: Path, fragment: str, **kwargs) -> LoadError:
    with pytest.raises(LoadError) as caught:
        load_document(path, **kwargs)
    error = caught.value
    assert fragment in error.reason
    assert str(error) == f"{error.path}: {error.reason}"
    return error


# ----------------------------------------------------------------------------- real PDFs


@pytest.mark.slow
def test_every_iom_pdf_loads_one_page_per_physical_page(iom_pdfs: Path):
    files = sorted(iom_pdfs.glob("*.pdf"))
    assert len(files) == 15
    for path in files:
        doc = load_document(path, iom_pdfs)
        assert len(doc.pages) == len(PdfReader(path).pages), path.name
        assert [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))
        assert sum(len(p.text) for p in doc.pages) > 5000, path.name
        assert doc.doc_id and doc.title and doc.year and len(doc.content_hash) == 64
        assert "\n\n\n" not in doc.text


def test_phrase_is_on_its_physical_page_not_its_printed_number(iom_pdfs: Path):
    # Physical page 5 of the annex is printed "3"; the sentence wraps over two lines there.
    doc = load_document(iom_pdfs / ANNEX_VI)
    phrase = "EU Data Action project, started in November 2024 and managed by the EHSA RDH"
    assert [p.number for p in doc.pages if phrase in p.text] == [5]
    assert doc.pages[4].label is None
    assert not doc.pages[4].text.startswith("3")


def test_printed_page_labels_are_kept_when_defined(iom_pdfs: Path):
    doc = load_document(iom_pdfs / AAP_BRIEF)
    assert [p.label for p in doc.pages] == ["Page 1", "Page 2"]


def test_hyphenated_line_ends_are_mended(iom_pdfs: Path, abridged):
    brief = load_document(iom_pdfs / AAP_BRIEF)
    assert "follow-up on the MOPAN 2023 assessment and produce specific recommendations" in brief.pages[0].text
    assert "Organization" in brief.pages[0].text and "Organiza-" not in brief.text
    # compounds split before a capital or a digit keep their hyphen
    assert "the EU-IOM" in " ".join(abridged.pages[13].notes) and "EU- IOM" not in abridged.text  # in a footnote
    assert "COVID-19" in abridged.pages[23].text


def test_running_header_and_page_numbers_are_removed(iom_pdfs: Path, abridged):
    raw = [page.extract_text() for page in PdfReader(iom_pdfs / ABRIDGED).pages]
    assert sum(RUNNING_HEADER in text for text in raw) >= 25
    assert raw[15].splitlines()[1].strip() == "16"
    assert not any(RUNNING_HEADER in p.text for p in abridged.pages)
    assert abridged.pages[15].text.startswith("4.3. Effectiveness\n\nOverall performance score for effectiveness")
    assert abridged.pages[4].text.startswith("2. Background of the JI-HoA\n\n2.1. Context and design of the JI-HoA\n\n")


def test_real_pdf_metadata(iom_pdfs: Path, abridged):
    assert abridged.doc_id == "abridged-evaluation-report-final-olta-ndoja"
    assert abridged.year == 2023 and abridged.doc_type == "report"
    assert abridged.source == ABRIDGED and abridged.path == str((iom_pdfs / ABRIDGED).resolve())
    isp = load_document(iom_pdfs / "ISP_IOM_Case-Management-Return-Reintegr-JI-Review_final.pdf")
    assert not isp.title.startswith("Microsoft Word")  # the PDF's /Title is a Word file name
    assert isp.title.startswith("Study of Case Management Practice")


# ----------------------------------------------------------------------------- PDF text rules


def test_lines_become_paragraphs_with_mended_hyphens():
    text = paragraphs(BODY + ["", "Next paragraph."], Joiner("\n".join(BODY)), 75)
    assert text.split("\n\n") == [
        "1. Introduction",
        "The Global Forum on Migration and Development brought together governments, civil society "
        "and the private sector. It discussed labour mobility and skills.",
        "Participants stressed the role of the EU-IOM Joint Initiative in supporting returning migrants "
        "across the region.",
        "Next paragraph.",
    ]


def test_hyphen_kept_where_the_document_writes_the_compound():
    lines = ["Programmes should support commu-", "nity-based and well-", "being projects in the region today."]
    joiner = Joiner("\n".join(lines) + "\nthe well-being of returnees")
    assert (
        paragraphs(lines, joiner)
        == "Programmes should support community-based and well-being projects in the region today."
    )


def test_headings_stand_alone():
    lines = [
        "EXECUTIVE SUMMARY",
        "The evaluation covered four countries and three years of programme work in the region.",
        "3.2 Relevance",
        "The programme was relevant to the needs of returnees and of the communities receiving them.",
    ]
    assert paragraphs(lines, Joiner(""), 90).split("\n\n") == [lines[0], lines[1], lines[2], lines[3]]


def test_page_numbers_and_repeated_edges_are_dropped():
    words = ["remittances", "diaspora", "skills", "climate", "return"]
    markers = ["Page 1 of 5", "- 2 -", "iii", "12", "Annual report 2019 | 5"]
    pages = [
        [f"Annual report 2019 | {n}", "", f"About {word}.", f"On {word} again.", f"Last on {word}.", marker]
        for n, (word, marker) in enumerate(zip(words, markers), start=1)
    ]
    pages[4][0] = "A heading at the top"
    drop_running_lines(pages)
    assert [lines[0] for lines in pages] == ["", "", "", "", "A heading at the top"]
    assert all(lines[-1] == "" for lines in pages)
    assert pages[2][2:5] == ["About skills.", "On skills again.", "Last on skills."]


def test_generated_pdf_end_to_end(tmp_path: Path):
    header = "GFMD sample report - confidential draft"
    pdf = make_pdf(
        tmp_path / "sample.pdf", [BODY, ["2. Findings", "Remittances matter."], ["3. Annex", "Data."]], header
    )
    doc = load_document(pdf)
    assert len(doc.pages) == 3
    assert doc.pages[0].text.startswith(
        "1. Introduction\n\nThe Global Forum on Migration and Development brought together governments,"
    )
    assert header not in doc.text and "Page 2 of 3" not in doc.text
    assert doc.pages[1].text == "2. Findings\n\nRemittances matter."


# ----------------------------------------------------------------------------- bad inputs


def test_encrypted_pdf_is_refused(tmp_path: Path):
    pytest.importorskip("cryptography")
    writer = PdfWriter(clone_from=make_pdf(tmp_path / "plain.pdf", [BODY]))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    writer.write(tmp_path / "locked.pdf")
    assert_load_error(tmp_path / "locked.pdf", "PDF is encrypted")


def test_pdf_encrypted_with_an_empty_user_password_loads(tmp_path: Path):
    pytest.importorskip("cryptography")
    writer = PdfWriter(clone_from=make_pdf(tmp_path / "plain.pdf", [BODY]))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    writer.write(tmp_path / "open.pdf")
    assert "labour mobility and skills" in load_document(tmp_path / "open.pdf").text


def test_pdf_without_text_layer(tmp_path: Path):
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    writer.write(tmp_path / "scan.pdf")
    assert_load_error(tmp_path / "scan.pdf", "PDF has no text layer (scanned?); OCR it first")


def test_truncated_pdf_is_not_valid_and_quiet(tmp_path: Path, caplog, capsys):
    data = make_pdf(tmp_path / "whole.pdf", [BODY] * 4).read_bytes()
    (tmp_path / "half.pdf").write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING):
        assert_load_error(tmp_path / "half.pdf", "not a valid PDF: ")
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert capsys.readouterr().err == ""


def test_real_pdf_cut_in_half(tmp_path: Path, iom_pdfs: Path):
    data = (iom_pdfs / ABRIDGED).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    assert_load_error(tmp_path / "cut.pdf", "not a valid PDF: ")


def test_too_many_pages(tmp_path: Path):
    pdf = make_pdf(tmp_path / "long.pdf", [BODY] * 4)
    assert_load_error(pdf, "4 pages, over the limit of 3", max_pages=3)
    assert len(load_document(pdf, max_pages=4).pages) == 4


def test_non_utf8_text_is_refused_not_guessed(tmp_path: Path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Migration et développement".encode("latin-1"))
    assert_load_error(path, "not UTF-8 text (byte 0xe9 at offset 14)")


def test_utf8_with_bom_is_fine(tmp_path: Path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffMigration et développement".encode())
    assert load_document(path).text == "Migration et développement"


def test_unsupported_empty_missing_and_unreadable_files(tmp_path: Path):
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    assert_load_error(tmp_path / "notes.docx", "unsupported file type '.docx'")
    (tmp_path / "page.pdf").write_text("<html>saved from a browser</html>")
    assert_load_error(tmp_path / "page.pdf", "not a valid PDF: no %PDF header")
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert_load_error(tmp_path / "empty.pdf", "empty file")
    (tmp_path / "blank.md").write_text("\n  \n")
    assert_load_error(tmp_path / "blank.md", "file has no text")
    assert_load_error(tmp_path / "gone.txt", "no such file")
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user who can read any file (root)")
        assert_load_error(locked, "permission denied")
    finally:
        locked.chmod(0o644)


# ----------------------------------------------------------------------------- metadata


def test_sidecar_overrides_and_extra(tmp_path: Path):
    path = tmp_path / "report-2015.txt"
    path.write_text("A short line\n\nBody of the report written in 2012.\n")
    sidecar = tmp_path / "report-2015.txt.meta.json"
    meta = {
        "id": "gfmd-2019-summary",
        "title": "Chair's summary",
        "year": "2019",
        "doc_type": "summary",
        "meeting": "GFMD 2019 Quito",
        "source": "https://gfmd.org/x",
        "sample": True,
    }
    sidecar.write_text(json.dumps(meta))
    doc = load_document(path, tmp_path)
    assert (doc.doc_id, doc.title, doc.year, doc.doc_type, doc.meeting, doc.source) == (
        "gfmd-2019-summary",
        "Chair's summary",
        2019,
        "summary",
        "GFMD 2019 Quito",
        "https://gfmd.org/x",
    )
    assert doc.extra == {"sample": True}
    assert identify(path, tmp_path) == (doc.doc_id, doc.content_hash)
    sidecar.write_text(json.dumps({**meta, "year": None}))
    changed = load_document(path, tmp_path)
    assert changed.year is None and changed.content_hash != doc.content_hash


def test_guessed_metadata_without_sidecar(tmp_path: Path):
    path = tmp_path / "Inception_Report_2021_final.txt"
    path.write_text("Body text that mentions 2012 and 2013 and 2013 again, and runs on for a long while " * 3)
    doc = load_document(path, tmp_path)
    assert doc.title == "Inception Report 2021 final" and doc.year == 2021
    assert doc.doc_type == "inception report" and doc.source == path.name and doc.meeting is None
    other = tmp_path / "notes.txt"
    other.write_text("Short title line\n\nThe meeting in 2012 and 2013, then 2013 again.\n")
    notes = load_document(other)
    assert notes.title == "Short title line" and notes.year == 2013 and notes.doc_type is None


def test_pdf_info_title_and_creation_year(tmp_path: Path):
    doc = load_document(make_pdf(tmp_path / "tor.pdf", [BODY], title="Terms of the study"))
    assert doc.title == "Terms of the study" and doc.year == 2000  # reportlab's invariant date
    doc = load_document(make_pdf(tmp_path / "x_tor_2019.pdf", [BODY], title="Microsoft Word - x_tor.docx"))
    assert doc.title == "X tor 2019" and doc.doc_type == "terms of reference"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "invalid JSON"),
        ('["a list"]', "must hold a JSON object"),
        ('{"year": "soon"}', "field 'year'"),
        ('{"year": true}', "field 'year'"),
        ('{"title": 5}', "field 'title' must be a string, not a number"),
        ('{"id": "!!!"}', "field 'id'"),
    ],
)
def test_bad_sidecar_names_file_and_field(tmp_path: Path, content: str, fragment: str):
    path = tmp_path / "doc.md"
    path.write_text("# Title\n\nText.\n")
    (tmp_path / "doc.md.meta.json").write_text(content)
    error = assert_load_error(path, fragment)
    assert error.path.endswith("doc.md.meta.json")


def test_doc_id_slugs(tmp_path: Path):
    corpus = tmp_path / "corpus"
    (corpus / "2019").mkdir(parents=True)
    path = corpus / "2019" / "Chair Summary (Quito).md"
    path.write_text("# Chair summary\n\nText.\n")
    doc = load_document(path, corpus)
    assert doc.doc_id == "2019--chair-summary-quito" and doc.source == "2019/Chair Summary (Quito).md"
    assert load_document(path).doc_id == "chair-summary-quito"
    assert identify(path, corpus)[0] == "2019--chair-summary-quito"


# ----------------------------------------------------------------------------- text and HTML


def test_markdown_paragraphs_headings_and_lists(tmp_path: Path):
    path = tmp_path / "meeting.md"
    path.write_text(
        "# GFMD 2012 Mauritius\n\nThe meeting took place\nin Port Louis.\n## Roundtable 1\n"
        "- first item\n- second item\n\n---\n\nClosing words.\n"
    )
    doc = load_document(path)
    assert doc.title == "GFMD 2012 Mauritius" and doc.year == 2012
    assert [p.number for p in doc.pages] == [1]
    assert doc.text.split("\n\n") == [
        "GFMD 2012 Mauritius",
        "The meeting took place in Port Louis.",
        "Roundtable 1",
        "- first item",
        "- second item",
        "Closing words.",
    ]


HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Practices on labour mobility</title>
<script>var tracking = "script text";</script><style>p { color: red }</style></head><body>
<nav><a href="#">Home</a> | <a href="#">Meetings</a></nav><header>Site banner</header>
<main><h1>Labour mobility</h1><p>Skills <em>partnerships</em> link training
 and jobs.</p><section><h2>Practice 1</h2><p>Countries: Mexico, Canada.</p><table><tr><td>A</td><td>B</td></tr></table>
<form><input value="search"></form><aside>Related links</aside></section></main>
<footer><p>Footer text</p></footer><!-- a comment --></body></html>"""


def test_html_main_text_without_navigation(tmp_path: Path):
    path = tmp_path / "pfp.html"
    path.write_text(HTML)
    doc = load_document(path)
    assert doc.title == "Practices on labour mobility"
    assert doc.text.split("\n\n") == [
        "Labour mobility",
        "Skills partnerships link training and jobs.",
        "Practice 1",
        "Countries: Mexico, Canada.",
        "A B",
    ]


def test_html_without_main_or_title(tmp_path: Path):
    path = tmp_path / "page.htm"
    path.write_text(
        "<html><body><nav>Menu</nav><article><header><h1>The article</h1></header>"
        "<p>Body.</p><footer>By the author</footer></article><footer>Site</footer></body></html>"
    )
    doc = load_document(path)
    assert doc.title == "The article"
    assert doc.text == "The article\n\nBody.\n\nBy the author"


def test_html_in_its_declared_charset(tmp_path: Path):
    path = tmp_path / "latin.html"
    path.write_bytes(
        '<html><head><meta charset="iso-8859-1"></head><body><p>Développement</p></body></html>'.encode("latin-1")
    )
    assert load_document(path).text == "Développement"


# ----------------------------------------------------------------------------- finding files


def test_find_files(tmp_path: Path):
    corpus = tmp_path / "corpus"
    for name in ["b/report.PDF", "a.md", "a.md.meta.json", ".hidden.txt", ".git/x.txt", "b/notes.docx", "c.html"]:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text("x")
    (tmp_path / "empty").mkdir()
    found, problems = find_files([corpus, tmp_path / "missing.pdf", tmp_path / "empty", corpus / "a.md"])
    assert found == [corpus / "a.md", corpus / "b/report.PDF", corpus / "c.html"]
    reasons = {p.name: r for p, r in problems}
    assert reasons["notes.docx"].startswith("unsupported file type '.docx'")
    assert reasons["missing.pdf"] == "no such file or folder"
    assert reasons["empty"] == "folder contains no supported files"
    assert len(problems) == 3
    assert {".pdf", ".txt", ".md", ".html", ".htm"} == SUPPORTED_EXTENSIONS
