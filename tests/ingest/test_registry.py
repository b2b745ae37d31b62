"""The loader registry is the one list of file types: uploads and the README take it from there."""

import subprocess
import sys

import pytest

from ingest import loaders
from tests.conftest import ROOT
from tests.ingest.office import encrypt, make_docx, make_pptx, make_xlsx


def test_the_readme_table_is_the_registry():
    check = subprocess.run([sys.executable, "scripts/readme_formats.py", "--check"], cwd=ROOT,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for suffix in loaders.SUFFIXES:
        assert f"`{suffix}`" in readme


def test_every_registered_type_can_be_uploaded_and_nothing_else():
    from kb.ui import uploads

    assert uploads.UPLOAD_TYPES == tuple(loaders.LOADERS) == loaders.SUFFIXES
    assert {".docx", ".pptx", ".xlsx", ".csv"} <= set(uploads.UPLOAD_TYPES)


@pytest.mark.parametrize("name, make, reason", [
    ("r.docx", lambda p: make_docx(p, blocks=[("p", "Text.")]), None),
    ("d.pptx", lambda p: make_pptx(p, [{"title": "T"}]), None),
    ("s.xlsx", lambda p: make_xlsx(p, {"S": [["a", "b"], [1, 2]]}), None),
    ("locked.xlsx", lambda p: encrypt(make_xlsx(p, {"S": [["a", "b"], [1, 2]]})), None),
    ("s.csv", lambda p: p.write_text("a,b\n1,2\n"), None),
    ("fake.docx", lambda p: p.write_text("not a zip"), "not a Word file"),
    ("a.pdf", lambda p: p.write_bytes(b"hello"), "not a PDF"),
])
def test_uploads_are_checked_by_their_registered_first_bytes(tmp_path, name, make, reason):
    from kb.ui import uploads

    path = tmp_path / name
    make(path)
    got = uploads.check_upload(path, max_mb=1)
    # a password-protected workbook passes the upload check: its loader names the reason
    assert got is None if reason is None else reason in got
