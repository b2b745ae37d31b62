"""A scripted PDF opened in a real browser (issue 15): Chromium's PDF viewer runs a PDF's
JavaScript, even under a sandboxing CSP, so the app serves PDFs without their scripts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kb.models import doc_id_for
from tests.app.test_browser import browser, page  # noqa: F401 (fixtures)
from tests.app.test_hostile import scripted_pdf

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_a_scripted_pdf_opens_without_running_anything(page, app_url,  # noqa: F811
                                                       tmp_path: Path, screenshots: Path):
    from gradio_client import Client, handle_file

    pdf = scripted_pdf(tmp_path / "scripted-report.pdf")
    rows = Client(app_url, verbose=False).predict(paths=[handle_file(str(pdf))], kind="report",
                                                  api_name="/upload")["data"]
    assert [r[:2] for r in rows] == [["scripted-report.pdf", "added"]]
    page.goto(f"{app_url}file/{doc_id_for('scripted-report.pdf')}#page=1", wait_until="load")
    deadline = time.monotonic() + 15
    while not any(f.url.startswith("chrome-extension://") for f in page.frames):
        assert time.monotonic() < deadline, "the PDF viewer did not open"
        page.wait_for_timeout(200)
    page.wait_for_timeout(2500)  # time for an /OpenAction or a page-open action to fire
    page.screenshot(path=screenshots / "20-scripted-pdf.png")
    assert page.dialogs == []
