"""A transcript's recording plays in its source cards from the cited second (Debian's headless
Chromium), and is served with range requests. The recording is made here with ffmpeg."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request

import pytest

from kb.models import doc_id_for
from tests.app.conftest import ROOT, clean_env
from tests.app.test_browser import ARGS, CHROMIUM, ask, search

LENGTH = 100  # seconds of recording; the transcript goes on past it
VTT = """WEBVTT

00:00:00.000 --> 00:00:06.000
<v Host>Welcome to this webinar on wombat planning for cluster managers.

00:01:30.000 --> 00:01:36.000
<v Ann>The wombat budget is nine hundred euros per year.

00:03:00.000 --> 00:03:06.000
<v Ann>The wombat census deadline falls in the middle of March.
"""


@pytest.fixture(scope="module")
def player_app(tmp_path_factory, app_runner):
    if not shutil.which("ffmpeg") or not shutil.which(CHROMIUM):
        pytest.skip("needs Debian's ffmpeg and chromium")
    base = tmp_path_factory.mktemp("player")
    webinars = base / "corpus" / "webinars"
    webinars.mkdir(parents=True)
    (webinars / "wombat-planning.vtt").write_text(VTT, encoding="utf-8")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=gray:s=64x48:r=2:d={LENGTH}", "-f", "lavfi", "-i",
                    f"sine=frequency=330:duration={LENGTH}", "-c:v", "libvpx", "-b:v", "8k",
                    "-c:a", "libopus", "-b:a", "8k", "-shortest",
                    str(webinars / "wombat-planning.webm")], check=True, timeout=120)
    store = base / "store"
    done = subprocess.run([sys.executable, "-m", "kb.cli", "ingest", str(base / "corpus"),
                           "--store", str(store)], cwd=ROOT, env=clean_env(),
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    with app_runner(store, base / "app.log") as url:
        yield url


@pytest.fixture
def player_page(browser, player_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.goto(player_app, wait_until="load")
    pg.wait_for_selector("#kb-question textarea")
    yield pg
    context.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def current_time(page, selector: str) -> float:
    """The player's position once it has loaded its metadata and sought to its start."""
    page.wait_for_function("s => { const m = document.querySelector(s); return m && "
                           "m.readyState >= 1 && !m.seeking && m.currentTime > 0; }",
                           arg=selector, timeout=30_000)
    return page.evaluate("s => document.querySelector(s).currentTime", selector)


@pytest.mark.slow
@pytest.mark.browser
def test_the_card_plays_from_the_cited_second(player_page):
    ask(player_page, "What is the wombat budget per year?", turn=1)
    card = "#kb-sources #kb-src-1-1"
    assert "01:30" in player_page.locator(card).inner_text()
    assert current_time(player_page, f"{card} video.kb-player") == pytest.approx(90, abs=0.6)


@pytest.mark.slow
@pytest.mark.browser
def test_a_citation_past_the_end_starts_at_the_end(player_page):
    player_page.get_by_role("tab", name="Search").click()
    search(player_page, "wombat census deadline March", expect="Wombat")
    player_page.locator("#kb-results [role=gridcell][data-row='0'][data-col='1']").click()
    player_page.wait_for_selector("#kb-detail .kb-card")
    assert "03:00" in player_page.locator("#kb-detail").inner_text()
    at = current_time(player_page, "#kb-detail video.kb-player")
    length = player_page.evaluate("() => document.querySelector('#kb-detail video').duration")
    assert length == pytest.approx(LENGTH, abs=1) and at == pytest.approx(length, abs=0.6)


@pytest.mark.slow
def test_the_recording_is_served_with_range_requests(player_app):
    url = f"{player_app}recording/{doc_id_for('webinars/wombat-planning.vtt')}"
    request = urllib.request.Request(url, headers={"Range": "bytes=100-199"})
    with urllib.request.urlopen(request, timeout=10) as r:
        assert r.status == 206 and r.headers["Content-Type"] == "video/webm"
        assert r.headers["Content-Range"].startswith("bytes 100-199/")
        assert len(r.read()) == 100
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{player_app}recording/{'0' * 16}", timeout=10)
    assert refused.value.code == 404


def test_player_markup():
    from kb.ui import render

    d = {"doc_id": "a" * 16, "kind": "transcript", "start": 120.0, "recording": "x.mp3",
         "recording_seconds": 61.5}
    assert 'src="recording/aaaaaaaaaaaaaaaa#t=61.5"' in render.player_html(d)
    assert render.player_html(d).startswith("<audio")
    assert render.player_html({**d, "recording": None}) == ""
    assert render.player_start(12, None) == 12 and render.player_start(-3, 10) == 0
