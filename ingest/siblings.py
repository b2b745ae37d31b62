"""Files that belong together by name: a webinar's transcript, slides and recording share a stem."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def siblings(path: Path, suffixes: Iterable[str]) -> list[Path]:
    """Files in ``path``'s folder with the same stem and one of ``suffixes`` (any case), other
    than ``path`` itself, in name order."""
    wanted = {s.lower() for s in suffixes}
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries
                  if p.stem == path.stem and p.suffix.lower() in wanted and p.name != path.name
                  and p.is_file())
