"""The loader registry: a file extension -> the function that turns such a file into a Document.

A new format is a new module plus one ``Format`` in ``FORMATS``; the README's file table, the
app's upload types and its check of an upload's first bytes are all made from ``FORMATS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest import html, markdown, pdf, recording, slides, spreadsheet, transcripts, word
from ingest.language import document_language
from ingest.text import read_text
from kb.errors import LoadError
from kb.models import KINDS, Document, Unit

Loader = Callable[[Path, str, str], Document]

# a folder's name says what its files are (in the starter corpus's names and the usual others)
FOLDER_KINDS = {"toolbox": "toolbox", "methods": "toolbox", "tools": "toolbox",
                "reports": "report", "projects": "report",
                "webinars": "transcript", "transcripts": "transcript", "recordings": "transcript"}
EXTENSION_KINDS = {".vtt": "transcript", ".srt": "transcript", ".pdf": "report"}
KIND_ALIASES = {"webinar": "transcript", "project": "report", "project report": "report",
                "tool": "toolbox", "method": "toolbox"}


def load_text(path: Path, source: str, kind: str) -> Document:
    """Plain text: a timestamped transcript if it looks like one, else paragraphs."""
    text = read_text(path, source)
    if transcripts.is_timestamped(text):
        return transcripts.load(path, source, "transcript" if kind == "document" else kind)
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    title = paragraphs[0].splitlines()[0].lstrip("# ").strip()[:200]
    return Document(source=source, kind=kind, title=title or path.stem,
                    units=[Unit(text=p, section=title) for p in paragraphs])


@dataclass(frozen=True)
class Format:
    """One kind of file: its extensions, its loader, how it is read and what its chunks cite (the
    README's "What goes in" table is made from these), and the bytes an upload must start with
    (empty: a text file)."""

    name: str
    suffixes: tuple[str, ...]
    load: Loader
    reads: str
    cites: str
    magic: tuple[bytes, ...] = ()


_ZIP = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # an Office package, or an encrypted one

FORMATS: tuple[Format, ...] = (
    Format("Markdown", (".md", ".markdown"), markdown.load,
           "YAML front matter as metadata (`title`, `type`, `category`, `tags`, ...); sections "
           "from headings; a heading-only file is indexed by its title", "section"),
    Format("PDF", (".pdf",), pdf.load,
           "text per page; a page without a text layer is read by OCR (Tesseract) and marked "
           "`ocr`", "page", (b"%PDF-",)),
    Format("HTML", (".html", ".htm"), html.load,
           "main content only; `<dl>`/`<table>` label/value pairs as report fields", "section"),
    Format("Word", (".docx",), word.load,
           "headings as sections; two-column tables as report fields; title and author from the "
           "document's properties", "section", _ZIP),
    Format("PowerPoint", (".pptx",), slides.load,
           "one unit per slide: title, text, tables and speaker notes; a deck with a transcript's "
           "file name is that webinar's slides", "slide", _ZIP),
    Format("Excel", (".xlsx",), spreadsheet.load_xlsx,
           "each sheet with a header row as records: one unit per row, columns kept as fields",
           "sheet and row", _ZIP),
    Format("CSV", (".csv",), spreadsheet.load_csv,
           "a header row, then one unit per row with its columns kept as fields", "row"),
    Format("WebVTT / SubRip", (".vtt", ".srt"), transcripts.load,
           "cues with speakers (`<v Name>` tags, `Name:` prefixes), in windows of about 75 s",
           "start and end time"),
    Format("Text", (".txt",), load_text,
           "`[hh:mm:ss] Speaker: text` lines as a transcript, else paragraphs",
           "start and end time, or nothing"),
)
LOADERS: dict[str, Loader] = {s: f.load for f in FORMATS for s in f.suffixes}
# files whose name-sakes beside them change what they turn into (a deck and its transcript)
LINKED_SUFFIXES = slides.DECK_SUFFIXES + slides.TRANSCRIPT_SUFFIXES
SUFFIXES: tuple[str, ...] = tuple(LOADERS)


def formats_table() -> str:
    """The README's "What goes in" file table, made from ``FORMATS``."""
    lines = ["| files | read as | chunks cite |", "|---|---|---|"]
    lines += [f"| {f.name} ({', '.join(f'`{s}`' for s in f.suffixes)}) | {f.reads} | {f.cites} |"
              for f in FORMATS]
    return "\n".join(lines)


def format_of(suffix: str) -> Format | None:
    return next((f for f in FORMATS if suffix.lower() in f.suffixes), None)


def supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def guess_kind(path: Path) -> str:
    """Folder name first (toolbox/, reports/, webinars/, transcripts/), then the extension."""
    for part in reversed(path.parent.parts):
        if part.lower() in FOLDER_KINDS:
            return FOLDER_KINDS[part.lower()]
    return EXTENSION_KINDS.get(path.suffix.lower(), "document")


def load(path: Path, source: str) -> Document:
    """Load one file; every failure is a LoadError naming the file and the reason."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(source, f"unsupported file type {path.suffix or '(none)'!r} "
                                f"(supported: {', '.join(sorted(LOADERS))})")
    try:
        doc = loader(path, source, guess_kind(path))
    except LoadError:
        raise
    except OSError as exc:
        raise LoadError(source, f"cannot read: {exc.strerror or exc}") from None
    except Exception as exc:  # a parser bug must not stop the run: report it per file
        raise LoadError(source, f"cannot parse ({type(exc).__name__}: {str(exc)[:150]})") from None
    kind = str(doc.kind).strip().lower()
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise LoadError(source, f"unknown type {doc.kind!r} (expected one of: {', '.join(KINDS)})")
    doc.kind = kind
    if kind == "transcript" and path.suffix.lower() in slides.TRANSCRIPT_SUFFIXES:
        doc.metadata.update(slides.linked(path, source, slides.DECK_SUFFIXES, "slides"))
    if not any(u.text.strip() for u in doc.units):
        raise LoadError(source, "no text found")
    language = doc.metadata.get("language") or document_language(doc)  # front matter wins
    if language:
        doc.metadata["language"] = str(language).strip().lower()
    if doc.kind == "transcript":
        doc.metadata.update(recording.describe(path))  # a recording beside it, for the player
    return doc
