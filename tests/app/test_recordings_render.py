"""Recordings in the app: speakers and chapters in Browse, the chapter on a card, the speaker
filter's choices."""

from __future__ import annotations

from kb.models import DocInfo
from kb.ui import browse, render

CHAPTERS = [{"start": 0.0, "end": 250.0, "title": "Welcome <b>all</b>"},
            {"start": 250.0, "end": 600.0, "title": "Supplier qualification"}]


def _webinar() -> DocInfo:
    return DocInfo(doc_id="d", source="webinars/w.vtt", kind="transcript", title="W", chunks=9,
                   path="", metadata={"speakers": ["Karin Holm", "Barry Hughes"],
                                      "chapters": CHAPTERS, "duration_seconds": 600})


def test_browse_lists_speakers_and_numbered_chapters_escaped():
    html = browse.browse_html([_webinar()])
    assert "Karin Holm, Barry Hughes" in html
    assert "2 chapters" in html and "00:04:10 Supplier qualification" in html
    assert "<b>all</b>" not in html and "&lt;b&gt;all&lt;/b&gt;" in html


def test_a_card_shows_its_chapter_and_the_speakers_are_filter_choices():
    hit = {"source": "webinars/w.vtt", "title": "W", "kind": "transcript", "start": 300.0,
           "end": 360.0, "speaker": "Karin Holm", "page": None,
           "metadata": {"chapter": "chapter 2 of 2: Supplier qualification"}}
    assert "chapter 2 of 2: Supplier qualification" in render.card_html(hit, "text", "q")
    assert browse.speaker_choices([_webinar()]) == ["Barry Hughes", "Karin Holm"]
