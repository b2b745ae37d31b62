"""Recordings beside transcripts: found by stem, measured with ffprobe, part of the ingest hash."""

import shutil
import subprocess

import pytest

from ingest.pipeline import run
from ingest.recording import describe, duration, find, signature
from ingest.siblings import siblings
from kb.store import Store
from tests.conftest import write

VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ann>Wombat budgets are set in March.</v>\n"
needs_ffmpeg = pytest.mark.skipif(not shutil.which("ffmpeg"), reason="Debian's ffmpeg is missing")


def tone(path, seconds: float = 2.0):
    """A short sine tone (ffmpeg's lavfi source), a few kB."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-b:a", "16k", str(path)],
                   check=True, timeout=60)
    return path


def test_siblings_share_the_stem(tmp_path):
    for name in ("talk.vtt", "talk.MP4", "talk.webm", "talk-2.mp4", "other.mp3"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in siblings(tmp_path / "talk.vtt", (".mp4", ".webm"))] == \
        ["talk.MP4", "talk.webm"]
    assert find(tmp_path / "other.vtt").name == "other.mp3"
    assert find(tmp_path / "none.vtt") is None and signature(tmp_path / "none.vtt") == b""


@needs_ffmpeg
def test_describe_measures_the_recording(tmp_path):
    transcript = write(tmp_path / "talk.vtt", VTT)
    tone(tmp_path / "talk.mp3", 2.0)
    meta = describe(transcript)
    assert meta["recording"] == "talk.mp3"
    assert meta["recording_seconds"] == pytest.approx(2.0, abs=0.1)
    (tmp_path / "broken.mp3").write_bytes(b"not audio")
    assert duration(tmp_path / "broken.mp3") is None


@needs_ffmpeg
def test_a_recording_added_later_reingests_its_transcript(tmp_path, settings, hash_embedder):
    root = tmp_path / "c"
    write(root / "webinars" / "talk.vtt", VTT)
    run([root], settings, embedder=hash_embedder)
    tone(root / "webinars" / "talk.m4a", 1.0)
    report = run([root], settings, embedder=hash_embedder)
    assert report.updated == 1 and report.skipped == []  # a companion, not an unknown file
    record = next(iter(Store(settings).records().values()))
    assert record["recording"] == "talk.m4a" and record["recording_seconds"] > 0.5
    assert run([root], settings, embedder=hash_embedder).unchanged == 1
