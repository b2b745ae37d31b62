"""PowerPoint decks (.pptx) with python-pptx: one unit per slide (title, body, tables, speaker
notes), cited as ``slide``. A deck beside a transcript with the same stem is that webinar's slides,
and the link is kept both ways (``transcript`` on the deck, ``slides`` on the transcript)."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from ingest.metadata import illustrative
from ingest.siblings import siblings
from ingest.word import check_package
from kb.errors import LoadError
from kb.models import Document, Unit

DECK_SUFFIXES = (".pptx",)
TRANSCRIPT_SUFFIXES = (".vtt", ".srt", ".txt")


def load(path: Path, source: str, kind: str) -> Document:
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    check_package(path, source, "PowerPoint deck")
    try:
        deck = Presentation(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(source, f"corrupt PowerPoint deck ({type(exc).__name__}: "
                                f"{str(exc)[:120]})") from None
    if len(deck.slides) == 0:
        raise LoadError(source, "empty deck (no slides)")
    units = []
    for number, slide in enumerate(deck.slides, start=1):
        title, text = _slide_text(slide)
        if text:
            units.append(Unit(text=text, slide=number, section=title or f"Slide {number}"))
    if not units:
        raise LoadError(source, f"no text on any of the deck's {len(deck.slides)} slides")
    props = deck.core_properties
    title = ((props.title or "").strip() or next((u.section for u in units if u.slide == 1
                                                  and u.section != "Slide 1"), "")
             or path.stem.replace("-", " "))
    meta: dict[str, Any] = {"author": (props.author or "").strip(), "slide_count": len(deck.slides),
                            "illustrative": illustrative(props.keywords)}
    meta.update(linked(path, source, TRANSCRIPT_SUFFIXES, "transcript"))
    return Document(source=source, kind=kind, title=title, units=units,
                    metadata={k: v for k, v in meta.items() if v})


def linked(path: Path, source: str, suffixes: tuple[str, ...], key: str) -> dict[str, str]:
    """``{key: the sibling's source}`` for the first file beside ``path`` with the same stem."""
    found = siblings(path, suffixes)
    return {key: str(PurePosixPath(source).with_name(found[0].name))} if found else {}


def _slide_text(slide) -> tuple[str, str]:
    """The slide's title and its text: title, then the other shapes top to bottom, then notes."""
    title_shape = slide.shapes.title
    title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None else ""
    lines = [title] if title else []
    shapes = [s for s in slide.shapes if title_shape is None or s.shape_id != title_shape.shape_id]
    for shape in sorted(shapes, key=lambda s: (s.top or 0, s.left or 0)):
        lines.extend(_shape_lines(shape))
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and notes.text.strip():
            lines.append("Speaker notes: " + " ".join(notes.text.split()))
    return title, "\n".join(line for line in lines if line)


def _shape_lines(shape) -> list[str]:
    if shape.has_text_frame:
        return [p for p in (" ".join(par.text.split()) for par in shape.text_frame.paragraphs)
                if p]
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = []
        for row in shape.table.rows:
            cells = [" ".join(c.text.split()) for c in row.cells]
            if any(cells):
                rows.append("| " + " | ".join(cells) + " |")
        return rows
    if shape.shape_type is not None and hasattr(shape, "shapes"):  # a group
        return [line for inner in shape.shapes for line in _shape_lines(inner)]
    return []
