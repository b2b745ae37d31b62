"""Word documents (.docx) with python-docx: sections from headings, label/value pairs from
tables, title and author from the core properties. Chunks cite their section."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from ingest.fields import fields_from_lines, fields_from_pairs
from ingest.metadata import illustrative
from kb.errors import LoadError
from kb.models import Document, Unit

_HEADING = re.compile(r"^(?:heading\s*(\d)|title)$", re.I)


def load(path: Path, source: str, kind: str) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_package(path, source, "Word document")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(source, f"corrupt Word document ({type(exc).__name__}: "
                                f"{str(exc)[:120]})") from None
    props = document.core_properties
    title, units, pairs = _read(document)
    if not units:
        raise LoadError(source, "no text in the Word document")
    meta: dict[str, Any] = {"author": (props.author or "").strip(),
                            "illustrative": illustrative(props.keywords)}
    meta.update(fields_from_lines([line for u in units for line in u.text.splitlines()]))
    meta.update(fields_from_pairs(pairs))
    title = (props.title or "").strip() or title or path.stem.replace("-", " ")
    units = [Unit(text=u.text, section=u.section or title) for u in units]
    return Document(source=source, kind=kind, title=title,
                    units=units, metadata={k: v for k, v in meta.items() if v})


def check_package(path: Path, source: str, what: str) -> None:
    """Refuse an empty file, an encrypted (password-protected) Office file and a non-zip file."""
    with path.open("rb") as f:
        head = f.read(8)
    if not head:
        raise LoadError(source, "empty file")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LoadError(source, f"password-protected (encrypted) {what}, or the old binary "
                                "Office format: save it unprotected as .docx/.pptx/.xlsx")
    if not zipfile.is_zipfile(path):
        raise LoadError(source, f"corrupt {what} (not a zip package)")


def _read(document) -> tuple[str, list[Unit], list[tuple[str, str]]]:
    """The first Title/Heading 1, units (one per section) and table label/value pairs, in the
    body's order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    title, section, buf = "", None, []
    units: list[Unit] = []
    pairs: list[tuple[str, str]] = []

    def flush() -> None:
        if buf:
            units.append(Unit(text="\n".join(buf), section=section))
            buf.clear()

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = _rows(block)
            pairs.extend((r[0], r[1]) for r in rows if len(r) == 2)
            buf.extend(": ".join(r) if len(r) == 2 else "| " + " | ".join(r) + " |" for r in rows)
            continue
        if not isinstance(block, Paragraph):
            continue
        text = block.text.strip()
        level = _heading_level(block)
        if level and text:
            flush()
            if not title and level <= 1:
                title, section = text, None
            else:
                section = text
        elif text:
            buf.append(text)
    flush()
    return title, units, pairs


def _heading_level(paragraph) -> int:
    """0 for body text; 1 for Title and Heading 1, n for Heading n."""
    name = paragraph.style.name if paragraph.style is not None else ""
    m = _HEADING.match(name.strip())
    if not m:
        return 0
    return int(m.group(1)) if m.group(1) else 1


def _rows(table) -> list[list[str]]:
    """Each row's distinct cell texts (merged cells repeat in python-docx); empty rows dropped."""
    out = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            out.append(cells)
    return out
