#!/usr/bin/env python3
"""Build the PDF project reports of the kb starter corpus.

Each source file scripts/report_sources/<slug>.md becomes corpus/reports/<slug>.pdf
(A4, real text layer, page numbers in the footer, PDF title metadata set).

Source format (deliberately small):

    ---                      optional front matter, simple "key: value" lines
    title: ...               PDF title metadata (default: the first "# " heading)
    author: ...              PDF author metadata
    subject: ...             PDF subject metadata
    keywords: a, b, c        PDF keywords metadata
    illustrative: true       an invented example: "illustrative" is added to the keywords, which
                             kb's PDF loader reads as the document's ``illustrative`` flag (the
                             notice is metadata, never body text)
    ---
    # Heading 1              document title on the page
    ## Heading 2             section heading
    ### Heading 3            sub-heading
    - item                   bullet point
    > text                   highlighted note (used for the "illustrative example" line)
    | a | b |                table row (consecutive rows form one table, first row is the header;
                             a row of dashes such as |---|---| is ignored)
    <<<PAGEBREAK>>>          forced page break, so the author controls which fact lands on
                             which page
    any other line           one body paragraph (write one paragraph per line)

Inline markup: **bold** and *italic*. Everything else is escaped.

The output is deterministic (reportlab "invariant" mode): a rebuild gives identical bytes.

Usage:
    python3.11 scripts/build_report_pdfs.py            # build all PDFs
    python3.11 scripts/build_report_pdfs.py SLUG ...   # build selected sources
    python3.11 scripts/build_report_pdfs.py --check    # exit 1 if a PDF is missing or out of date
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

ROOT = Path(__file__).resolve().parent.parent
SRC_DIR = ROOT / "scripts" / "report_sources"
OUT_DIR = ROOT / "corpus" / "reports"
PAGEBREAK = "<<<PAGEBREAK>>>"
CREATOR = "kb scripts/build_report_pdfs.py (reportlab)"


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "KbBody",
        parent=base["BodyText"],
        fontName="Helvetica",
        fontSize=10.5,
        leading=14.5,
        spaceAfter=6,
        alignment=TA_LEFT,
    )
    return {
        "h1": ParagraphStyle(
            "KbH1", parent=base["Title"], fontName="Helvetica-Bold", fontSize=17,
            leading=21, alignment=TA_LEFT, spaceAfter=10,
        ),
        "h2": ParagraphStyle(
            "KbH2", parent=base["Heading2"], fontName="Helvetica-Bold", fontSize=13,
            leading=16, spaceBefore=10, spaceAfter=5, textColor=colors.HexColor("#1f3b57"),
        ),
        "h3": ParagraphStyle(
            "KbH3", parent=base["Heading3"], fontName="Helvetica-Bold", fontSize=11,
            leading=14, spaceBefore=6, spaceAfter=3,
        ),
        "body": body,
        "bullet": ParagraphStyle(
            "KbBullet", parent=body, leftIndent=14, bulletIndent=4, spaceAfter=3,
        ),
        "note": ParagraphStyle(
            "KbNote", parent=body, fontName="Helvetica-Oblique", fontSize=9.5, leading=13,
            backColor=colors.HexColor("#fff4d6"), borderPadding=(4, 6, 4, 6),
            spaceBefore=2, spaceAfter=10,
        ),
        "cell": ParagraphStyle("KbCell", parent=body, fontSize=9.5, leading=12, spaceAfter=0),
        "cellhead": ParagraphStyle(
            "KbCellHead", parent=body, fontName="Helvetica-Bold", fontSize=9.5, leading=12,
            spaceAfter=0,
        ),
    }


def inline(text: str) -> str:
    """Escape text for a reportlab Paragraph and apply **bold** / *italic*."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", text)
    return text


def parse_front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    meta: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                for raw in lines[1:i]:
                    if ":" in raw:
                        key, value = raw.split(":", 1)
                        meta[key.strip().lower()] = value.strip()
                return meta, lines[i + 1:]
    return meta, lines


