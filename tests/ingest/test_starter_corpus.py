"""The starter corpus' Office, scanned and spreadsheet files are what their scripts build, and their
golden facts sit where eval/golden/office.jsonl says."""

import subprocess
import sys

import pytest

from ingest import ocr
from tests.conftest import ROOT


def test_the_office_files_are_up_to_date_with_their_sources():
    done = subprocess.run([sys.executable, "scripts/build_office_corpus.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(not ocr.available(), reason="Tesseract is missing: bash tests/setup-debian.sh")
def test_every_office_golden_fact_is_at_its_slide_row_section_or_ocrd_page():
    done = subprocess.run([sys.executable, "scripts/check_office_golden.py"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
