#!/usr/bin/env python3
"""Build the Office, spreadsheet and scanned files of the kb starter corpus.

    corpus/reports/kalmarsund-industrial-symbiosis.docx        a Word project report
    corpus/webinars/reverse-pitch-tverrfjord-process-cluster.pptx
                                                               the slides of the reverse pitch
                                                               webinar (same stem as its .vtt)
    corpus/reports/biopack-pilot-line-prestudy-signed.pdf      a signed, scanned one-page summary
                                                               (an image only: no text layer)
    corpus/reports/cluster-project-portfolio.xlsx              the cluster's project list

The texts live in scripts/office_sources.py. Every file is illustrative (its keywords say so:
kb reads that as the document's ``illustrative`` flag, a badge, and never indexes a notice). The
output is deterministic: fixed document dates, fixed zip entry times and reportlab's invariant
mode, so a rebuild gives identical bytes.

Usage:
    python scripts/build_office_corpus.py           # build all four files
    python scripts/build_office_corpus.py --check   # exit 1 if a file is missing or out of date
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import office_sources as src  # noqa: E402

FIXED = dt.datetime(2024, 11, 20, 9, 0, 0)
STAMP = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()


def fixed_zip(data: bytes) -> bytes:
    """The same zip package with every entry dated ``FIXED`` (Office writers stamp 'now')."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl writes 'now' as modified
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + STAMP, data)
            zout.writestr(fixed, data)
    return out.getvalue()


def _props(props, title: str, author: str) -> None:
    props.title, props.author = title, author
    props.keywords = src.ILLUSTRATIVE_KEYWORD
    props.created = props.modified = props.last_printed = FIXED
    props.last_modified_by = author
    props.revision = 1


def build_docx() -> bytes:
    import docx

    d = docx.Document()
    _props(d.core_properties, src.DOCX_TITLE, src.DOCX_AUTHOR)
    for kind, value in src.DOCX_BLOCKS:
        if kind == "table":
            table = d.add_table(rows=0, cols=len(value[0]))
            table.style = "Table Grid"
            for row in value:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
            d.add_paragraph("")
        elif kind in ("h1", "h2", "h3"):
            d.add_heading(value, level=int(kind[1]))
        elif kind == "bullet":
            d.add_paragraph(value, style="List Bullet")
        else:
            d.add_paragraph(value)
    buf = io.BytesIO()
    d.save(buf)
    return fixed_zip(buf.getvalue())


def build_pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches, Pt

    deck = Presentation()
    _props(deck.core_properties, src.DECK_TITLE, src.DECK_AUTHOR)
    for spec in src.DECK_SLIDES:
        layout = deck.slide_layouts[0 if spec.get("cover") else 1 if "body" in spec else 5]
        slide = deck.slides.add_slide(layout)
        slide.shapes.title.text = spec["title"]
        if "body" in spec:
            frame = slide.placeholders[1].text_frame
            frame.text = spec["body"][0]
            for line in spec["body"][1:]:
                frame.add_paragraph().text = line
        if "table" in spec:
            rows = spec["table"]
            shape = slide.shapes.add_table(len(rows), len(rows[0]), Inches(0.6), Inches(1.8),
                                           Inches(8.8), Inches(0.4) * len(rows))
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    cell = shape.table.cell(r, c)
                    cell.text = text
                    cell.text_frame.paragraphs[0].font.size = Pt(14)
        slide.notes_slide.notes_text_frame.text = spec["notes"]
    buf = io.BytesIO()
    deck.save(buf)
    return fixed_zip(buf.getvalue())


def build_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.properties.title, book.properties.creator = src.XLSX_TITLE, src.XLSX_AUTHOR
    book.properties.keywords = src.ILLUSTRATIVE_KEYWORD
    book.properties.created = book.properties.modified = FIXED
    ws = book.active
    ws.title = "Projects"
    ws.append([src.XLSX_CAPTION])
    ws.append([])
    ws.append(src.XLSX_HEADER)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in src.XLSX_ROWS:
        ws.append(row)
    for col, width in zip("ABCDEFGHIJ", (34, 18, 34, 30, 14, 12, 12, 11, 60, 22), strict=False):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    book.save(buf)
    return fixed_zip(buf.getvalue())


def scan_image():
    """An A4 page at 200 dpi with the summary's lines, slightly rotated like a scan."""
    from PIL import Image, ImageDraw, ImageFont

    width, height, margin = 1654, 2339, 150
    page = Image.new("L", (width, height), 252)
    draw = ImageDraw.Draw(page)
    fonts = {size: ImageFont.load_default(size=size) for size in (30, 40)}
    y = 170
    for style, line in src.SCAN_LINES:
        if style == "signature":
            draw.line([(margin + 40, y + 40), (margin + 260, y), (margin + 330, y + 35),
                       (margin + 470, y + 10)], fill=60, width=4)
            y += 70
            continue
        if style == "gap":
            y += 26
            continue
        font = fonts[40 if style == "title" else 30]
        draw.text((margin, y), line, fill=25, font=font)
        y += 62 if style == "title" else 46
    return page.rotate(0.4, resample=Image.BICUBIC, fillcolor=252)


def build_scan() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(src.SCAN_TITLE)
    c.setAuthor(src.SCAN_AUTHOR)
    c.setKeywords(src.ILLUSTRATIVE_KEYWORD)
    c.setCreator("kb scripts/build_office_corpus.py (scanned at 200 dpi, no text layer)")
    c.drawImage(ImageReader(scan_image()), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    return buf.getvalue()


TARGETS: dict[str, Callable[[], bytes]] = {
    "corpus/reports/kalmarsund-industrial-symbiosis.docx": build_docx,
    "corpus/webinars/reverse-pitch-tverrfjord-process-cluster.pptx": build_pptx,
    "corpus/reports/biopack-pilot-line-prestudy-signed.pdf": build_scan,
    "corpus/reports/cluster-project-portfolio.xlsx": build_xlsx,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for rel, build in TARGETS.items():
        path, data = ROOT / rel, build()
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(rel)
            continue
        path.write_bytes(data)
        print(f"wrote {rel} ({len(data) // 1024} KiB)")
    for rel in stale:
        print(f"out of date: {rel} (run scripts/build_office_corpus.py)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
