#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/app/test_browser.py), installed with apt when it is
# missing. Idempotent and quiet; used by `make test` and CI. Never runs `playwright install`.
#
# Without root (and without password-less sudo) it cannot install anything: it says so and exits 0,
# and the browser tests are skipped with that reason.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "setup-browser: $CHROMIUM is missing and installing it needs root:" \
         "sudo apt-get install -y chromium (the browser tests are skipped until then)" >&2
    exit 0
fi

echo "setup-browser: installing chromium with apt (about a minute)" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "setup-browser: apt did not install $CHROMIUM" >&2; exit 1; }
