"""OCR cost: seconds per scanned page through kb's PDF loader, beside the same pages with a text
layer in the same run, and how much of the page's text OCR got back.

The pages are A4 at 200 dpi, rendered from the starter corpus' report texts
(``scripts/report_sources``), so the words are the domain's own; the scan is an image only (no
text layer), as a flatbed scanner writes it.
"""

from __future__ import annotations

import difflib
import re
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from eval.bench.base import Benchmark, Context, Row, Target, target

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "scripts" / "report_sources"
DPI = 200
LINE_CHARS = 80
LINES_PER_PAGE = 44
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def page_lines(pages: int, per_page: int = LINES_PER_PAGE) -> list[list[str]]:
    """``pages`` pages of ``per_page`` lines of about 80 characters of report text."""
    import textwrap

    words = []
    for path in sorted(SOURCES.glob("*.md")):
        body = re.sub(r"\A---\n.*?\n---\n", "", path.read_text(encoding="utf-8"), flags=re.S)
        words += [w for line in body.splitlines() if not line.startswith("<<<")
                  for w in line.strip("#>-| *").split()]
    lines = textwrap.wrap(" ".join(words), LINE_CHARS, break_on_hyphens=False)
    need = pages * per_page
    lines = (lines * (need // max(len(lines), 1) + 1))[:need]
    return [lines[i:i + per_page] for i in range(0, need, per_page)]


def _scan(path: Path, pages: list[list[str]], text_layer: bool) -> Path:
    """A4 pages as images of the lines (``text_layer`` False) or as real text (True)."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    font = _font(ImageFont)
    for lines in pages:
        if text_layer:
            c.setFont("Helvetica", 10)
            for i, line in enumerate(lines):
                c.drawString(50, 800 - 16.5 * i, line)
        else:
            w, h = int(8.27 * DPI), int(11.69 * DPI)
            img = Image.new("L", (w, h), 250)
            draw = ImageDraw.Draw(img)
            for i, line in enumerate(lines):
                draw.text((130, 140 + 46 * i), line, fill=20, font=font)
            c.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()
    return path


def _font(image_font):
    """DejaVu Sans (Debian's fonts-dejavu-core) where installed: it has the Nordic letters that
    Pillow's small built-in font lacks."""
    try:
        return image_font.truetype(DEJAVU, 28)
    except OSError:
        return image_font.load_default(size=28)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract runs as a child)."""
    import resource

    own, kids = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                     resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_ocr(pages: int = 3, lines_per_page: int = LINES_PER_PAGE) -> dict[str, Any]:
    """Load a ``pages``-page scanned PDF and the same pages with a text layer: wall seconds per page
    of each, OCR's CPU seconds per page (steadier than wall time on a busy machine), and OCR's
    word accuracy (difflib ratio of the word sequences, 1.0 = every word right)."""
    from ingest import ocr
    from ingest.pdf import load

    if not ocr.available():
        return {"skipped": ocr.INSTALL_HINT}
    text = page_lines(pages, lines_per_page)
    with tempfile.TemporaryDirectory(prefix="kb-bench-ocr-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scan = _scan(Path(tmp) / "scan.pdf", text, text_layer=False)
        typed = _scan(Path(tmp) / "typed.pdf", text, text_layer=True)
        started, cpu = time.perf_counter(), _cpu()
        doc = load(scan, "scan.pdf", "report")
        ocr_s, ocr_cpu = time.perf_counter() - started, _cpu() - cpu
        started = time.perf_counter()
        load(typed, "typed.pdf", "report")
        text_s = time.perf_counter() - started
    got = " ".join(u.text for u in doc.units).split()
    want = " ".join(line for page in text for line in page).split()
    return {
        "pages": pages,
        "lines_per_page": lines_per_page,
        "dpi": DPI,
        "languages": ocr.languages(),
        "ocr_s_per_page": round(ocr_s / pages, 2),
        "ocr_cpu_s_per_page": round(ocr_cpu / pages, 2),
        "text_layer_s_per_page": round(text_s / pages, 3),
        "ocr_pages": sum(u.ocr for u in doc.units),
        "word_accuracy": round(difflib.SequenceMatcher(None, got, want, autojunk=False).ratio(),
                               3),
    }


class Ocr(Benchmark):
    name = "ocr"
    help = "seconds per page of OCR (Tesseract) against a text layer, and word accuracy"

    def run(self, ctx: Context) -> dict[str, Any]:
        return bench_ocr(pages=1 if ctx.quick else 3)

    def table(self, result: dict[str, Any], key: str) -> list[Row]:
        if "skipped" in result:
            return [(key, f"skipped: {result['skipped']}", "")]
        return [(key, f"{result['ocr_s_per_page']} s/page wall, {result['ocr_cpu_s_per_page']} "
                      f"CPU s/page ({result['languages']}, {result['dpi']} dpi), text layer "
                      f"{result['text_layer_s_per_page']} s/page, word accuracy "
                      f"{result['word_accuracy']}", "")]

    def targets(self, result: dict[str, Any], key: str) -> list[Target]:
        if "skipped" in result:
            return []
        return [target("OCR word accuracy", result["word_accuracy"], ">= 0.95",
                       result["word_accuracy"] >= 0.95)]
