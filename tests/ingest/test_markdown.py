import pytest
import yaml

from ingest.loaders import load
from ingest.markdown import _plain, split_front_matter
from kb.errors import LoadError
from tests.conftest import write

TOOLBOX = """
---
title: Reverse pitch
category: Event
tags: [matchmaking, open innovation]
contributed_by: Nordvik Process Cluster
duration: 3 hours
---
# Reverse pitch

## Purpose
Large companies present unsolved challenges to smaller firms.

## Participants
Three challenge owners and about forty SMEs.

## Follow-up
Meetings are booked within two weeks.
"""


def test_toolbox_entry_has_front_matter_metadata_and_sections(tmp_path):
    doc = load(write(tmp_path / "toolbox" / "reverse-pitch.md", TOOLBOX),
               "toolbox/reverse-pitch.md")
    assert doc.kind == "toolbox"
    assert doc.title == "Reverse pitch"
    assert doc.metadata["category"] == "event"
    assert doc.metadata["tags"] == ["matchmaking", "open innovation"]
    assert doc.metadata["contributed_by"] == "Nordvik Process Cluster"
    assert doc.metadata["duration"] == "3 hours"
    assert [u.section for u in doc.units] == ["Purpose", "Participants", "Follow-up"]
    assert "forty SMEs" in doc.units[1].text


def test_markdown_without_front_matter_takes_title_from_first_heading(tmp_path):
    doc = load(write(tmp_path / "notes" / "x.md", "# Study tours that work\n\nSome text here.\n"),
               "x.md")
    assert doc.title == "Study tours that work"
    assert doc.kind == "document"


@pytest.mark.parametrize("folder, kind", [
    ("methods", "toolbox"), ("tools", "toolbox"), ("projects", "report"),
    ("recordings", "transcript"), ("Projects", "report"), ("notes", "document")])
def test_the_folder_says_what_its_files_are(tmp_path, folder, kind):
    doc = load(write(tmp_path / folder / "x.md", "# A title\n\nSome text here.\n"), "x.md")
    assert doc.kind == kind


def test_front_matter_type_wins_over_folder(tmp_path):
    text = ("---\ntype: report\ntitle: T\n---\n**Coordinator:** Foo AB\n\n"
            "**Funding:** SEK 1 200 000\n\nBody.\n")
    doc = load(write(tmp_path / "toolbox" / "r.md", text), "r.md")
    assert doc.kind == "report"
    assert doc.metadata["coordinator"] == "Foo AB"
    assert doc.metadata["funding_sek"] == 1200000


@pytest.mark.parametrize("text, reason", [
    ("---\ntitle: [unclosed\n---\nBody text.\n", "invalid front matter"),
    ("---\ntitle: X\ncategory: party\n---\nBody text.\n", "unknown category 'party'"),
    ("---\ntitle: X\ntype: recipe\n---\nBody text.\n", "unknown type 'recipe'"),
    ("---\ntitle: X\n---\n", "no text"),
    ("", "empty file"),
])
def test_bad_markdown_is_a_load_error_naming_the_reason(tmp_path, text, reason):
    with pytest.raises(LoadError) as err:
        load(write(tmp_path / "toolbox" / "bad.md", text), "toolbox/bad.md")
    assert err.value.source == "toolbox/bad.md"
    assert reason in err.value.reason


def test_front_matter_values_are_yaml_safe_load_values():
    text = ("---\ntitle: 'Quoted: colon'\ndate: 2021-03-04\nyears: [2019, 2020]\nok: yes\n"
            "funding: 1.5e3\ntags:\n  - a\n  - b\nnested: {k: v}\nempty:\n---\nBody.\n")
    meta, body = split_front_matter(text, "x.md")
    expected = yaml.safe_load(text.split("---\n")[1])
    assert meta == {k: _plain(v) for k, v in expected.items()}
    assert meta["date"] == "2021-03-04" and meta["years"] == ["2019", "2020"] and meta["ok"] is True
    assert body == "Body.\n"


def test_invalid_front_matter_names_pyyaml_problem_and_line():
    with pytest.raises(LoadError) as err:
        split_front_matter("---\ntitle: T\nbad: [unclosed\n---\nBody.\n", "x.md")
    assert err.value.reason == ("invalid front matter (line 4): "
                                "expected ',' or ']', but got '<stream end>'")


def test_cp1252_text_is_decoded_not_rejected(tmp_path):
    path = write(tmp_path / "doc.md",
                 "# Café in Malmö\n\nÅtta medlemmar – visited.\n".encode("cp1252"))
    doc = load(path, "doc.md")
    assert doc.title == "Café in Malmö"
    assert "Åtta medlemmar" in doc.units[0].text


def test_binary_content_with_text_extension_is_refused(tmp_path):
    path = write(tmp_path / "image.md", bytes(range(256)) * 20)
    with pytest.raises(LoadError, match="binary"):
        load(path, "image.md")


@pytest.mark.parametrize("text, title", [
    ("# Digital twins for district heating (HORIZON-CL5-2027-D3-05)\n",
     "Digital twins for district heating (HORIZON-CL5-2027-D3-05)"),
    ("---\nprogramme: Horizon Europe\n---\n\n# Clean hydrogen valleys\n\n",
     "Clean hydrogen valleys"),
])
def test_a_heading_only_markdown_file_is_indexed_by_its_title(tmp_path, text, title):
    doc = load(write(tmp_path / "topics" / "t.md", text), "topics/t.md")
    assert doc.title == title
    assert [(u.text, u.section) for u in doc.units] == [(title, title)]