def _table(rows: list[list[str]], st: dict[str, ParagraphStyle], width: float) -> Table:
    ncols = max(len(r) for r in rows)
    data = []
    for r_i, row in enumerate(rows):
        row = row + [""] * (ncols - len(row))
        style = st["cellhead"] if r_i == 0 else st["cell"]
        data.append([Paragraph(inline(c), style) for c in row])
    table = Table(data, colWidths=[width / ncols] * ncols, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6ee")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a9aa8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def build_story(body_lines: list[str], st: dict[str, ParagraphStyle], width: float) -> list:
    story: list = []
    table_rows: list[list[str]] = []

    def flush_table() -> None:
        if table_rows:
            story.append(_table(table_rows, st, width))
            story.append(Spacer(1, 8))
            table_rows.clear()

    for raw in body_lines:
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue
            table_rows.append(cells)
            continue
        flush_table()
        if not stripped:
            continue
        if stripped == PAGEBREAK:
            story.append(PageBreak())
        elif stripped.startswith("### "):
            story.append(Paragraph(inline(stripped[4:]), st["h3"]))
        elif stripped.startswith("## "):
            story.append(Paragraph(inline(stripped[3:]), st["h2"]))
        elif stripped.startswith("# "):
            story.append(Paragraph(inline(stripped[2:]), st["h1"]))
        elif stripped.startswith("- "):
            story.append(Paragraph(inline(stripped[2:]), st["bullet"], bulletText="\u2013"))
        elif stripped.startswith("> "):
            story.append(Paragraph(inline(stripped[2:]), st["note"]))
        else:
            story.append(Paragraph(inline(stripped), st["body"]))
    flush_table()
    return story


def _keywords(meta: dict[str, str]) -> list[str]:
    words = [k.strip() for k in meta.get("keywords", "").split(",") if k.strip()]
    if meta.get("illustrative", "").strip().lower() == "true":
        words.append("illustrative")
    return words


def render(src: Path) -> tuple[bytes, str]:
    """Return the PDF bytes for one source file and its title."""
    lines = src.read_text(encoding="utf-8").splitlines()
    meta, body_lines = parse_front_matter(lines)
    title = meta.get("title")
    if not title:
        title = next((ln[2:].strip() for ln in body_lines if ln.startswith("# ")), src.stem)
    short = meta.get("short_title", title if len(title) <= 70 else title[:67].rstrip() + "...")
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
        title=title,
        author=meta.get("author", "kb starter corpus"),
        subject=meta.get("subject", "Project report"),
        keywords=_keywords(meta),
        creator=CREATOR,
        producer=CREATOR,
        invariant=1,
    )

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(22 * mm, 12 * mm, short)
        canvas.drawRightString(A4[0] - 22 * mm, 12 * mm, f"Page {document.page}")
        canvas.restoreState()

    story = build_story(body_lines, st, doc.width)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue(), title


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("slugs", nargs="*", help="source slugs to build (default: all)")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if any PDF is missing or differs from a rebuild")
    args = ap.parse_args(argv)

    sources = sorted(SRC_DIR.glob("*.md"))
    if args.slugs:
        wanted = set(args.slugs)
        sources = [s for s in sources if s.stem in wanted]
        missing = wanted - {s.stem for s in sources}
        if missing:
            print(f"unknown source(s): {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
    if not sources:
        print(f"no sources in {SRC_DIR}", file=sys.stderr)
        return 2

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stale = 0
    for src in sources:
        data, title = render(src)
        out = OUT_DIR / f"{src.stem}.pdf"
        same = out.exists() and out.read_bytes() == data
        if args.check:
            state = "ok" if same else "STALE"
            stale += not same
        else:
            if not same:
                out.write_bytes(data)
            state = "unchanged" if same else "written"
        print(f"{state:9} {out.relative_to(ROOT)}  ({title})")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
