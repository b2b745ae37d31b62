"""Builders of the Office, spreadsheet and scanned-PDF files the loader tests read."""

from __future__ import annotations

from pathlib import Path


def make_docx(path: Path, *, title: str = "", author: str = "",
              blocks: list[tuple[str, object]] = (), keywords: str = "") -> Path:
    """``blocks``: ("h1"/"h2"/"p", text) or ("table", [[label, value], ...])."""
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.core_properties.author = author
    d.core_properties.keywords = keywords
    for what, value in blocks:
        if what == "table":
            table = d.add_table(rows=0, cols=len(value[0]))
            for row in value:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
        elif what.startswith("h"):
            d.add_heading(str(value), level=int(what[1:]))
        else:
            d.add_paragraph(str(value))
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))
    return path


def make_pptx(path: Path, slides: list[dict], *, title: str = "", keywords: str = "") -> Path:
    """``slides``: dicts with optional "title", "body" (lines), "table" (rows), "notes"."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    deck.core_properties.title = title
    deck.core_properties.keywords = keywords
    for spec in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1 if "body" in spec else 5])
        if "title" in spec:
            slide.shapes.title.text = spec["title"]
        if "body" in spec:
            slide.placeholders[1].text_frame.text = "\n".join(spec["body"])
        if "table" in spec:
            rows = spec["table"]
            shape = slide.shapes.add_table(len(rows), len(rows[0]), Inches(1), Inches(3),
                                           Inches(6), Inches(1.5))
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    shape.table.cell(r, c).text = text
        if "notes" in spec:
            slide.notes_slide.notes_text_frame.text = spec["notes"]
    path.parent.mkdir(parents=True, exist_ok=True)
    deck.save(str(path))
    return path


def make_xlsx(path: Path, sheets: dict[str, list[list[object]]], keywords: str = "") -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.properties.keywords = keywords
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path


def encrypt(path: Path, password: str = "secret") -> Path:
    """Replace an OOXML file with its password-protected (ECMA-376 agile encrypted) form."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    OOXMLFile(plain).encrypt(password, out)
    path.write_bytes(out.getvalue())
    return path


def page_image(lines: list[str], size: int = 28):
    """White page with black text lines (a 'scan'), as a PIL image."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=size)
    width = max(int(font.getlength(line)) for line in lines) + 2 * size
    img = Image.new("L", (width, (len(lines) + 2) * int(size * 1.6)), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((size, size + i * int(size * 1.6)), line, fill=0, font=font)
    return img


def scanned_pdf(path: Path, pages: list[list[str] | str]) -> Path:
    """A PDF whose pages are either images of text lines (a list: no text layer) or real text
    (a string), drawn with reportlab."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for page in pages:
        if isinstance(page, str):
            y = 780
            for line in page.splitlines():
                c.drawString(60, y, line)
                y -= 16
        else:
            img = page_image(page)
            w = 480
            c.drawImage(ImageReader(img), 60, 800 - w * img.height / img.width, width=w,
                        height=w * img.height / img.width)
        c.showPage()
    c.save()
    return path
