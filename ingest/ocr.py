"""Text from page images with the Tesseract command-line program (Debian: tesseract-ocr with the
-eng and -swe language data). Nothing here downloads anything; without Tesseract, ``available()``
is False and callers say what to install."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = ("install Tesseract to read scanned pages: "
                "apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-swe")
# the languages used when installed, in this order ('eng+swe' reads English and Swedish pages)
LANGUAGES = ("eng", "swe")
TIMEOUT_SECONDS = 120


class OCRError(Exception):
    """Tesseract failed on an image."""


@functools.cache
def tesseract() -> str | None:
    return shutil.which("tesseract")


def available() -> bool:
    return tesseract() is not None and bool(languages())


@functools.cache
def languages() -> str:
    """The installed languages of ``LANGUAGES`` joined for ``-l`` ('' when none or no
    Tesseract)."""
    exe = tesseract()
    if exe is None:
        return ""
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    installed = {line.strip() for line in out.splitlines()[1:]}
    return "+".join(lang for lang in LANGUAGES if lang in installed)


def image_text(data: bytes, suffix: str) -> str:
    """The text Tesseract reads in one encoded image (PNG, JPEG, TIFF ...)."""
    exe = tesseract()
    if exe is None:
        raise OCRError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="kb-ocr-") as tmp:
        image = Path(tmp) / f"page{suffix or '.png'}"
        image.write_bytes(data)
        try:
            done = subprocess.run([exe, str(image), "stdout", "-l", languages() or "eng",
                                   "--psm", "3"], capture_output=True, timeout=TIMEOUT_SECONDS,
                                  check=False, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        except subprocess.TimeoutExpired:
            raise OCRError(f"Tesseract took over {TIMEOUT_SECONDS} s on one page") from None
        except OSError as exc:
            raise OCRError(f"cannot run Tesseract: {exc}") from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OCRError(f"Tesseract failed: {why[-1][:150] if why else done.returncode}")
    return done.stdout.decode("utf-8", "replace")
