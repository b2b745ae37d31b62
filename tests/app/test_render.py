"""The app's pure parts, without a server: escaping, cards, upload checks, the file guard."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import gradio as gr
import pytest
from fastapi import HTTPException

from kb import KBError, Settings, UsageError
from kb.models import DocInfo, doc_id_for
from kb.ui import access, browse, exports, handlers, layout, render, server, uploads
from tests.app.fakes import FakeKB

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def citation(**over) -> dict:
    base = {"n": 1, "source": "reports/r.pdf", "title": "Report " + XSS, "kind": "report",
            "snippet": "Vouchers help SMEs " + XSS, "score": 0.5, "page": 4, "start": None,
            "end": None, "speaker": None}
    return {**base, **over}


def test_highlight_escapes_and_marks_words_sharing_a_stem():
    out = render.highlight("Vouchers <b>help</b> SMEs & clusters", "voucher help")
    assert "<mark>Vouchers</mark>" in out and "&lt;b&gt;<mark>help</mark>&lt;/b&gt;" in out
    assert "&amp; clusters" in out and "<b>" not in out


def test_highlight_never_marks_inside_an_entity():
    assert render.highlight("fish & chips", "amp lt") == "fish &amp; chips"


def test_answer_html_is_one_escaped_line_with_linked_markers():
    out = render.answer_html(f"First {XSS} [1].\nSecond [2].", turn=3)
    assert "<script>" not in out and "<img" not in out and "&lt;script&gt;" in out
    assert '<a class="kb-cite" href="#kb-src-3-1">[1]</a>' in out and 'href="#kb-src-3-2"' in out
    assert "\n" not in out


def test_card_shows_title_kind_page_and_opens_the_pdf_at_the_page():
    out = render.card_html(citation(), "Vouchers help SMEs " + XSS, "vouchers", "kb-src-1-1", 1)
    assert 'id="kb-src-1-1"' in out and "[1]" in out and "Project report" in out
    assert f'href="file/{doc_id_for("reports/r.pdf")}#page=4"' in out and "p. 4" in out
    assert "<script>" not in out and "<img" not in out and "<mark>Vouchers</mark>" in out


def test_card_of_a_transcript_shows_time_and_speaker():
    c = citation(source="webinars/w.vtt", kind="transcript", page=None, start=65.0, end=130.0,
                 speaker="Ana <i>B</i>")
    out = render.card_html(c, c["snippet"], "q")
    assert "00:01:05-00:02:10" in out and "speaker: Ana &lt;i&gt;B&lt;/i&gt;" in out
    assert "#page=" not in out


def test_sources_panel_keeps_older_answers_folded():
    turns = [{"question": f"q{i}", "answer": "a [1]", "citations": [citation()]} for i in (1, 2)]
    out = render.sources_html(turns)
    assert out.index("q2") < out.index("q1")
    assert '<details class="kb-turn" open>' in out and 'id="kb-src-1-1"' in out
    assert "Sources of the answers" in render.sources_html([])


def test_chat_messages_escape_the_question_and_show_progress():
    msgs = render.chat_messages([], pending=XSS)
    assert msgs[0]["content"] == f"<div>{render.esc(XSS)}</div>"
    assert "Searching" in msgs[1]["content"]


def test_browse_groups_and_escapes():
    docs = [DocInfo("1", "toolbox/t.md", "toolbox", "Tool " + XSS, 1, "/x/t.md",
                    {"category": "event", "tags": ["a", XSS]}),
            DocInfo("2", "reports/r.pdf", "report", "Rep", 1, "/x/r.pdf",
                    {"coordinator": "Org", "funding": "SEK 1", "start_year": 2021,
                     "end_year": 2023}),
            DocInfo("3", "webinars/w.vtt", "transcript", "Web", 1, "/x/w.vtt",
                    {"presenter": "Ana", "duration_seconds": 1745})]
    out = browse.browse_html(docs)
    assert "Event (1)" in out and "2021–2023" in out and "29 min" in out and "Ana" in out
    assert "<script>" not in out and "<img" not in out
    assert browse.filter_choices(docs) == ([XSS, "a"], ["Org"], [2021, 2023])
    assert "empty" in browse.browse_html([])


def test_upload_policy():
    assert not access.upload_policy(Settings())[0]
    assert access.upload_policy(Settings(allow_upload=True))[0]
    allowed, why = access.upload_policy(Settings(allow_upload=True, host="0.0.0.0"))
    assert not allowed and "KB_AUTH" in why
    assert access.upload_policy(Settings(allow_upload=True, host="0.0.0.0", auth="a:b"))[0]
    assert access.is_loopback("localhost") and access.is_loopback("127.0.0.2")
    assert not access.is_loopback("192.168.1.4")


@pytest.mark.parametrize("settings, upload", [
    (Settings(), False),
    (Settings(allow_upload=True), True),
    (Settings(allow_upload=True, host="0.0.0.0"), False),
    (Settings(allow_upload=True, host="0.0.0.0", auth="ann:pw"), True),
])
def test_the_upload_endpoint_exists_only_when_allowed(settings, upload):
    demo = layout.build_app(FakeKB([]), settings)
    names = {fn.api_name for fn in demo.fns.values()}
    assert {"ask", "search", "similar"} <= names
    assert ("upload" in names) is upload


@pytest.mark.parametrize("name, data, reason", [
    ("a.exe", b"MZ", "unsupported type"),
    ("a.pdf", b"hello", "not a PDF"),
    ("a.md", b"", "empty"),
    ("a.txt", b"abc\x00def", "binary"),
    ("a.md", b"x" * (1024 * 1024 + 1), "too large"),
    ("a.pdf", b"%PDF-1.7 ...", None),
    ("a.vtt", b"WEBVTT\n", None),
])
def test_check_upload(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    got = uploads.check_upload(path, max_mb=1)
    assert got is None if reason is None else reason in got


def test_safe_name():
    assert uploads.safe_name("../../etc/passwd.md") == "passwd.md"
    assert uploads.safe_name("my file (1).PDF") == "my-file-1.pdf"
    assert uploads.safe_name("...") == "upload"
    assert uploads.safe_name("notes.M D") == "notes.md"



def doc(source: str, path: Path | str) -> DocInfo:
    return DocInfo(doc_id_for(source), source, "document", source, 1, str(path))


def test_source_file_serves_only_recorded_regular_files(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir(), outside.mkdir()
    (corpus / "ok.md").write_text("ok")
    (outside / "secret.md").write_text("secret")
    (corpus / "link.md").symlink_to(outside / "secret.md")
    (corpus / "dir.md").mkdir()
    fake = FakeKB([doc("ok.md", corpus / "ok.md"), doc("link.md", corpus / "link.md"),
                   doc("rel.md", "corpus/ok.md"), doc("gone.md", corpus / "gone.md"),
                   doc("dots.md", corpus / ".." / "outside" / "secret.md"),
                   doc("dir.md", corpus / "dir.md")])
    assert server.source_file(fake, doc_id_for("ok.md")) == corpus / "ok.md"
    for source, status in [("link.md", 403), ("rel.md", 403), ("dots.md", 403), ("gone.md", 404),
                           ("dir.md", 403), ("unknown.md", 404)]:
        with pytest.raises(HTTPException) as exc:
            server.source_file(fake, doc_id_for(source))
        assert exc.value.status_code == status, source
    for bad in ("../../etc/passwd", "/etc/passwd", "ABC", ""):
        with pytest.raises(HTTPException):
            server.source_file(fake, bad)


def test_feedback_is_one_json_line_per_vote(tmp_path):
    turn = {"question": "q", "answer": "a [1]", "citations": [citation()]}
    exports.record_feedback(tmp_path, turn, "up")
    exports.record_feedback(tmp_path, turn, "down")
    lines = [json.loads(x) for x in (tmp_path / "feedback.jsonl").read_text().splitlines()]
    assert [x["vote"] for x in lines] == ["up", "down"]
    assert {"time", "question", "answer", "citations", "vote"} == set(lines[0])


def test_csv_export_defuses_formulas():
    hit = {"title": "=HYPERLINK(\"x\")", "kind": "toolbox", "score": 0.5, "source": "t.md",
           "text": "+1", "page": None, "start": None, "end": None}
    with open(exports.export_csv([hit], "q"), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1][1] == "'=HYPERLINK(\"x\")" and rows[1][6] == "'+1"


def test_user_errors_become_readable_messages():
    def boom(exc):
        raise exc

    with pytest.raises(gr.Error, match="bad input"):
        handlers.user_errors(boom)(UsageError("bad input"))
    with pytest.raises(gr.Error, match="Something went wrong \\(ZeroDivisionError\\)"):
        handlers.user_errors(boom)(ZeroDivisionError("secret detail"))

    def stream():
        yield 1
        raise KBError("store gone")

    with pytest.raises(gr.Error, match="store gone"):
        list(handlers.user_errors(stream)())


def test_parse_auth():
    assert access.parse_auth(None) is None
    assert access.parse_auth("ann:pa:ss") == ("ann", "pa:ss")
    with pytest.raises(UsageError):
        access.parse_auth("no-colon")


def test_a_busy_port_is_reported_before_anything_loads():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(UsageError, match="cannot listen on 127.0.0.1"):
            server.check_port("127.0.0.1", busy.getsockname()[1])


def test_answers_and_cards_show_markdown_emphasis_not_asterisks():
    text = ("**Suppliers:** 60 to 80 companies. [1] | **Total** | **21 560** | [2] "
            "Pick *three to five* challenges; 5 * 3 is not emphasis. [1]")
    out = render.answer_html(text, turn=1)
    assert "<strong>Suppliers:</strong> 60 to 80" in out and "**" not in out
    assert "<strong>Total</strong> | <strong>21 560</strong> <a" in out  # outer bars dropped
    assert "<em>three to five</em>" in out and "5 * 3" in out
    assert render.answer_html(f"**{XSS}** [1]", 1).count("<script>") == 0
    card = render.card_html(citation(), "**Coaches:** a pool of *mentors*.", "coaches")
    assert "<strong><mark>Coaches</mark>:</strong>" in card and "<em>mentors</em>" in card


def test_a_list_answer_renders_as_a_list_and_an_outline_as_lines():
    listed = render.answer_html("- Alpha (2020-2023): Alpha sorts textiles. [1]\n"
                             "- Beta: Beta makes yarn. [2]", 1, ["kind: report"])
    assert listed.count("<li>") == 2 and "<ul>" in listed
    assert "Filtered by the question: kind: report" in listed
    outline = render.answer_html("Reverse pitch\nWhat it is: A pitch. [1]\n"
                                 "Preparation: Book. [1]", 2)
    assert "Reverse pitch<br>What it is: A pitch." in outline and "<li>" not in outline


def test_illustrative_sources_carry_a_badge():
    card = render.card_html({"source": "toolbox/a.md", "title": "A", "kind": "toolbox",
                          "illustrative": True}, "Some text.", "q")
    assert "illustrative example" in card
    # a search hit carries the flag in its metadata
    hit_card = render.card_html({"source": "toolbox/a.md", "title": "A", "kind": "toolbox",
                                 "metadata": {"illustrative": True}}, "Some text.", "q")
    assert "illustrative example" in hit_card
    plain = render.card_html({"source": "toolbox/a.md", "title": "A", "kind": "toolbox",
                              "metadata": {}}, "Some text.", "q")
    assert "illustrative example" not in plain
    doc = DocInfo(doc_id="x", source="toolbox/a.md", kind="toolbox", title="A", chunks=1,
                  path="a.md", metadata={"illustrative": True, "category": "event"})
    assert 'class="kb-badge">illustrative' in browse.browse_html([doc])
