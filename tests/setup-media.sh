#!/usr/bin/env bash
# Debian's ffmpeg (ffmpeg and ffprobe) for the recording tests (tests/app/test_player.py makes a
# short recording with it; ingest reads a recording's length with ffprobe), installed with apt when
# it is missing. Idempotent and quiet; used by `make test` and CI. `make run` does not need it:
# without ffprobe a recording is still linked to its transcript, only its length is unknown.
#
# Without root (and without password-less sudo) it cannot install anything: it says so and exits 0,
# and the recording tests are skipped with that reason.
set -euo pipefail

command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "setup-media: ffmpeg is missing and installing it needs root:" \
         "sudo apt-get install -y ffmpeg (the recording tests are skipped until then)" >&2
    exit 0
fi

echo "setup-media: installing ffmpeg with apt" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq ffmpeg >/dev/null
command -v ffprobe >/dev/null 2>&1 || { echo "setup-media: apt did not install ffmpeg" >&2; exit 1; }
