"""PDF reports: text per page with pypdf; every unit is one page (1-based). A page without a text
layer is read from its images with Tesseract (``ingest.ocr``), and its unit says ``ocr``."""

from __future__ import annotations

import logging
import re
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO

from ingest import limits, ocr
from ingest.fields import fields_from_lines
from ingest.metadata import illustrative
from ingest.text import open_regular
from kb.errors import LoadError
from kb.models import Document, Unit

logging.getLogger("pypdf").setLevel(logging.ERROR)
log = logging.getLogger(__name__)
# a page with fewer letters and digits than this in its text layer, and an image, is read by OCR
MIN_TEXT_CHARS = 20


def needs_ocr(text: str, page) -> bool:
    """No text layer to speak of (a scan, perhaps with a stamped page number) and an image."""
    if sum(ch.isalnum() for ch in text) >= MIN_TEXT_CHARS:
        return False
    try:
        return bool(page.images)
    except Exception:  # an image pypdf cannot list is an image it cannot give to OCR either
        return False


def page_ocr(page, source: str, number: int) -> str:
    """The text of a page's images, read by Tesseract, top to bottom as stored."""
    texts = []
    for image in page.images:
        try:
            data, suffix = _encoded(image)
            texts.append(ocr.image_text(data, suffix))
        except ocr.OCRError as exc:
            raise LoadError(source, f"page {number}: {exc}") from None
    return "\n\n".join(texts)


def _encoded(image) -> tuple[bytes, str]:
    """Image bytes in a format Tesseract reads: PNG and JPEG as stored, anything else as PNG."""
    suffix = Path(image.name).suffix.lower()
    if suffix in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        return image.data, suffix
    import io

    buf = io.BytesIO()
    image.image.save(buf, format="PNG")
    return buf.getvalue(), ".png"


def load(path: Path, source: str, kind: str) -> Document:
    with open_regular(path, source) as f:
        if f.seek(0, 2) == 0:
            raise LoadError(source, "empty file")
        f.seek(0)
        return _read(f, path, source, kind, limits.current(source))


def _pages(reader, budget: limits.Budget) -> list[str]:
    """Each page's text, within the document's budget of time and text."""
    raw, total = [], 0
    for page in reader.pages:
        budget.check_time()
        raw.append(page.extract_text() or "")
        total += len(raw[-1])
        budget.check_text(total)
    return raw


def _ocr_scanned(reader, raw: list[str], source: str) -> list[int]:
    """OCR the pages without a text layer in place (``raw``); their 0-based indexes. Without
    Tesseract such pages are left out with a warning (a PDF of scans only is refused)."""
    scanned = [i for i, text in enumerate(raw) if needs_ocr(text, reader.pages[i])]
    if scanned and not ocr.available():
        if len(scanned) == len(raw):
            raise LoadError(source, f"scanned PDF (no text layer): {ocr.INSTALL_HINT}")
        log.warning("%s: no text layer on page(s) %s, left out: %s", source,
                    ", ".join(str(i + 1) for i in scanned), ocr.INSTALL_HINT)
        return []
    for i in scanned:
        raw[i] = page_ocr(reader.pages[i], source, i + 1)
    return scanned


def _read(f: BinaryIO, path: Path, source: str, kind: str, budget: limits.Budget) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(f)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise LoadError(source, "encrypted PDF (a password is needed)")
            except LoadError:
                raise
            except Exception:
                raise LoadError(source, "encrypted PDF (cannot be decrypted)") from None
        raw = _pages(reader, budget)
        scanned = _ocr_scanned(reader, raw, source)
        repeated = running_lines(raw)
        units = [
            Unit(text=text, page=number, ocr=number - 1 in scanned)
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
        raise LoadError(source, "no text found, not even by OCR" if scanned
                        else "PDF has no text layer and no page image to OCR")
    meta = fields_from_lines([line for text in raw[:3] for line in clean(text).splitlines()])
    title = pdf_title or first_line(units[0].text) or path.stem
    if illustrative(keywords):
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
