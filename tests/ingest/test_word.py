import pytest

from ingest.chunking import chunk_document
from ingest.loaders import load
from kb.errors import LoadError
from tests.conftest import write
from tests.ingest.office import encrypt, make_docx, make_pptx, make_xlsx

REPORT = [
    ("h1", "Harbour Heat Recovery"),
    ("p", "Illustrative example written for the kb tests."),
    ("table", [["Reference number", "KB-ILL-2022-31"], ["Coordinator", "Kustvärme Cluster AB"],
               ["Funding", "SEK 1 450 000"], ["Project duration", "March 2022 - June 2024"]]),
    ("h2", "Background"),
    ("p", "Waste heat from the fish-processing plants was vented into the harbour."),
    ("h2", "Results"),
    ("p", "Eleven firms connected to the heat loop; the plant saved 2.1 GWh a year."),
    ("table", [["Measure", "Target", "Achieved"], ["Firms connected", "8", "11"]]),
    ("h3", "Lessons"),
    ("p", "Metering agreements took longer than the pipework."),
]


def test_word_headings_become_sections_and_tables_report_fields(tmp_path):
    path = make_docx(tmp_path / "reports" / "heat.docx", title="Harbour Heat Recovery report",
                     author="Maja Berg", blocks=REPORT)
    doc = load(path, "reports/heat.docx")
    assert doc.kind == "report" and doc.title == "Harbour Heat Recovery report"
    assert doc.metadata["author"] == "Maja Berg"
    assert doc.metadata["reference_number"] == "KB-ILL-2022-31"
    assert doc.metadata["coordinator"] == "Kustvärme Cluster AB"
    assert doc.metadata["funding_sek"] == 1450000
    assert (doc.metadata["start_year"], doc.metadata["end_year"]) == (2022, 2024)
    assert [u.section for u in doc.units] == ["Harbour Heat Recovery report", "Background",
                                              "Results", "Lessons"]
    assert "Coordinator: Kustvärme Cluster AB" in doc.units[0].text
    assert "| Firms connected | 8 | 11 |" in doc.units[2].text.splitlines()
    chunks = chunk_document(doc, 200, 30, 75)
    assert any("2.1 GWh" in c.text and c.metadata["section"] == "Results" for c in chunks)
    assert chunks[0].metadata["coordinator"] == "Kustvärme Cluster AB"


def test_word_title_falls_back_to_the_first_heading(tmp_path):
    doc = load(make_docx(tmp_path / "x.docx", blocks=REPORT), "x.docx")
    assert doc.title == "Harbour Heat Recovery" and doc.kind == "document"
    assert "author" not in doc.metadata


@pytest.mark.parametrize("make, reason", [
    (lambda p: write(p, b"PK\x03\x04 this is not a real package" * 3), "corrupt Word document"),
    (lambda p: write(p, b"plain text, not a package"), "corrupt Word document"),
    (lambda p: write(p, b""), "empty file"),
    (lambda p: encrypt(make_docx(p, blocks=REPORT)), "password-protected"),
    (lambda p: make_docx(p, blocks=[("p", "   ")]), "no text"),
])
def test_bad_word_files_are_load_errors_naming_the_reason(tmp_path, make, reason):
    path = make(tmp_path / "bad.docx")
    with pytest.raises(LoadError) as err:
        load(path, "bad.docx")
    assert err.value.source == "bad.docx" and reason in err.value.reason


def test_office_keywords_mark_an_invented_example(tmp_path):
    """The word "illustrative" among an Office file's keywords is the document's flag (a badge),
    as it is for a PDF's; other keywords set nothing."""
    from ingest import slides, spreadsheet, word

    files = [(word.load, make_docx(tmp_path / "a.docx", blocks=[("p", "Text.")],
                                   keywords="cluster, illustrative")),
             (slides.load, make_pptx(tmp_path / "b.pptx", [{"title": "Slide", "body": ["Text"]}],
                                     keywords="illustrative")),
             (spreadsheet.load_xlsx, make_xlsx(tmp_path / "c.xlsx", {"S": [["A", "B"], [1, 2]]},
                                               keywords="Illustrative"))]
    for loader, path in files:
        assert loader(path, path.name, "report").metadata.get("illustrative") is True, path.name
    plain = make_docx(tmp_path / "d.docx", blocks=[("p", "Text.")], keywords="cluster, report")
    assert "illustrative" not in word.load(plain, "d.docx", "report").metadata
