#!/usr/bin/env bash
# Debian's Tesseract with English and Swedish language data for the OCR tests
# (tests/ingest/test_ocr.py), installed with apt when it is missing. Idempotent and quiet; used by
# `make test` and CI. `make run` does not need it: without Tesseract a scanned PDF is reported with
# the package names to install, and everything else goes in.
#
# Without root (and without password-less sudo) it cannot install anything: it says so and exits 0,
# and the OCR tests are skipped with that reason.
set -euo pipefail

have() {
    command -v tesseract >/dev/null 2>&1 &&
        tesseract --list-langs 2>/dev/null | grep -qx eng &&
        tesseract --list-langs 2>/dev/null | grep -qx swe
}
have && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "setup-ocr: Tesseract is missing and installing it needs root:" \
         "sudo apt-get install -y tesseract-ocr tesseract-ocr-eng tesseract-ocr-swe" \
         "(the OCR tests are skipped until then)" >&2
    exit 0
fi

echo "setup-ocr: installing tesseract-ocr (eng, swe) with apt" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq tesseract-ocr tesseract-ocr-eng tesseract-ocr-swe >/dev/null
have || { echo "setup-ocr: apt did not install Tesseract with eng and swe" >&2; exit 1; }
