import datetime as dt

import pytest

from ingest.chunking import chunk_document
from ingest.loaders import load
from kb.errors import LoadError
from tests.conftest import write
from tests.ingest.office import encrypt, make_xlsx

PROJECTS = [
    ["Project list 2024"],
    [],
    ["Project", "Coordinator", "Funding (SEK)", "Start", "Status"],
    ["Harbour Heat Recovery", "Kustvärme Cluster AB", 1450000, dt.date(2022, 3, 1), "Ongoing"],
    ["Fjällgas Pilot", "Norrland Energy Cluster", 820000.0, dt.date(2021, 9, 15), "Completed"],
    [None, None, None, None, None],
    ["Lake Sensor Net", None, 300000, None, "Planned"],
]


def test_each_row_is_one_unit_cited_by_sheet_and_row_with_its_columns_as_fields(tmp_path):
    path = make_xlsx(tmp_path / "projects.xlsx", {"Projects": PROJECTS, "Notes": [["just a"]]})
    doc = load(path, "projects.xlsx")
    assert doc.title == "projects"
    # the header is row 3 (the first with two cells filled); the caption above is a unit
    assert [(u.sheet, u.row) for u in doc.units] == [("Projects", 1), ("Projects", 4),
                                                     ("Projects", 5), ("Projects", 7)]
    assert doc.units[0].text == "Project list 2024"
    doc.units = doc.units[1:]
    first = doc.units[0]
    assert first.text == ("Project: Harbour Heat Recovery; Coordinator: Kustvärme Cluster AB; "
                          "Funding (SEK): 1450000; Start: 2022-03-01; Status: Ongoing")
    assert doc.units[1].fields["funding_sek"] == "820000"
    assert "coordinator" not in doc.units[2].fields
    chunks = chunk_document(doc, 200, 30, 75)
    assert len(chunks) == 3
    c = chunks[1]
    assert (c.metadata["sheet"], c.metadata["row"]) == ("Projects", 5)
    assert c.metadata["coordinator"] == "Norrland Energy Cluster"
    assert c.metadata["project"] == "Fjällgas Pilot"


def test_csv_rows_are_records(tmp_path):
    path = write(tmp_path / "members.csv",
                 "Company;City;Joined\nNordic Sensors AB;Umeå;2019\nFjord Foods AS;Bergen;2021\n")
    doc = load(path, "members.csv")
    assert [(u.sheet, u.row) for u in doc.units] == [("members", 2), ("members", 3)]
    assert doc.units[1].text == "Company: Fjord Foods AS; City: Bergen; Joined: 2021"


@pytest.mark.parametrize("name, make, reason", [
    ("locked.xlsx", lambda p: encrypt(make_xlsx(p, {"S": PROJECTS})), "password-protected"),
    ("broken.xlsx", lambda p: write(p, b"PK\x03\x04 broken" * 4), "corrupt Excel workbook"),
    ("header-only.xlsx", lambda p: make_xlsx(p, {"S": [["A", "B"]]}), "no sheet with a header"),
    ("empty.csv", lambda p: write(p, b""), "empty file"),
    ("header.csv", lambda p: write(p, "a,b\n"), "no header row followed by data rows"),
])
def test_bad_spreadsheets_are_load_errors_naming_the_reason(tmp_path, name, make, reason):
    path = make(tmp_path / name)
    with pytest.raises(LoadError) as err:
        load(path, name)
    assert err.value.source == name and reason in err.value.reason
