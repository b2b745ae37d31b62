"""PDF reports: text per page with pypdf; every unit is one page (1-based)."""

from __future__ import annotations

import logging
import re
from itertools import pairwise
from pathlib import Path

from ingest.fields import fields_from_lines
from kb.errors import LoadError
from kb.models import Document, Unit

logging.getLogger("pypdf").setLevel(logging.ERROR)


def load(path: Path, source: str, kind: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if path.stat().st_size == 0:
        raise LoadError(source, "empty file")
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise LoadError(source, "encrypted PDF (a password is needed)")
            except LoadError:
                raise
            except Exception:
                raise LoadError(source, "encrypted PDF (cannot be decrypted)") from None
        raw = [page.extract_text() or "" for page in reader.pages]
        repeated = running_lines(raw)
        units = [
            Unit(text=text, page=number)
            for number, page_text in enumerate(raw, start=1)
            if (text := paragraphs(clean(page_text), repeated))
        ]
        info = reader.metadata or {}
        pdf_title = str(info.get("/Title") or "").strip()
        keywords = str(info.get("/Keywords") or "")
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(source, f"corrupt PDF ({type(exc).__name__}: {str(exc)[:120]})") from None
    except Exception as exc:  # pypdf raises many types on damaged files
        raise LoadError(source,
                        f"unreadable PDF ({type(exc).__name__}: {str(exc)[:120]})") from None
    if not units:
        raise LoadError(source, "PDF has no text layer (scanned pages need OCR first)")
    meta = fields_from_lines([line for text in raw[:3] for line in clean(text).splitlines()])
    title = pdf_title or first_line(units[0].text) or path.stem
    if re.search(r"\billustrative\b", keywords, re.I):  # an invented example (keyword)
        meta["illustrative"] = True
    return Document(source=source, kind=kind, title=title, units=units, metadata=meta)


def clean(text: str) -> str:
    """Join hyphenated line breaks and drop trailing spaces; keep line structure."""
    text = text.replace("\x00", "")
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line.strip()).strip()


_BULLET = re.compile(r"^\s*(?:[-–•*▪]|\d+[.)]|[a-z][.)])\s|^[A-ZÅÄÖ][\w /-]{1,30}:\s")


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip().lower())


def running_lines(pages: list[str]) -> set[str]:
    """Lines that repeat on most pages (running headers and footers, 'Page 3'), by shape."""
    if len(pages) < 3:
        return set()
    counts: dict[str, int] = {}
    for text in pages:
        for shape in {_shape(line) for line in text.splitlines() if line.strip()}:
            counts[shape] = counts.get(shape, 0) + 1
    return {shape for shape, n in counts.items() if n >= max(3, len(pages) // 2)}


def paragraphs(text: str, drop: set[str]) -> str:
    """Undo the PDF's line wrapping: a line that runs (nearly) to the right margin continues on
    the next line; a short line, a bullet or a heading ends a paragraph."""
    lines = [line for line in text.splitlines() if _shape(line) not in drop]
    if not lines:
        return ""
    widths = sorted(len(line) for line in lines)
    full = widths[int(len(widths) * 0.9)] * 0.8
    out = [lines[0].strip()]
    for prev, line in pairwise(lines):
        line = line.strip()
        if len(prev) >= full and not prev.rstrip().endswith(":") and not _BULLET.match(line):
            out[-1] += " " + line
        else:
            out.append(line)
    return "\n".join(out)


def first_line(text: str) -> str:
    for line in text.splitlines():
        if len(line.strip()) > 3:
            return line.strip()[:200]
    return ""
