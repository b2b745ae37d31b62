"""Scanned PDFs read by the real Tesseract (tests/setup-debian.sh installs it for `make test`)."""

import logging

import pytest

from ingest import ocr, pdf
from ingest.chunking import chunk_document
from ingest.loaders import load
from kb.errors import LoadError
from tests.ingest.office import scanned_pdf

needs_tesseract = pytest.mark.skipif(
    not ocr.available(), reason="Tesseract is missing: bash tests/setup-debian.sh installs it")
TEXT_PAGE = ("Harbour Heat Recovery\nReference number: KB-ILL-2022-31\n"
             "This page has a real text layer with enough words to need no OCR.")
SCAN = ["Results of the pilot", "Coordinator: Kustvarme Cluster AB",
        "Eleven firms joined the heat loop in 2023."]


@needs_tesseract
def test_a_mixed_pdf_is_ocrd_only_on_the_page_without_text_and_keeps_page_numbers(
        tmp_path, monkeypatch):
    path = scanned_pdf(tmp_path / "mixed.pdf", [TEXT_PAGE, SCAN, TEXT_PAGE.replace("Harbour",
                                                                                   "Fjord")])
    read = []
    real = ocr.image_text
    monkeypatch.setattr(ocr, "image_text", lambda *a: read.append(1) or real(*a))
    doc = load(path, "reports/mixed.pdf")
    assert len(read) == 1  # one page image read, the text pages were not
    assert [(u.page, u.ocr) for u in doc.units] == [(1, False), (2, True), (3, False)]
    assert "Eleven firms joined the heat loop in 2023." in doc.units[1].text
    assert doc.metadata["reference_number"] == "KB-ILL-2022-31"
    chunks = chunk_document(doc, 200, 30, 75)
    assert [(c.metadata["page"], c.metadata.get("ocr")) for c in chunks] == [
        (1, None), (2, True), (3, None)]


@needs_tesseract
def test_a_fully_scanned_pdf_is_read_and_its_fields_found(tmp_path):
    doc = load(scanned_pdf(tmp_path / "scan.pdf", [SCAN]), "scan.pdf")
    assert [u.page for u in doc.units] == [1] and doc.units[0].ocr
    assert doc.metadata["coordinator"] == "Kustvarme Cluster AB"


def test_without_tesseract_a_scanned_pdf_says_what_to_install(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(ocr, "tesseract", lambda: None)
    with pytest.raises(LoadError) as err:
        load(scanned_pdf(tmp_path / "scan.pdf", [SCAN]), "scan.pdf")
    assert err.value.reason == ("scanned PDF (no text layer): install Tesseract to read scanned "
                                "pages: apt-get install tesseract-ocr tesseract-ocr-eng "
                                "tesseract-ocr-swe")
    # a mixed PDF keeps its text pages as before, and the log names the pages left out
    with caplog.at_level(logging.WARNING, logger=pdf.__name__):
        doc = load(scanned_pdf(tmp_path / "mixed.pdf", [TEXT_PAGE, SCAN]), "mixed.pdf")
    assert [u.page for u in doc.units] == [1]
    assert "no text layer on page(s) 2, left out" in caplog.text
    assert "apt-get install" in caplog.text


@needs_tesseract
def test_an_image_tesseract_cannot_read_is_a_load_error_naming_the_page(tmp_path, monkeypatch):
    def broken(data, suffix):
        raise ocr.OCRError("Tesseract failed: Error in pixReadMem")

    monkeypatch.setattr(ocr, "image_text", broken)
    with pytest.raises(LoadError, match="page 2: Tesseract failed"):
        load(scanned_pdf(tmp_path / "m.pdf", [TEXT_PAGE, SCAN]), "m.pdf")


@needs_tesseract
def test_the_ocr_benchmark_reports_seconds_per_page_and_accuracy():
    from eval.bench.ocr import bench_ocr

    result = bench_ocr(pages=1, lines_per_page=6)
    assert result["pages"] == result["ocr_pages"] == 1
    assert result["ocr_s_per_page"] > result["text_layer_s_per_page"] > 0
    assert result["ocr_cpu_s_per_page"] > 0
    assert result["word_accuracy"] > 0.9


def test_without_tesseract_the_ingest_reports_the_scan_in_one_line_and_takes_the_rest(
        tmp_path, settings, hash_embedder, monkeypatch):
    from ingest.pipeline import run
    from tests.conftest import write

    monkeypatch.setattr(ocr, "tesseract", lambda: None)
    root = tmp_path / "corpus"
    (root / "reports").mkdir(parents=True)
    scanned_pdf(root / "reports" / "scan.pdf", [SCAN])
    write(root / "toolbox" / "a.md", "# Study tour\n\nMembers visit a cluster abroad.\n")
    report = run([root], settings, embedder=hash_embedder)
    assert report.added == 1
    assert report.failed == [{"source": "reports/scan.pdf", "error":
                              "scanned PDF (no text layer): " + ocr.INSTALL_HINT}]
