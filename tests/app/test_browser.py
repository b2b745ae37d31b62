"""The app in a real browser: Debian's headless Chromium driven by Playwright (no browser download).

Screenshots go to test-output/screenshots/. Every page records the dialogs it opens: a document with
``<script>`` or ``<img onerror>`` in it must never open one.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from kb.models import doc_id_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ANSWER_TIMEOUT = 30_000


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("no /usr/bin/chromium: run tests/setup-debian.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(app_url, wait_until="load")
    pg.wait_for_selector("#kb-question textarea")
    yield pg
    assert pg.dialogs == [], f"a dialog opened: {pg.dialogs}"
    context.close()


def ask(page, question: str, turn: int) -> None:
    page.fill("#kb-question textarea", question)
    page.click("#kb-ask")
    page.wait_for_selector(f"#kb-sources #kb-src-{turn}-1", timeout=ANSWER_TIMEOUT)
    settled(page, "kb-chat")


def choose(page, elem_id: str, option: str) -> None:
    page.click(f"#{elem_id} input")
    page.locator(f"#{elem_id} [role=option][aria-label='{option}']").click()


def search(page, query: str, expect: str) -> None:
    """Search and wait until a result row shows ``expect``."""
    page.fill("#kb-query textarea", query)
    page.click("#kb-search")
    wait_for_cell(page, "kb-results", expect)


def wait_for_cell(page, elem_id: str, text: str) -> None:
    page.wait_for_function("([id, t]) => [...document.querySelectorAll(`#${id} [role=gridcell]`)]"
                           ".some(c => c.innerText.includes(t))", arg=[elem_id, text],
                           timeout=ANSWER_TIMEOUT)
    settled(page, elem_id)


def settled(page, elem_id: str) -> None:
    """Wait until Gradio's pending overlay over the component has faded out."""
    page.wait_for_function("id => [...document.querySelectorAll(`#${id} [data-testid="
                           "status-tracker]`)].every(t => t.classList.contains('hide') && "
                           "getComputedStyle(t).opacity === '0')", arg=elem_id,
                           timeout=ANSWER_TIMEOUT)


def cells(page, col: int, elem_id: str = "kb-results") -> list[str]:
    """The texts of one column of a results table (a virtual grid, not a <table>)."""
    return page.locator(f"#{elem_id} [role=gridcell][data-col='{col}']").all_inner_texts()


def test_ask_cites_sources_that_open(page, screenshots: Path, app_store: Path):
    page.screenshot(path=screenshots / "01-ask-empty.png")
    ask(page, "How do I run a reverse pitch and what does it cost?", turn=1)
    markers = page.locator("#kb-chat a.kb-cite")
    assert markers.count() >= 1
    for href in markers.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert page.locator(f"#kb-sources {href}").count() == 1  # every [n] has its card
    markers.first.click()
    card = page.locator("#kb-sources #kb-src-1-1")
    assert "kb-flash" in card.get_attribute("class")
    # the question's terms are highlighted where the cited passages use them (the method's own
    # card may quote a section that does not, e.g. its resources for "what does it cost?")
    marked = {m.lower() for m in page.locator("#kb-sources mark").all_inner_texts()}
    assert marked and marked <= {"run", "reverse", "pitch", "pitches", "cost", "costs"}, marked
    page.screenshot(path=screenshots / "02-ask-answer-with-sources.png")

    with page.context.expect_page() as opened:
        card.locator("a.kb-open").click()
    original = opened.value
    original.wait_for_load_state()
    assert "/file/" in original.url
    served = page.request.get(original.url.split("#")[0])
    assert served.ok and len(served.body()) > 100
    original.close()

    page.locator("#kb-chat button[aria-label='Like']").first.click()
    feedback = app_store / "feedback.jsonl"
    page.wait_for_function("() => true")  # let the event reach the server
    _wait_for(lambda: feedback.exists() and feedback.read_text().strip())
    vote = json.loads(feedback.read_text().splitlines()[-1])
    assert vote["vote"] == "up" and vote["citations"] and "reverse pitch" in vote["question"]


