"""Transcript windows: long turns split at sentence boundaries with their speaker, overlap."""

from __future__ import annotations

from ingest.chunking import _cue_windows, chunk_document, split_cue
from kb.models import Document, Unit


def _turn(n_sentences: int, start: float, speaker: str, words: int = 10) -> Unit:
    text = " ".join(" ".join(["word"] * (words - 1)) + f" s{i}." for i in range(n_sentences))
    return Unit(text=text, start=start, end=start + n_sentences * words * 0.4, speaker=speaker)


def test_a_long_turn_is_split_at_sentences_keeping_speaker_and_shared_out_time():
    cue = _turn(10, 100.0, "Karin Holm")  # 100 words, 40 s
    pieces = split_cue(cue, 35)
    assert [len(p.text.split()) for p in pieces] == [30, 30, 30, 10]
    assert all(p.text.endswith(".") and p.speaker == "Karin Holm" for p in pieces)
    assert pieces[0].start == 100.0 and pieces[-1].end == 140.0
    assert [p.start for p in pieces[1:]] == [p.end for p in pieces[:-1]]
    assert split_cue(cue, 200) == [cue]


def test_a_sentence_longer_than_a_window_is_cut_by_words():
    cue = Unit(text=" ".join(["w"] * 50) + ".", start=0.0, end=20.0, speaker="A")
    assert [len(p.text.split()) for p in split_cue(cue, 20)] == [20, 20, 10]


def test_every_window_names_its_first_speaker_and_keeps_line_times():
    doc = Document(source="m.vtt", kind="transcript", title="M",
                   units=[_turn(30, 0.0, "Karin Holm"), _turn(3, 120.0, "Barry Hughes")])
    chunks = chunk_document(doc, 200, 30, 75)
    assert len(chunks) > 2
    for c in chunks:
        assert c.text.split(": ", 1)[0] in ("Karin Holm", "Barry Hughes")
        assert len(c.metadata["times"]) == len(c.text.splitlines())
        assert c.metadata["start"] == c.metadata["times"][0]


def test_overlapping_windows_repeat_the_end_of_the_previous_one():
    cues = [Unit(text=f"line {i} " + "w " * 20, start=10.0 * i, end=10.0 * i + 10, speaker="A")
            for i in range(20)]
    plain = _cue_windows(cues, 200, 60, 0.0)
    over = _cue_windows(cues, 200, 60, 30.0)
    assert len(over) > len(plain)
    for (_, a), (_, b) in zip(over, over[1:], strict=False):
        assert b["start"] < a["end"] and a["end"] - b["start"] <= 30.0
    assert over[-1][1]["end"] == 200.0
