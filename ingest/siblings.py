"""Files that belong together by name: a webinar's transcript, slides and recording share a stem."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path


def siblings(path: Path, suffixes: Iterable[str]) -> list[Path]:
    """Files in ``path``'s folder with the same stem and one of ``suffixes`` (any case), other
    than ``path`` itself, in name order."""
    wanted = {s.lower() for s in suffixes}
    try:
        stamp = path.parent.stat().st_mtime_ns  # a file added or removed changes the folder's
    except OSError:
        return []
    return [path.parent / name for name in _by_stem(path.parent, stamp).get(path.stem, ())
            if name != path.name and Path(name).suffix.lower() in wanted]


@lru_cache(maxsize=64)
def _by_stem(folder: Path, stamp: int) -> dict[str, tuple[str, ...]]:
    """The folder's files by stem (one listing per folder and change, not one per file)."""
    out: dict[str, list[str]] = {}
    try:
        for entry in sorted(folder.iterdir()):
            if entry.is_file():
                out.setdefault(entry.stem, []).append(entry.name)
    except OSError:
        return {}
    return {stem: tuple(names) for stem, names in out.items()}
