"""The starter corpus' Office, scanned and spreadsheet files are what their scripts build, and their
golden facts sit where eval/golden/office.jsonl says."""

import re
import subprocess
import sys

import pytest

from ingest import loaders, ocr
from tests.conftest import ROOT

# the starter corpus's notice that it is invented, in English and Swedish
NOTICE = re.compile(r"illustrative (?:example|transcript|slides)|illustrativt exempel|are invented|"
                    r"är påhittade", re.I)


def test_the_office_files_are_up_to_date_with_their_sources():
    done = subprocess.run([sys.executable, "scripts/build_office_corpus.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(not ocr.available(), reason="Tesseract is missing: bash tests/setup-debian.sh")
def test_every_office_golden_fact_is_at_its_slide_row_section_or_ocrd_page():
    done = subprocess.run([sys.executable, "scripts/check_office_golden.py"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(not ocr.available(), reason="Tesseract is missing: bash tests/setup-debian.sh")
def test_no_starter_document_indexes_its_notice_and_the_invented_ones_are_flagged():
    """The notice that a document is invented is a flag (front matter, HTML meta, PDF and Office
    keywords), shown as a badge: never text to index. The real projects carry no flag."""
    corpus = ROOT / "corpus"
    ignored = (corpus / ".kbignore").read_text().splitlines()  # README.md: no document
    flagged = set()
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and loaders.supported(p)):
        source = path.relative_to(corpus).as_posix()
        if source in ignored:
            continue
        doc = loaders.load(path, source)
        if doc.metadata.get("illustrative"):
            flagged.add(source)
        for unit in doc.units:
            assert not NOTICE.search(unit.text), (source, NOTICE.search(unit.text).group(0))
    assert {"reports/kalmarsund-industrial-symbiosis.docx",
            "reports/cluster-project-portfolio.xlsx",
            "reports/biopack-pilot-line-prestudy-signed.pdf",
            "webinars/reverse-pitch-tverrfjord-process-cluster.pptx",
            "toolbox/forskare-pa-plats-kompetensvaxling.md", "toolbox/reverse-pitch.md"} <= flagged
    assert "reports/clusters-of-sweden-innovation-systems.pdf" not in flagged
