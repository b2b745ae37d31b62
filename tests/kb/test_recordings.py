"""Recordings: speaker filter and preference, whole-discussion spans, chapters (on a meeting the
tests write, with the hash embedder)."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.pipeline import run
from kb.answer import discussion
from kb.api import KnowledgeBase
from kb.chapters import boundaries, chapters, label, loads
from kb.models import Hit
from kb.speakers import named_speakers
from kb.testing import HashEmbedder
from tests.conftest import write

TOPICS = [
    ("Karin Holm", "supplier qualification audits need certified welding inspectors and "
                   "documented quality checklists for every supplier"),
    ("Barry Hughes", "energy prices for heat pumps in district heating networks keep rising "
                     "every winter season"),
    ("Karin Holm", "student internships with regional universities bring thesis projects and "
                   "young engineers into member companies"),
]


def meeting_text() -> str:
    """Three topics of 21 25-second lines each (8 3/4 minutes); speakers take turns."""
    lines, t = ["# Cluster board meeting"], 0
    for lead, topic in TOPICS:
        for i in range(21):
            who = lead if i % 3 else ("Barry Hughes" if lead == "Karin Holm" else "Karin Holm")
            s = f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"
            lines.append(f"[{s}] {who}: We talked about {topic}. Point {i} on {topic.split()[0]}.")
            t += 25
    return "\n".join(lines) + "\n"


@pytest.fixture
def meeting_kb(tmp_path, settings):
    write(tmp_path / "corpus" / "board-meeting.txt", meeting_text())
    s = settings.with_(sentence_vectors=False, abstain_threshold=0.0, abstain_sentence=0.0,
                       abstain_unknown=1.1, abstain_unmatched=1.1, cue_window_seconds=75.0,
                       cue_window_tokens=200)
    report = run([tmp_path / "corpus"], s, embedder=HashEmbedder())
    assert not report.failed
    return KnowledgeBase(s, embedder=HashEmbedder())


def test_a_speaker_is_named_without_the_letters_and_brackets_a_transcript_adds():
    known = ["Vaughan Gething AM", "Lynne Neagle AM", "The Chair (Hon. Anthony Rota (Lib.))"]
    assert named_speakers("What did Vaughan Gething say about crisis care?", known) == [
        "Vaughan Gething AM"]
    assert named_speakers("Gething's view, and Neagle's?", known) == ["Vaughan Gething AM",
                                                                       "Lynne Neagle AM"]
    assert named_speakers("What did the chair rule?", known) == ["The Chair (Hon. Anthony Rota "
                                                                 "(Lib.))"]
    assert named_speakers("What did the AM say?", known) == []
    # a letter that is the name stays; a surname two speakers share names neither alone
    grads = ["Grad E", "Grad A", "Eluned Morgan AM", "Julie Morgan AM"]
    assert named_speakers("What did Grad E contribute?", grads) == ["Grad E"]
    assert named_speakers("Summarize Eluned Morgan's opinion.", grads) == ["Eluned Morgan AM"]
    assert named_speakers("What did Morgan say?", grads) == []


def test_named_speakers_full_names_any_case_surnames_capitalised_one_word_names_as_written():
    known = ["Karin Holm", "Barry Hughes", "Marketing"]
    assert named_speakers("What did karin holm say about costs?", known) == ["Karin Holm"]
    assert named_speakers("Barry Hughes's view, and Holm's?", known) == ["Barry Hughes",
                                                                        "Karin Holm"]
    assert named_speakers("what did holm say", known) == []
    assert named_speakers("What did Marketing propose?", known) == ["Marketing"]
    assert named_speakers("the marketing budget", known) == []
    # written without the letters a keyboard lacks
    nordic = ["Mads Kjærgaard", "Pekka Mäkinen"]
    assert named_speakers("What did mads kjaergaard say?", nordic) == ["Mads Kjærgaard"]
    assert named_speakers("What did Makinen ask?", nordic) == ["Pekka Mäkinen"]
    # a role in brackets only one person has; every way a transcript writes that person
    house = ["Right Hon. Justin Trudeau (Prime Minister)", "Right Hon. Justin Trudeau",
             "Hon. Bill Morneau (Minister of Finance)", "Mr. X (Minister of Finance)"]
    assert named_speakers("What did the prime minister say about students?", house) == house[:2]
    assert named_speakers("What did Trudeau say?", house) == house[1::-1]
    assert named_speakers("What did the Minister of Finance say?", house) == []  # two have it


def test_speaker_filter_keeps_only_windows_the_speaker_talks_in(meeting_kb):
    hits = meeting_kb.search("energy prices heat pumps", k=10, filters={"speaker": "karin holm"})
    assert hits
    assert all("Karin Holm" in h.metadata["speakers"] for h in hits)
    assert meeting_kb.search("energy prices", filters={"speaker": "Nobody Here"}) == []


def test_a_named_speaker_is_preferred_and_quoted_with_the_time(meeting_kb):
    plain = meeting_kb.search("heat pumps energy prices", k=3)
    named = meeting_kb.search("What did Karin Holm say about heat pumps energy prices?", k=3)
    assert "Karin Holm" in named[0].metadata["speakers"]
    assert [h.chunk_id for h in plain] != [h.chunk_id for h in named] or \
        "Karin Holm" in plain[0].metadata["speakers"]
    answer = meeting_kb.ask("What did Karin Holm say about heat pumps?")
    lines = answer.text.splitlines()
    assert lines and all(" Karin Holm: " in x for x in lines)
    assert lines[0][:8].count(":") == 2  # hh:mm:ss first
    assert {c.speaker for c in answer.citations} <= {"Karin Holm", "Barry Hughes"}


def test_discussion_questions_get_one_merged_span_and_timed_key_sentences(meeting_kb):
    answer = meeting_kb.ask("Summarize the discussion about student internships")
    assert len(answer.citations) == 1
    cite = answer.citations[0]
    assert cite.start is not None and cite.end - cite.start > 75  # more than one window
    times = [x.split()[0] for x in answer.text.splitlines()]
    assert len(times) >= 2 and times == sorted(times)
    assert "internships" in answer.text


def test_discussion_topic_shapes():
    assert discussion.discussion_topic("Summarize the discussion about the budget.") == \
        "the budget"
    assert discussion.discussion_topic("What was decided about supplier audits?") == \
        "supplier audits"
    assert discussion.discussion_topic("What did the board agree on membership fees?") == \
        "membership fees"
    assert discussion.discussion_topic("What does a supplier day cost?") is None


def _hit(doc: str, start: float, end: float, score: float = 0.5, text: str = "A: x") -> Hit:
    return Hit(doc_id=doc, chunk_id=f"{doc}:{int(start)}", source=f"{doc}.vtt", title=doc,
               kind="transcript", text=text, score=score, start=start, end=end)


def test_merge_spans_joins_touching_and_near_windows_of_one_recording_only():
    hits = [_hit("a", 600, 675), _hit("a", 700, 760), _hit("a", 2000, 2070, 0.9),
            _hit("b", 760, 800), _hit("a", 0, 0, 0.1)]
    hits[-1].start, hits[-1].end = None, None  # untimed: left out
    spans = discussion.merge_spans(hits, gap=60, relative=0.0)
    got = sorted((s.lead.doc_id, s.start, s.end) for s in spans)
    assert got == [("a", 600, 760), ("a", 2000, 2070), ("b", 760, 800)]
    assert spans[0].start == 600 and spans[0].score == 1.0  # two windows outscore one
    strong = discussion.merge_spans(hits, gap=60, relative=0.8)  # 0.8 x the best hit's 0.9
    assert [(s.start, s.end) for s in strong] == [(2000, 2070)]


def test_key_sentences_are_the_spans_closest_to_the_question_in_time_order():
    lines = ["Karin Holm: The supplier audits slipped before the annual conference.",
             "Karin Holm: Our coffee machine broke down during the spring.",
             "Karin Holm: The supplier audits are now part of the weekly meeting.",
             "Karin Holm: Parking near the office is hard to find these days.",
             "Karin Holm: Late supplier audits are visible to everybody on the board.",
             "Karin Holm: We also painted the meeting room in a new colour."]
    hit = _hit("a", 0, 400, text="\n".join(lines))
    hit.metadata = {"times": [str(60 * i) for i in range(6)], "speakers": ["Karin Holm"]}
    span = discussion.merge_spans([hit])[0]
    emb = HashEmbedder()
    chosen = discussion.key_sentences(span, emb.embed_query("supplier audits"), emb, n=3)
    assert [q.start for q in chosen] == [0, 120, 240]  # the three on audits, in time order
    text_, cite = discussion.compose(span, chosen)
    assert text_.splitlines()[0].startswith("00:00:00 Karin Holm: The supplier audits slipped")
    assert (cite.start, cite.end) == (0, 400) and cite.snippet in hit.text


def test_a_span_whose_talk_sits_in_one_part_still_gives_its_best_sentences():
    """A decision said in one breath ("the reviews slip ... 11 were late ... so now they are part
    of the weekly meeting") at the start of a long span is quoted whole, in time order."""
    lines = ["Karin Holm: The supplier audits slipped again before the conference.",
             "Karin Holm: Eleven supplier audits were more than a month late.",
             "Karin Holm: So now the supplier audits are part of the weekly meeting.",
             "Karin Holm: Anyway, that is all from me for today."]
    hit = _hit("a", 0, 400, text="\n".join(lines))
    hit.metadata = {"times": ["0", "10", "20", "390"], "speakers": ["Karin Holm"]}
    span = discussion.merge_spans([hit])[0]
    emb = HashEmbedder()
    chosen = discussion.key_sentences(span, emb.embed_query("supplier audits slipped"), emb, n=4)
    assert [q.start for q in chosen] == sorted(q.start for q in chosen)
    assert {q.text for q in chosen} >= {line.split(": ", 1)[1] for line in lines[:3]}


def test_chapters_split_where_the_topic_changes(meeting_kb):
    doc = next(d for d in meeting_kb.docs() if d.kind == "transcript")
    assert doc.metadata["speakers"] == ["Barry Hughes", "Karin Holm"]
    found = loads(doc.metadata["chapters"])
    assert len(found) == 3
    assert [round(c.start) for c in found][1:] == [525, 1050]
    assert "energy" in found[1].title.lower() or "heat" in found[1].title.lower()
    hit = meeting_kb.search("student internships universities", k=1)[0]
    assert hit.metadata["chapter"].startswith("chapter 3 of 3: ")


def test_boundaries_keep_chapters_long_enough():
    a, b = np.eye(4, dtype=np.float32)[0], np.eye(4, dtype=np.float32)[1]
    vectors = np.stack([a] * 5 + [b] * 5)
    starts = [60.0 * i for i in range(10)]
    ends = [s + 60 for s in starts]
    assert boundaries(vectors, starts, ends, min_seconds=120, block=2) == [5]
    assert boundaries(vectors, starts, ends, min_seconds=120, block=2, min_windows=6) == []
    assert boundaries(vectors, starts, ends) == []  # chapters of 5 minutes: under the minimum
    long_ = [s * 2 for s in starts]
    found = chapters(["x: first part words here."] * 10, vectors, long_, [s + 120 for s in long_],
                     HashEmbedder(4))
    assert [(c.start, c.end) for c in found] == [(0.0, 600.0), (600.0, 1200.0)]
    assert label(found, 610) == f"chapter 2 of 2: {found[1].title}"
    assert label(found[:1], 10) is None


def test_in_llm_mode_the_whole_span_is_the_first_source(meeting_kb):
    from tests.kb.fake_llm import FakeLLM

    with FakeLLM() as fake:
        kb_ = KnowledgeBase(meeting_kb.settings.with_(llm_base_url=fake.url, llm_model="fake"),
                            embedder=HashEmbedder())
        fake.reply = "They discussed internships with universities [1]."
        answer = kb_.ask("Summarize the discussion about student internships")
        sent = fake.requests[-1]["messages"][1]["content"]
    first = sent.split("\n\n[2]")[0]
    assert first.startswith("Sources:\n\n[1] Cluster board meeting (transcript, ")
    assert first.count("internships") >= 6  # the lines of several windows, each once
    assert answer.mode == "llm" and answer.citations[0].end - answer.citations[0].start > 75


@pytest.mark.usefixtures("hash_model")
def test_cli_speaker_filter_and_docs_list_speakers_and_chapters(tmp_path, capsys, monkeypatch):
    import json

    from kb import cli

    write(tmp_path / "corpus" / "board-meeting.txt", meeting_text())
    monkeypatch.setenv("KB_CUE_WINDOW_SECONDS", "75")
    monkeypatch.setenv("KB_CUE_WINDOW_TOKENS", "200")
    assert cli.main(["ingest", str(tmp_path / "corpus"), "--json"]) == 0
    capsys.readouterr()
    assert cli.main(["search", "heat pumps", "--speaker", "Barry Hughes", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and all(h["metadata"]["chapter"].startswith("chapter ") for h in hits)
    assert cli.main(["docs", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)[0]
    assert doc["speakers"] == ["Barry Hughes", "Karin Holm"] and len(doc["chapters"]) == 3
