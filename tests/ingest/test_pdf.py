import pytest

from ingest.chunking import chunk_document
from ingest.loaders import load
from kb.errors import LoadError
from tests.conftest import EVAL_DATA, make_pdf, write


def test_pdf_pages_are_one_based_and_chunks_never_span_pages(tmp_path):
    pages = [
        "Circular textiles pilot\nReference number: KB-ILL-2021-04\nCoordinator: Fibre Cluster AB\n"
        "Funding: SEK 2 500 000\nProject duration: 2021 - 2023\nStatus: Completed",
        "Approach\n" + "\n".join(f"Sorting line step {i} used near-infrared scanners."
                                 for i in range(40)),
        "Results\nThe pilot recycled 140 tonnes of workwear.",
    ]
    path = make_pdf(tmp_path / "reports" / "textiles.pdf", pages, title="Circular textiles pilot")
    doc = load(path, "reports/textiles.pdf")
    assert doc.kind == "report"
    assert doc.title == "Circular textiles pilot"
    assert [u.page for u in doc.units] == [1, 2, 3]
    assert doc.metadata["reference_number"] == "KB-ILL-2021-04"
    assert doc.metadata["funding_sek"] == 2500000
    chunks = chunk_document(doc, 60, 10, 75)
    assert len({c.metadata["page"] for c in chunks}) == 3
    assert sum(c.metadata["page"] == 2 for c in chunks) > 1  # page 2 is split, but within page 2
    for c in chunks:
        page_text = doc.units[c.metadata["page"] - 1].text
        assert c.text in page_text
    assert any("140 tonnes" in c.text and c.metadata["page"] == 3 for c in chunks)


def test_encrypted_pdf_is_reported(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", ["Secret text"])
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password="pw", owner_password="owner")
    with open(tmp_path / "locked.pdf", "wb") as fh:
        writer.write(fh)
    with pytest.raises(LoadError, match="encrypted"):
        load(tmp_path / "locked.pdf", "locked.pdf")


def test_pdf_without_text_layer_says_it_needs_ocr(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", ["", ""])
    with pytest.raises(LoadError, match="OCR"):
        load(path, "scan.pdf")


def test_corrupt_pdf_is_reported(tmp_path):
    path = write(tmp_path / "broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage" * 3)
    with pytest.raises(LoadError, match="PDF"):
        load(path, "broken.pdf")


REAL = sorted((EVAL_DATA / "real-pdfs").glob("*.pdf")) if (EVAL_DATA / "real-pdfs").exists() else []


@pytest.mark.skipif(not REAL, reason="../shared/eval-data/real-pdfs is not present")
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_project_pdfs_load_with_page_numbers(path):
    from pypdf import PdfReader

    doc = load(path, path.name)
    n_pages = len(PdfReader(path).pages)
    pages = [u.page for u in doc.units]
    assert pages == sorted(pages) and pages[0] >= 1 and pages[-1] <= n_pages
    assert len(pages) >= n_pages - 1  # every page with text is a unit
    reader_page = PdfReader(path).pages[pages[-1] - 1].extract_text()
    assert doc.units[-1].text.split()[0] in reader_page
