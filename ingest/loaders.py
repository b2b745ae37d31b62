"""The loader registry: a file extension -> the function that turns such a file into a Document.

A new format is a new module plus one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest import html, markdown, pdf, recording, transcripts
from ingest.language import document_language
from ingest.text import read_text
from kb.errors import LoadError
from kb.models import KINDS, Document, Unit

Loader = Callable[[Path, str, str], Document]

FOLDER_KINDS = {"toolbox": "toolbox", "reports": "report", "webinars": "transcript",
                "transcripts": "transcript"}
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


LOADERS: dict[str, Loader] = {
    ".md": markdown.load,
    ".markdown": markdown.load,
    ".pdf": pdf.load,
    ".html": html.load,
    ".htm": html.load,
    ".vtt": transcripts.load,
    ".srt": transcripts.load,
    ".txt": load_text,
}


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
    if not any(u.text.strip() for u in doc.units):
        raise LoadError(source, "no text found")
    language = doc.metadata.get("language") or document_language(doc)  # front matter wins
    if language:
        doc.metadata["language"] = str(language).strip().lower()
    if doc.kind == "transcript":
        doc.metadata.update(recording.describe(path))  # a recording beside it, for the player
    return doc
