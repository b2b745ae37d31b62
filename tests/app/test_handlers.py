"""The event handlers without a browser: streaming, follow-ups, errors, feedback."""

from __future__ import annotations

import json

import gradio as gr
import pytest

from kb import Answer, Citation, Settings
from kb.errors import LLMError
from kb.ui import handlers
from tests.app.fakes import FakeKB

XSS = "<script>alert(1)</script>"


class StreamingKB(FakeKB):
    """Streams two partial texts (as an LLM does), then the final answer; remembers the history."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__([])
        self.fail = fail
        self.histories: list = []

    def ask_stream(self, question, history=None, filters=None, stated_filters=True):
        self.histories.append(history)
        self.stated = stated_filters
        yield "Partial " + XSS
        if self.fail:
            raise LLMError("the LLM endpoint timed out")
        yield "Partial " + XSS + " [1]"
        cite = Citation(n=1, source="toolbox/t.md", title="T", kind="toolbox", snippet="Cited.",
                        score=0.5)
        yield Answer(question=question, text=f"Final {XSS} [1].", citations=[cite], mode="llm")


def test_respond_streams_escaped_partials_then_the_cited_answer(tmp_path):
    kb_ = StreamingKB()
    h = handlers.Handlers(kb_, Settings(store=tmp_path))
    steps = list(h.respond("What is it?", []))
    chats = [s[0] for s in steps]
    assert "Searching" in chats[0][-1]["content"]
    assert "Partial &lt;script&gt;" in chats[1][-1]["content"]
    chat, sources, turns, box = steps[-1]
    assert 'href="#kb-src-1-1"' in chat[-1]["content"] and "<script>" not in chat[-1]["content"]
    assert 'id="kb-src-1-1"' in sources and box == ""
    assert turns[0]["citations"][0]["doc_id"] and turns[0]["mode"] == "llm"
    list(h.respond("And the cost?", turns))
    assert kb_.histories[-1] == [("What is it?", f"Final {XSS} [1].")]  # follow-ups see the talk
    assert kb_.stated is True
    list(h.respond("Which projects since 2021?", turns, False))  # the user removed the filters
    assert kb_.stated is False


def test_a_failing_stream_restores_the_chat_and_keeps_the_question(tmp_path):
    h = handlers.Handlers(StreamingKB(fail=True), Settings(store=tmp_path))
    steps = []
    with pytest.raises(gr.Error, match="timed out"):
        for step in h.respond("What is it?", []):
            steps.append(step)
    chat, _, turns, box = steps[-1]
    assert chat == [] and turns == [] and box == "What is it?"


def test_an_empty_question_is_a_readable_error(tmp_path):
    with pytest.raises(gr.Error, match="Type a question"):
        list(handlers.Handlers(StreamingKB(), Settings(store=tmp_path)).respond("  ", []))


def test_votes_are_stored_with_the_turn(tmp_path):
    h = handlers.Handlers(StreamingKB(), Settings(store=tmp_path))
    *_, (_, _, turns, _) = h.respond("What is it?", [])
    like = gr.LikeData(None, {"index": 1, "value": "x", "liked": False})
    h.vote(turns, like)
    line = json.loads((tmp_path / "feedback.jsonl").read_text())
    assert line["vote"] == "down" and line["question"] == "What is it?"
    assert line["citations"][0]["title"] == "T"