def test_an_example_question_starts_the_conversation(page):
    page.locator("#kb-chat button", has_text="first month").first.click()
    page.wait_for_selector("#kb-sources #kb-src-1-1", timeout=ANSWER_TIMEOUT)
    assert "first month" in page.locator("#kb-chat").inner_text()


def test_follow_up_and_pdf_page_links(page, screenshots: Path):
    ask(page, "Which project built a hydrogen valley around a port?", turn=1)
    ask(page, "Who coordinated it?", turn=2)
    assert page.locator("#kb-sources details.kb-turn").count() == 2
    links = page.locator("#kb-sources #kb-src-2-1 ~ .kb-card a.kb-open, "
                         "#kb-sources #kb-src-2-1 a.kb-open")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    pdf_id = doc_id_for("reports/ostkust-hydrogen-valley.pdf")
    assert any(h.startswith(f"file/{pdf_id}#page=") for h in hrefs), hrefs
    page.screenshot(path=screenshots / "03-ask-follow-up.png")


def test_search_with_a_filter_and_similar(page, screenshots: Path):
    page.get_by_role("tab", name="Search").click()
    choose(page, "kb-kind", "Project report")
    search(page, "hydrogen", expect="Project report")
    kinds = cells(page, 2)
    assert kinds and set(kinds) == {"Project report"}
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8", newline="") as f:
        exported = list(csv.reader(f))
    assert exported[0][:3] == ["rank", "title", "kind"] and len(exported) == len(kinds) + 1
    page.locator("#kb-results [role=gridcell][data-row='0'][data-col='1']").click()
    page.wait_for_selector("#kb-detail .kb-card")
    page.get_by_role("button", name="Similar documents").click()
    page.wait_for_selector("#kb-similar li")
    page.screenshot(path=screenshots / "04-search-filtered.png", full_page=True)


def test_document_text_is_inert_everywhere(page, screenshots: Path):
    ask(page, "How does the quokka counting method work? <img src=x onerror=alert(1)>", turn=1)
    assert "<img src=x onerror=alert(1)>" in page.locator("#kb-chat").inner_text()  # the question
    for where in ("#kb-chat .kb-answer", "#kb-sources .kb-card"):
        text = page.locator(where).first.inner_text()
        assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text
    page.screenshot(path=screenshots / "05-xss-ask.png")
    page.get_by_role("tab", name="Search").click()
    search(page, "quokka ledger", expect="Quokka counting")
    assert any("<script>alert(1)</script>" in title for title in cells(page, 1))
    page.screenshot(path=screenshots / "06-xss-search.png")
    page.get_by_role("tab", name="Browse").click()
    browse = page.locator("#kb-browse")
    assert "<img src=x onerror=alert(1)>" in browse.inner_text()
    page.screenshot(path=screenshots / "07-browse.png", full_page=True)
    injected = page.evaluate("() => document.querySelectorAll('img[src=\"x\"], b').length")
    assert injected == 0
    assert page.evaluate("() => typeof window.__kb_pwned") == "undefined"


def test_add_documents_tab(page, screenshots: Path, tmp_path: Path):
    doc = tmp_path / "platypus-planning.md"
    doc.write_text("# Platypus planning\n\nPlatypus planning is a yearly planning day.\n")
    page.get_by_role("tab", name="Add documents").click()
    page.set_input_files("#kb-files input[type=file]", str(doc))
    page.click("#kb-add")
    wait_for_cell(page, "kb-upload-results", "platypus-planning.md")
    assert cells(page, 1, "kb-upload-results") == ["added"]
    page.screenshot(path=screenshots / "08-add-documents.png")


def _wait_for(condition, timeout: float = 10.0) -> None:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the condition")
