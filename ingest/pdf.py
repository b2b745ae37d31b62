"""PDF reports: text per page with pypdf; every unit is one page (1-based)."""

from __future__ import annotations

import logging
import re
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
        units = [
            Unit(text=text, page=number)
            for number, page in enumerate(reader.pages, start=1)
            if (text := clean(page.extract_text() or ""))
        ]
        info = reader.metadata or {}
        pdf_title = str(info.get("/Title") or "").strip()
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(source, f"corrupt PDF ({type(exc).__name__}: {str(exc)[:120]})") from None
    except Exception as exc:  # pypdf raises many types on damaged files
        raise LoadError(source, f"unreadable PDF ({type(exc).__name__}: {str(exc)[:120]})") from None
    if not units:
        raise LoadError(source, "PDF has no text layer (scanned pages need OCR first)")
    meta = fields_from_lines([line for u in units[:3] for line in u.text.splitlines()])
    title = pdf_title or first_line(units[0].text) or path.stem
    return Document(source=source, kind=kind, title=title, units=units, metadata=meta)


def clean(text: str) -> str:
    """Join hyphenated line breaks and drop trailing spaces; keep line structure."""
    text = text.replace("\x00", "")
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line.strip()).strip()


def first_line(text: str) -> str:
    for line in text.splitlines():
        if len(line.strip()) > 3:
            return line.strip()[:200]
    return ""
