"""The QMSum transcript-retrieval eval on a meeting file the tests write."""

from __future__ import annotations

import json

import pytest

from eval import qmsum
from kb.errors import UsageError


def _row(n_turns: int = 6) -> dict:
    turns = [{"speaker": f"S{i % 2}", "content": " ".join(["word"] * 150)} for i in range(n_turns)]
    return {"meeting_transcripts": turns, "specific_query_list": [
        {"query": "What was said on word?", "answer": "-", "relevant_text_span": [["2", "3"]]},
        {"query": "Summarize the discussion about words.", "answer": "-",
         "relevant_text_span": [["0", "0"], ["5", "9"]]}]}


def test_turns_are_timed_at_150_words_a_minute_and_spans_cover_their_turns(tmp_path):
    path = tmp_path / "val.jsonl"
    path.write_text(json.dumps(_row()) + "\n" + json.dumps(_row(2)) + "\n")
    meetings = qmsum.load(path)
    assert qmsum.turn_times(["a " * 150, "b " * 75]) == [(0.0, 60.0), (60.0, 90.0)]
    m = meetings[0]
    assert m.document.units[2].start == 120.0 and m.document.units[2].speaker == "S0"
    specific, summary = m.queries
    assert (specific.group, specific.spans) == ("specific", [(120.0, 240.0)])
    assert (summary.group, summary.spans) == ("summary", [(0.0, 60.0), (300.0, 360.0)])
    assert [q.group for q in meetings[1].queries] == ["summary"]  # spans past the end dropped


def test_a_hit_is_the_right_meeting_overlapping_a_relevant_span():
    q = qmsum.Query("q", "x", "m.txt", [(120.0, 240.0)], "specific", 0)
    results = [("other.txt", 130.0, 150.0), ("m.txt", 0.0, 119.0), ("m.txt", 230.0, 300.0)]
    assert qmsum.first_rank(results, q) == 3
    assert qmsum.first_rank(results, q, k=2) is None
    got = qmsum.scores({"q": 3}, [q])["specific"]
    assert (got["hit@1"], got["hit@5"], got["mrr@10"]) == (0.0, 1.0, 0.3333)


def test_cross_validation_reports_each_half_with_the_setting_chosen_on_the_other():
    meetings = [qmsum.Meeting(i, None, [qmsum.Query(f"q{i}", "x", f"m{i}", [(0, 1)],
                                                    "specific", i)]) for i in range(4)]
    good_even = {"q0": 1, "q1": None, "q2": 1, "q3": None}
    good_odd = {"q0": None, "q1": 1, "q2": None, "q3": 1}
    rows = [{"cue_window_seconds": w, "cue_overlap_seconds": 0, "dense_weight": 0.3,
             "speaker_boost": 0, "chunks": 1, "ranks": r} for w, r in ((1, good_even),
                                                                       (2, good_odd))]
    cv = qmsum.cross_validate(meetings, rows)
    assert [f["chosen"]["cue_window_seconds"] for f in cv["folds"]] == [2, 1]
    assert cv["pooled"]["specific"]["hit@5"] == 0.0  # each half scored by the other's choice


def test_a_missing_or_broken_file_is_a_clear_error(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        qmsum.load(tmp_path / "none.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"x": 1}\n')
    with pytest.raises(UsageError, match="line 1"):
        qmsum.load(bad)


def test_chapter_boundaries_score_within_the_tolerance_each_true_one_once():
    assert qmsum.boundary_f1([100.0, 500.0], [110.0, 900.0]) == 0.5
    assert qmsum.boundary_f1([100.0, 105.0], [110.0]) == 2 * 0.5 * 1.0 / 1.5
    assert qmsum.boundary_f1([], []) == 1.0 and qmsum.boundary_f1([5.0], []) == 0.0


def test_topic_starts_are_read_from_the_topic_list(tmp_path):
    row = {**_row(), "topic_list": [{"topic": "a", "relevant_text_span": [["0", "2"]]},
                                    {"topic": "b", "relevant_text_span": [["3", "5"]]}]}
    path = tmp_path / "val.jsonl"
    path.write_text(json.dumps(row) + "\n")
    assert qmsum.load(path)[0].topics == [0.0, 180.0]
