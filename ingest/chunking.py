"""Documents into chunks: sentence-aware token windows within one unit (never across a page or a
section), and windows of consecutive cues for transcripts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ingest import limits
from kb.models import Chunk, Document, Unit

# The splitter is given at most this many characters at a time (cut at a paragraph, a line or a
# space where there is one), so one huge paragraph cannot hold it for minutes before the
# document's limits are checked.
SLICE_CHARS = 65_536
# Chunk metadata that Chroma stores and filters on; the rest stays on the document record.
CHUNK_FIELDS = ("category", "tags", "coordinator", "contributed_by", "start_year", "end_year",
                "reference_number", "presenter", "slides", "transcript")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@lru_cache(maxsize=4)
def _splitter(chunk_tokens: int, overlap: int):
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_tokens, chunk_overlap=overlap)


def chunk_document(doc: Document, chunk_tokens: int, overlap: int,
                   window_seconds: float, cue_overlap_seconds: float = 0.0,
                   cue_tokens: int | None = None) -> list[Chunk]:
    """Chunks of a document: transcripts as windows of cues (``cue_tokens``, default
    ``chunk_tokens``, and ``window_seconds`` long, ``cue_overlap_seconds`` overlapping), other
    documents as sentence-aware windows of ``chunk_tokens`` overlapping by ``overlap``."""
    base = {"doc_id": doc.doc_id, "source": doc.source, "title": doc.title, "kind": doc.kind}
    base.update({k: doc.metadata[k] for k in CHUNK_FIELDS
                 if doc.metadata.get(k) not in (None, "", [])})
    pieces = (
        _cue_windows(doc.units, cue_tokens or chunk_tokens, window_seconds,
                     cue_overlap_seconds)
        if doc.units and doc.units[0].start is not None
        else _text_pieces(doc.units, chunk_tokens, overlap)
    )
    budget = limits.current(doc.source)
    chunks = []
    for i, (text, location) in enumerate(pieces):
        budget.check_chunks(i + 1)
        kept = {k: v for k, v in location.items() if v not in (None, "", [])}
        meta = {**base, **kept, "chunk": i}
        chunks.append(Chunk(id=f"{doc.doc_id}:{i}", doc_id=doc.doc_id, text=text, metadata=meta))
    return chunks


def _text_pieces(units: list[Unit], chunk_tokens: int,
                 overlap: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yields the pieces as they are made, so a document over its budget stops early."""
    splitter = _splitter(chunk_tokens, overlap)
    budget = limits.current()
    for unit in units:
        where = {"page": unit.page, "section": unit.section, "slide": unit.slide,
                 "sheet": unit.sheet, "row": unit.row, "ocr": unit.ocr or None}
        fields = {k: v for k, v in (unit.fields or {}).items() if k not in _RESERVED}
        for part in slices(unit.text, SLICE_CHARS):
            budget.check_time()
            for piece in splitter.split_text(part):
                if piece.strip():
                    yield piece.strip(), {**fields, **where}


def slices(text: str, size: int) -> Iterator[str]:
    """``text`` in parts of at most ``size`` characters, cut at the last paragraph break, line
    break or space before the limit (anywhere if there is none)."""
    start = 0
    while len(text) - start > size:
        end = start + size
        cut = max(text.rfind(sep, start, end) for sep in ("\n\n", "\n", " "))
        cut = cut if cut > start else end
        yield text[start:cut]
        start = cut
    yield text[start:]


# chunk metadata a row's columns may not overwrite
_RESERVED = {"doc_id", "source", "title", "kind", "chunk", "page", "section", "slide", "sheet",
             "row", "ocr", "start", "end", "speaker", "speakers"}


def _cue_windows(cues: list[Unit], chunk_tokens: int, window_seconds: float,
                 overlap_seconds: float = 0.0) -> list[tuple[str, dict[str, Any]]]:
    """Consecutive cues until the window spans ``window_seconds`` or about ``chunk_tokens``
    tokens; a cue longer than that is first split at sentence boundaries (each piece keeps its
    speaker and gets its share of the cue's time). A window after the first starts with the
    pieces of the previous one that began in its last ``overlap_seconds``."""
    max_words = int(chunk_tokens * 0.75)
    pieces = [p for cue in cues for p in split_cue(cue, max_words)]
    out, i = [], 0
    while i < len(pieces):
        j, words = i, 0
        while j < len(pieces):
            w = len(pieces[j].text.split())
            if j > i and (words + w > max_words
                          or _end(pieces[j]) - (pieces[i].start or 0) > window_seconds):
                break
            words, j = words + w, j + 1
        out.append(_window(pieces[i:j]))
        if j >= len(pieces):
            break
        cut = _end(pieces[j - 1]) - overlap_seconds
        i = next((x for x in range(i + 1, j) if overlap_seconds > 0
                  and (pieces[x].start or 0) >= cut), j)
    return out


def _end(unit: Unit) -> float:
    return float(unit.end if unit.end is not None else unit.start or 0.0)


def split_cue(cue: Unit, max_words: int) -> list[Unit]:
    """A cue of more than ``max_words`` words as pieces of whole sentences (a longer sentence
    is cut by words), timed by their share of the cue's words."""
    words = cue.text.split()
    if len(words) <= max_words:
        return [cue]
    groups: list[list[str]] = []
    current: list[str] = []
    for sentence in _SENTENCE_END.split(cue.text):
        sw = sentence.split()
        for k in range(0, len(sw), max_words):
            part = sw[k:k + max_words]
            if current and len(current) + len(part) > max_words:
                groups.append(current)
                current = []
            current = current + part
    if current:
        groups.append(current)
    start, end = float(cue.start or 0.0), _end(cue)
    out, done = [], 0
    for g in groups:
        a = start + (end - start) * done / len(words)
        done += len(g)
        b = start + (end - start) * done / len(words)
        out.append(Unit(text=" ".join(g), start=round(a, 2), end=round(b, 2),
                        speaker=cue.speaker))
    return out


def _window(cues: list[Unit]) -> tuple[str, dict[str, Any]]:
    lines, previous = [], None
    talk: Counter[str] = Counter()
    for cue in cues:
        if cue.speaker and cue.speaker != previous:
            lines.append(f"{cue.speaker}: {cue.text}")
        else:
            lines.append(cue.text)
        previous = cue.speaker or previous
        if cue.speaker:
            talk[cue.speaker] += len(cue.text.split())
    speakers = list(dict.fromkeys(c.speaker for c in cues if c.speaker))
    location = {
        "start": float(cues[0].start or 0.0),
        "end": float(cues[-1].end if cues[-1].end is not None else cues[-1].start or 0.0),
        "speaker": talk.most_common(1)[0][0] if talk else None,
        "speakers": speakers,
        "times": [round(float(c.start or 0.0), 2) for c in cues],  # each line's start
    }
    return "\n".join(lines), location
