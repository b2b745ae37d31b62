"""``kb ask``: the answer's shape, the filters the question stated and a list's items, in JSON
and as lines (the hash embedder; abstention switched off, its signals are tested elsewhere)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write

REPORT = """
    ---
    type: report
    title: {title}
    coordinator: {org}
    start_year: {year}
    end_year: {end}
    ---
    # {title}
    ## Summary
    {body}
    """


@pytest.fixture
def store(tmp_path, monkeypatch):
    from kb import cli

    root = tmp_path / "corpus"
    write(root / "reports" / "a.md", REPORT.format(
        title="Textile Loop", org="Mobile Heights AB", year=2021, end=2023,
        body="Textile Loop sorted used clothing for fibre recycling in three towns."))
    write(root / "reports" / "b.md", REPORT.format(
        title="Battery Bridge", org="ElectraNord Cluster", year=2018, end=2021,
        body="Battery Bridge connected small firms to battery recycling plants."))
    args = ["--store", str(tmp_path / "store")]
    assert cli.main(["ingest", str(root), *args]) == 0
    for key, value in (("KB_ABSTAIN_THRESHOLD", "0"), ("KB_ABSTAIN_SENTENCE", "-1"),
                       ("KB_ABSTAIN_UNKNOWN", "1.01")):
        monkeypatch.setenv(key, value)
    return args


@pytest.mark.usefixtures("hash_model")
def test_ask_json_gives_the_shape_filters_and_items(store, capsys):
    from kb import cli

    capsys.readouterr()
    assert cli.main(["ask", "Which projects did Mobile Heights coordinate?", "--json",
                     *store]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["shape"] == "list"
    assert out["filters_applied"] == ["kind: report", "organisation: Mobile Heights"]
    assert [i["title"] for i in out["items"]] == ["Textile Loop"]
    assert out["items"][0]["fields"] == {"coordinator": "Mobile Heights AB", "years": "2021-2023"}
    assert out["items"][0]["n"] == 1 and out["citations"][0]["n"] == 1


@pytest.mark.usefixtures("hash_model")
def test_ask_prints_a_list_as_lines_with_its_filter(store, capsys):
    from kb import cli

    capsys.readouterr()
    assert cli.main(["ask", "Which projects worked on recycling?", *store]) == 0
    out = capsys.readouterr().out
    assert out.startswith("- ")
    assert "(filtered by the question: kind: report)" in out


@pytest.mark.usefixtures("hash_model")
def test_the_stated_filters_can_be_removed(store, capsys):
    from kb import cli

    capsys.readouterr()
    assert cli.main(["ask", "Which projects did Mobile Heights coordinate?", "--json",
                     "--no-stated-filters", *store]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["filters_applied"] == []
    assert {i["title"] for i in out["items"]} <= {"Textile Loop", "Battery Bridge"}
