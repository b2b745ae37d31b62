#!/usr/bin/env bash
# Debian packages the tests drive for real, installed with apt when missing: chromium (browser tests,
# tests/app/test_browser*.py), Tesseract with English and Swedish data (OCR, tests/ingest/test_ocr.py)
# and ffmpeg (recordings, tests/app/test_player.py; ingest reads a recording's length with ffprobe).
# Idempotent and quiet; `make test` and CI run it. `make run` needs none of them: without Tesseract a
# scanned PDF is reported with the packages to install, without ffprobe a recording's length is
# unknown. Never runs `playwright install`.
#
# Without root (and without password-less sudo) it cannot install anything: it says so and exits 0,
# and the tests that need a missing program are skipped with that reason.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ! { command -v tesseract >/dev/null 2>&1 &&
       tesseract --list-langs 2>/dev/null | grep -qx eng &&
       tesseract --list-langs 2>/dev/null | grep -qx swe; }; then
    missing+=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-swe)
fi
{ command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; } || missing+=(ffmpeg)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "setup-debian: missing ${missing[*]}, and installing needs root:" \
         "sudo apt-get install -y ${missing[*]} (the tests that need them are skipped until then)" >&2
    exit 0
fi

echo "setup-debian: installing ${missing[*]} with apt (a minute or two)" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
[ -x /usr/bin/chromium ] && command -v tesseract >/dev/null && command -v ffprobe >/dev/null ||
    { echo "setup-debian: apt did not install all of ${missing[*]}" >&2; exit 1; }
