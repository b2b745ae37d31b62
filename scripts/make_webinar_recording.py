"""Make the starter corpus's stand-in recording for one webinar transcript (ffmpeg).

The audio is as long as the transcript and silent except for a short tone at the start of every
cue, so the app's player, started at a cited second, lands on a tone. AAC at 8 kbit/s mono keeps
30 minutes to about 0.3 MB. No speech: the corpus's webinars never took place.

    python scripts/make_webinar_recording.py \
        corpus/webinars/innovation-vouchers-limfjord-food-network.srt

writes the ``.m4a`` beside the transcript (``--out`` to put it elsewhere).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.transcripts import load  # noqa: E402

TONE_SECONDS = 0.25
TONE_HZ = 660
RATE = 8000


def cue_times(transcript: Path) -> tuple[list[float], float]:
    """The cues' start seconds and the transcript's end second, as kb reads them."""
    doc = load(transcript, transcript.name, "transcript")
    starts = [float(u.start) for u in doc.units if u.start is not None]
    end = max(float(u.end if u.end is not None else u.start or 0) for u in doc.units)
    return starts, end


def tone_expression(starts: list[float]) -> str:
    """An aevalsrc expression: a sine while ``t`` is within a tone after any cue start."""
    gates = "+".join(f"between(t\\,{s:g}\\,{s + TONE_SECONDS:g})" for s in starts)
    return f"0.3*sin(2*PI*{TONE_HZ}*t)*({gates})"


def make(transcript: Path, out: Path) -> Path:
    if shutil.which("ffmpeg") is None:
        sys.exit("make_webinar_recording: needs ffmpeg (apt-get install ffmpeg)")
    starts, end = cue_times(transcript)
    source = f"aevalsrc={tone_expression(starts)}:s={RATE}:d={end:g}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-ac", "1",
                    "-c:a", "aac", "-b:a", "8k", "-map_metadata", "-1", "-fflags", "+bitexact",
                    "-flags:a", "+bitexact", str(out)], check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("transcript", type=Path)
    parser.add_argument("--out", type=Path, help="default: beside the transcript, .m4a")
    args = parser.parse_args()
    out = make(args.transcript, args.out or args.transcript.with_suffix(".m4a"))
    print(f"{out} ({out.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
