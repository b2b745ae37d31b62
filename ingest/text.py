"""Reading text files: UTF-8 with a cp1252 fallback, and a clear refusal of binary content.

Only regular files are read (a FIFO or a device is refused, never opened for a blocking read).
Text is read in blocks within the document's budget (``ingest.limits``), and every block is
judged for binary content, so the whole file is judged and not only its head.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from ingest import limits
from kb.errors import LoadError

BLOCK = 1 << 20  # bytes read at a time
WINDOW = 8192  # binary content is judged per window of this many bytes


def special_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: Path, source: str) -> BinaryIO:
    """The file opened for reading, or a LoadError if it is not a regular file. Opened without
    blocking (a FIFO would block an ordinary open forever), then checked on the open descriptor."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise LoadError(source, f"cannot read: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise LoadError(source, f"not a regular file: {special_kind(mode)}")
    return os.fdopen(fd, "rb")


def read_bytes(path: Path, source: str) -> bytes:
    """The file's bytes, read in blocks within the budget, each block judged for binary."""
    budget = limits.current(source)
    parts, total = [], 0
    with open_regular(path, source) as f:
        while block := f.read(BLOCK):
            total += len(block)
            budget.check_text(total)
            budget.check_time()
            if looks_binary(block):
                raise LoadError(source, "binary content in a text file (is the extension right?)")
            parts.append(block)
    return b"".join(parts)


def read_text(path: Path, source: str) -> str:
    """The file's text. Empty files and binary files are refused with a one-line reason."""
    data = read_bytes(path, source)
    if not data.strip():
        raise LoadError(source, "empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# Control bytes that text does not contain (tab, newline, form feed and carriage return it does).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def looks_binary(data: bytes) -> bool:
    """A NUL byte anywhere, or any window of 8 KB with more than 5% control bytes."""
    if b"\x00" in data:
        return True
    for i in range(0, len(data), WINDOW):
        window = data[i:i + WINDOW]
        control = len(window) - len(window.translate(None, _CONTROL))
        if control > len(window) * 0.05:
            return True
    return False
