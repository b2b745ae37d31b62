"""A transcript's recording: a video or audio file beside it with the same stem. Its name and
length go into the transcript's metadata at ingest; the app plays it from the cited second."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from ingest.siblings import siblings

SUFFIXES = (".mp4", ".webm", ".mp3", ".m4a")
TRANSCRIPT_SUFFIXES = (".vtt", ".srt", ".txt")


def find(transcript: Path) -> Path | None:
    """The recording beside a transcript (the first by name when there are several)."""
    found = siblings(transcript, SUFFIXES)
    return found[0] if found else None


def duration(recording: Path) -> float | None:
    """The recording's length in seconds (ffprobe); None when ffprobe is missing or cannot
    read it."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    try:
        out = subprocess.run([ffprobe, "-v", "error", "-show_entries", "format=duration",
                              "-of", "default=noprint_wrappers=1:nokey=1", str(recording)],
                             capture_output=True, text=True, timeout=30, check=True).stdout
        return round(float(out.strip()), 3)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def describe(transcript: Path) -> dict[str, Any]:
    """Metadata for a transcript with a recording beside it: ``recording`` (the file's name)
    and, where it can be read, ``recording_seconds``; empty without one."""
    recording = find(transcript)
    if recording is None:
        return {}
    seconds = duration(recording)
    return {"recording": recording.name,
            **({"recording_seconds": seconds} if seconds is not None else {})}


def signature(path: Path) -> bytes:
    """The name, size and time of the recordings beside a file, for its ingest hash: adding,
    changing or removing a recording re-ingests its transcript. Empty without one."""
    parts = []
    for p in siblings(path, SUFFIXES):
        try:
            st = p.stat()
        except OSError:
            continue
        parts.append(f"{p.name}:{st.st_size}:{st.st_mtime_ns}")
    return ("\0recordings\0" + "\0".join(parts)).encode() if parts else b""


def is_companion(path: Path) -> bool:
    """A recording beside a transcript: part of that transcript, not a file of its own (ingest
    does not report it as skipped)."""
    return path.suffix.lower() in SUFFIXES and bool(siblings(path, TRANSCRIPT_SUFFIXES))
