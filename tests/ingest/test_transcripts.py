import pytest

from ingest.chunking import chunk_document
from ingest.loaders import load
from kb.errors import LoadError
from tests.conftest import write

VTT = """
WEBVTT

NOTE
Title: "Reverse pitch in practice". Presenter: Ingrid Haugland, 14 November 2019.

00:00:05.000 --> 00:00:15.000
<v Tobias Lund>Welcome to Innovation Tool of the Month.</v>

intro-2
00:00:15.500 --> 00:00:40.000
<v Ingrid Haugland>A reverse pitch turns the usual pitch around: the big company presents.</v>

00:00:40.000 --> 00:01:30.000
<v.loud Ingrid Haugland>It costs us about <b>110 hours</b> of staff time per cycle.</v>
"""

SRT = """
1
00:00:01,000 --> 00:00:04,000
Helena Strand: Welcome everybody.

2
00:00:04,500 --> 00:00:09,000
Jana Meinert: We book meetings before the fair opens.

3
00:00:09,000 --> 00:00:15,000
Each member gets eight meetings on average.
"""

TXT = """
# Innovation Tool of the Month: Living labs

A webinar about living labs, 22 September 2022.

[00:00:05] Emma Nilsson: Welcome to the webinar.
[00:00:20] Johanna Lindqvist: Our living lab has 60 households.
[00:01:10] Johanna Lindqvist: Companies pay 15 000 SEK per test.
"""


def test_vtt_voice_tags_note_and_times(tmp_path):
    doc = load(write(tmp_path / "webinars" / "rp.vtt", VTT), "webinars/rp.vtt")
    assert doc.kind == "transcript"
    assert doc.title == "Reverse pitch in practice"
    assert "Ingrid Haugland" in doc.metadata["description"]
    assert [u.speaker for u in doc.units] == ["Tobias Lund", "Ingrid Haugland", "Ingrid Haugland"]
    assert doc.units[2].text == "It costs us about 110 hours of staff time per cycle."
    assert (doc.units[1].start, doc.units[1].end) == (15.5, 40.0)
    assert doc.metadata["presenter"] == "Ingrid Haugland"
    assert doc.metadata["start_year"] == 2019


def test_srt_speaker_prefix_carries_over_to_continuation_cues(tmp_path):
    doc = load(write(tmp_path / "talk.srt", SRT), "talk.srt")
    assert doc.kind == "transcript"  # by extension
    assert [u.speaker for u in doc.units] == ["Helena Strand", "Jana Meinert", "Jana Meinert"]
    assert doc.units[0].text == "Welcome everybody."
    assert doc.units[2].start == 9.0


def test_timestamped_text_lines(tmp_path):
    doc = load(write(tmp_path / "webinars" / "ll.txt", TXT), "webinars/ll.txt")
    assert doc.kind == "transcript"
    assert doc.title == "Innovation Tool of the Month: Living labs"
    assert [u.start for u in doc.units] == [5.0, 20.0, 70.0]
    assert doc.units[0].end == 20.0
    assert doc.units[1].speaker == "Johanna Lindqvist"


def test_transcript_chunks_are_cue_windows_with_times_and_speakers(tmp_path):
    cues = "\n".join(f"[00:{m:02d}:{s:02d}] {'Anna Berg' if (m * 60 + s) % 40 else 'Olof Ek'}: "
                     f"Sentence number {m * 60 + s} about vouchers and their follow-up meetings."
                     for m in range(0, 10) for s in (0, 10, 20, 30, 40, 50))
    doc = load(write(tmp_path / "webinars" / "long.txt", "# Long webinar\n\n" + cues),
               "webinars/long.txt")
    chunks = chunk_document(doc, 200, 30, 75)
    assert len(chunks) > 5
    for c in chunks:
        span = c.metadata["end"] - c.metadata["start"]
        assert 20 <= span <= 90, span
        assert c.metadata["speakers"] and c.metadata["speaker"] in c.metadata["speakers"]
    # consecutive windows cover the transcript in order, without gaps
    starts = [c.metadata["start"] for c in chunks]
    assert starts == sorted(starts) and starts[0] == 0.0


@pytest.mark.parametrize("name, text, reason", [
    ("a.vtt", "00:00:01.000 --> 00:00:02.000\nHello\n", "missing 'WEBVTT' header"),
    ("b.vtt", "WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nHello\n", "malformed cue timing on line 3"),
    ("c.srt", "1\n00:00:05,000 --> 00:00:02,000\nBackwards\n", "ends before it starts"),
    ("d.srt", "1\nnot a timing line\nHello\n", "malformed cue timing on line 2"),
    ("e.vtt", "WEBVTT\n\nNOTE only a note\n", "no cues"),
])
def test_malformed_transcripts_are_load_errors(tmp_path, name, text, reason):
    with pytest.raises(LoadError) as err:
        load(write(tmp_path / name, text), name)
    assert reason in err.value.reason
