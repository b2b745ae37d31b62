"""Reading text files: UTF-8 with a cp1252 fallback, and a clear refusal of binary content."""

from __future__ import annotations

from pathlib import Path

from kb.errors import LoadError


def read_text(path: Path, source: str) -> str:
    """The file's text. Empty files and binary files are refused with a one-line reason."""
    data = path.read_bytes()
    if not data.strip():
        raise LoadError(source, "empty file")
    if looks_binary(data):
        raise LoadError(source, "binary content in a text file (is the extension right?)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# Control bytes that text does not contain (tab, newline, form feed and carriage return it does).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL))
    return control > len(head) * 0.05
