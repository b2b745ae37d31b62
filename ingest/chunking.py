"""Documents into chunks: sentence-aware token windows within one unit (never across a page or a
section), and windows of consecutive cues for transcripts."""

from __future__ import annotations

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


@lru_cache(maxsize=4)
def _splitter(chunk_tokens: int, overlap: int):
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_tokens, chunk_overlap=overlap)


def chunk_document(doc: Document, chunk_tokens: int, overlap: int,
                   window_seconds: float) -> list[Chunk]:
    base = {"doc_id": doc.doc_id, "source": doc.source, "title": doc.title, "kind": doc.kind}
    base.update({k: doc.metadata[k] for k in CHUNK_FIELDS
                 if doc.metadata.get(k) not in (None, "", [])})
    pieces = (
        _cue_windows(doc.units, chunk_tokens, window_seconds)
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


def _cue_windows(cues: list[Unit], chunk_tokens: int,
                 window_seconds: float) -> list[tuple[str, dict[str, Any]]]:
    """Consecutive cues until the window spans ``window_seconds`` or about ``chunk_tokens``
    tokens."""
    out, window, words = [], [], 0
    max_words = int(chunk_tokens * 0.75)
    for cue in cues:
        cue_words = len(cue.text.split())
        if window and (words + cue_words > max_words
                       or (cue.end or cue.start or 0) - (window[0].start or 0) > window_seconds):
            out.append(_window(window))
            window, words = [], 0
        window.append(cue)
        words += cue_words
    if window:
        out.append(_window(window))
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
    }
    return "\n".join(lines), location
