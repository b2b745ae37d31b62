"""Webinar transcripts: WebVTT, SubRip and ``[hh:mm:ss] Speaker: text`` lines. One unit per cue."""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

from ingest.text import read_text
from kb.errors import LoadError
from kb.models import Document, Unit

_TIME = r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>", re.I)
_TAG = re.compile(r"</?[^>]+>")
_SPEAKER = re.compile(r"^([A-ZÅÄÖÉÜ][\w.'’-]*(?:\s+[\w.'’-]+){0,4}):\s+(.*)$", re.S)
_TXT_LINE = re.compile(rf"^\s*\[{_TIME}\]\s*(?:([^:\]]{{1,60}}):\s+)?(.*)$")


def seconds(h: str | None, m: str, s: str, ms: str | None) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + (int(ms.ljust(3, "0")) / 1000 if ms else 0.0)


def _timing(line: str, source: str, lineno: int) -> tuple[float, float]:
    m = _TIMING.match(line)
    if not m:
        raise LoadError(source, f"malformed cue timing on line {lineno}: {line.strip()[:60]!r}")
    g = m.groups()
    start, end = seconds(*g[:4]), seconds(*g[4:])
    if end < start:
        raise LoadError(source, f"cue on line {lineno} ends before it starts")
    return start, end


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks with the 1-based line number of their first line."""
    blocks, buf, first = [], [], 0
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not buf:
                first = i
            buf.append(line.rstrip())
        elif buf:
            blocks.append((first, buf))
            buf = []
    if buf:
        blocks.append((first, buf))
    return blocks


def parse_vtt(text: str, source: str) -> tuple[list[Unit], str]:
    blocks = _blocks(text)
    if not blocks or not blocks[0][1][0].lstrip("\ufeff").startswith("WEBVTT"):
        raise LoadError(source, "not a WebVTT file (missing 'WEBVTT' header)")
    cues, notes = [], []
    for lineno, lines in blocks[1:]:
        if lines[0].startswith("NOTE"):
            notes.append(" ".join([lines[0][4:].strip(), *lines[1:]]).strip())
            continue
        if lines[0].startswith(("STYLE", "REGION")):
            continue
        if "-->" not in lines[0] and len(lines) > 1 and "-->" in lines[1]:
            lines, lineno = lines[1:], lineno + 1  # cue identifier
        if not lines:
            raise LoadError(source, f"cue without timing on line {lineno}")
        start, end = _timing(lines[0], source, lineno)
        raw = " ".join(lines[1:])
        voice = _VOICE.search(raw)
        body = " ".join(_TAG.sub("", raw).split())
        if body:
            cues.append(Unit(text=body, start=start, end=end,
                             speaker=voice.group(1).strip() if voice else None))
    return cues, "\n".join(n for n in notes if n)


def parse_srt(text: str, source: str) -> tuple[list[Unit], str]:
    cues: list[Unit] = []
    speaker: str | None = None
    description = ""
    for lineno, lines in _blocks(text):
        if lines[0].strip().isdigit():
            lines, lineno = lines[1:], lineno + 1
        if not lines:
            raise LoadError(source, f"cue without timing on line {lineno}")
        start, end = _timing(lines[0], source, lineno)
        body = " ".join(_TAG.sub("", " ".join(lines[1:])).split())
        if not cues and body.startswith("[") and body.endswith("]"):
            description = body[1:-1].strip()  # a bracketed first cue describes the recording
            continue
        m = _SPEAKER.match(body)
        if m:
            speaker, body = m.group(1), m.group(2)
        if body:
            cues.append(Unit(text=body, start=start, end=end, speaker=speaker))
    return cues, description


def parse_timestamped(text: str, source: str) -> tuple[list[Unit], str, str | None]:
    """``[hh:mm:ss] Speaker: text`` lines; ``# Title`` and other lines form the description."""
    cues: list[Unit] = []
    other: list[str] = []
    title = None
    for line in text.splitlines():
        m = _TXT_LINE.match(line)
        if m:
            g = m.groups()
            body = " ".join(g[5].split())
            if body:
                cues.append(Unit(text=body, start=seconds(*g[:4]),
                                 speaker=(g[4] or "").strip() or None))
        elif line.startswith("# ") and title is None and not cues:
            title = line[2:].strip()
        elif line.strip() and not cues:
            other.append(line.strip())
    for cue, nxt in pairwise(cues):
        cue.end = max(cue.start or 0.0, nxt.start or 0.0)
    if cues:
        last = cues[-1]
        last.end = (last.start or 0.0) + max(2.0, len(last.text.split()) / 2.5)
    return cues, " ".join(other), title


def is_timestamped(text: str) -> bool:
    lines = [line for line in text.splitlines()[:80] if line.strip()]
    return sum(1 for line in lines if _TXT_LINE.match(line)) >= max(2, len(lines) // 3)


def load(path: Path, source: str, kind: str) -> Document:
    text = read_text(path, source)
    suffix = path.suffix.lower()
    title = None
    if suffix == ".vtt":
        cues, description = parse_vtt(text, source)
    elif suffix == ".srt":
        cues, description = parse_srt(text, source)
    else:
        cues, description, title = parse_timestamped(text, source)
    if not cues:
        raise LoadError(source, "no cues found in the transcript")
    return Document(source=source, kind=kind, title=title or _title(description, path),
                    units=cues, metadata=_meta(cues, description))


def _title(description: str, path: Path) -> str:
    m = re.search(r"\bTitle:\s*[\"“]([^\"”]+)[\"”]", description) or re.search(
        r"(?im)^\s*title:\s*(.+)$", description) or re.search(
        r"(Innovation Tool of the Month:\s*[^.]+)", description)
    if m:
        return m.group(1).strip()
    first = re.split(r"(?<=[.!?])\s", description.strip(), maxsplit=1)[0].strip(" .")
    if 8 <= len(first) <= 110:
        return first
    return path.stem.replace("-", " ").replace("_", " ").capitalize()


def _meta(cues: list[Unit], description: str) -> dict:
    words = Counter()
    for cue in cues:
        if cue.speaker:
            words[cue.speaker] += len(cue.text.split())
    speakers = list(dict.fromkeys(c.speaker for c in cues if c.speaker))
    meta: dict = {"duration_seconds": round(max(c.end or c.start or 0 for c in cues))}
    if description:
        meta["description"] = description
    if speakers:
        meta["speakers"] = speakers
        meta["presenter"] = words.most_common(1)[0][0]
        if speakers[0] != meta["presenter"]:
            meta["host"] = speakers[0]
    named = re.search(r"Presenter:\s*([^,.;(]+)", description)
    if named:
        meta["presenter"] = named.group(1).strip()
    if re.search(r"\billustrative transcript\b", description, re.I):  # the header says so
        meta["illustrative"] = True
    year = re.search(r"\b(19|20)\d{2}\b", description)
    if year:
        meta["start_year"] = meta["end_year"] = int(year.group(0))
    return meta
