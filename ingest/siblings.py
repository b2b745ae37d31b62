"""Files that belong together: the same stem in the same folder (a transcript and its recording,
or its slides)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def siblings(path: Path, suffixes: Iterable[str]) -> list[Path]:
    """The regular files beside ``path`` with its stem and one of ``suffixes`` (any case)."""
    wanted = {s.lower() for s in suffixes}
    try:
        found = [p for p in path.parent.iterdir()
                 if p.stem == path.stem and p.suffix.lower() in wanted and p != path]
    except OSError:
        return []
    return sorted(p for p in found if p.is_file())
