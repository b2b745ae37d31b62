"""Keeping a store in step with folders: a catch-up ingest, then one more incremental ingest of
the watched folders after each burst of changes (watchfiles).

Nothing here writes on its own: every pass is ``ingest.pipeline.run`` over the watched folders,
with its lock (one writer per store) and its crash-safe writes. So a watcher killed at any point
loses nothing: the next start's catch-up pass finds what changed meanwhile. A file that is still
being written is read only once its size and modification time have stopped changing for
``settle`` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import recording, run
from ingest.loaders import supported
from kb.errors import LockError, UsageError
from kb.settings import Settings
from kb.store import Store

if TYPE_CHECKING:
    from kb.embedding import Embedder


log = logging.getLogger(__name__)

DEBOUNCE_MS = 1600  # watchfiles: a burst of changes within this is one batch
SETTLE_SECONDS = 1.0  # a changed file is read once it has been still this long
MAX_SETTLE_SECONDS = 600.0  # a file written for longer than this is read as it is then
LOCK_RETRY_SECONDS = 5.0  # another writer holds the store: try again after this


@dataclass
class Change:
    """One document the watcher added, updated or removed, or could not read."""

    action: str  # "added", "updated", "removed", "failed" or "waiting" (store busy)
    source: str
    chunks: int = 0
    error: str = ""
    time: str = ""

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}

    def line(self) -> str:
        if self.action == "failed":
            return f"{self.time} FAILED {self.source}: {self.error}"
        if self.action == "waiting":
            return f"{self.time} waiting: {self.error}"
        chunks = f" ({self.chunks} chunks)" if self.action != "removed" else ""
        return f"{self.time} {self.action} {self.source}{chunks}"


def watch(paths: Sequence[str | Path], settings: Settings, *, embedder: Embedder | None = None,
          stop: threading.Event | None = None, debounce_ms: int = DEBOUNCE_MS,
          settle: float = SETTLE_SECONDS,
          on_pass: Callable[[], None] | None = None) -> Iterator[Change]:
    """Yield each change as the store takes it in, until ``stop`` is set (or Ctrl-C).
    ``on_pass`` runs after every ingest pass (the app uses it to see new documents at once)."""
    import watchfiles

    roots = check_folders(paths)
    caught_up = False
    # An empty batch comes every ``rust_timeout`` ms: the first one says the watcher is running,
    # and the catch-up pass runs then, so nothing changed during it is missed.
    for batch in watchfiles.watch(*roots, watch_filter=_relevant(roots), debounce=debounce_ms,
                                  stop_event=stop, raise_interrupt=False, rust_timeout=250,
                                  yield_on_timeout=True):
        if batch:
            _wait_until_still([Path(p) for _, p in batch], settle, stop)
        if batch or not caught_up:
            caught_up = True
            yield from _ingest_pass(roots, settings, embedder, stop, on_pass)


def check_folders(paths: Sequence[str | Path]) -> list[Path]:
    """The folders to watch, resolved; a UsageError for anything that is not a folder."""
    if not paths:
        raise UsageError("nothing to watch: give one or more folders")
    roots = [Path(p).resolve() for p in paths]
    for root in roots:
        if not root.is_dir():
            raise UsageError(f"cannot watch {root}: not a folder")
    return roots


def _relevant(roots: list[Path]) -> Callable[[object, str], bool]:
    """A change that can alter what is stored: a loadable file, a .kbignore, or a folder (a
    folder moved away takes its files with it, with one event for the folder); nothing under a
    hidden or ``_`` folder, which ingest skips too."""
    def relevant(change, path: str) -> bool:
        p = Path(path)
        root = next((r for r in roots if p.is_relative_to(r)), None)
        parts = p.relative_to(root).parts if root else p.parts
        if any(part.startswith((".", "_")) for part in parts[:-1]):
            return False
        if p.name.startswith("."):
            return p.name == ".kbignore"
        return supported(p) or not p.suffix or p.suffix.lower() in recording.SUFFIXES

    return relevant


def _wait_until_still(paths: list[Path], settle: float, stop: threading.Event | None) -> None:
    """Return once none of the files that still exist has changed for ``settle`` seconds."""
    deadline = time.monotonic() + MAX_SETTLE_SECONDS
    before = _stats(paths)
    while time.monotonic() < deadline and not (stop and stop.is_set()):
        time.sleep(settle)
        now = _stats(paths)
        if now == before:
            return
        before = now


def _stats(paths: list[Path]) -> dict[Path, tuple[int, int]]:
    out = {}
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue
        out[p] = (st.st_size, st.st_mtime_ns)
    return out


def _ingest_pass(roots: list[Path], settings: Settings, embedder: Embedder | None,
                 stop: threading.Event | None,
                 on_pass: Callable[[], None] | None) -> Iterator[Change]:
    """One incremental ingest of the watched folders; its changes, read off the store's records
    before and after. Waits (and says so once) while another writer holds the store."""
    told = False
    while True:
        before = _documents(settings, roots)
        try:
            report = run(roots, settings, embedder=embedder)
            break
        except LockError as exc:
            if not told:
                yield Change("waiting", "", error=str(exc), time=_now())
                told = True
            if stop is not None and stop.wait(LOCK_RETRY_SECONDS):
                return
            if stop is None:
                time.sleep(LOCK_RETRY_SECONDS)
    after = _documents(settings, roots)
    stamp = _now()
    for source in sorted(after.keys() | before.keys()):
        old, new = before.get(source), after.get(source)
        if new is None:
            yield Change("removed", source, time=stamp)
        elif old is None or old[0] != new[0]:
            yield Change("added" if old is None else "updated", source, chunks=new[1], time=stamp)
    for failure in report.failed:
        yield Change("failed", failure["source"], error=failure["error"], time=stamp)
    if on_pass is not None:
        on_pass()


def _documents(settings: Settings, roots: list[Path]) -> dict[str, tuple[str, int]]:
    """source -> (hash, chunks) of the finished documents found under the watched folders."""
    if not (settings.store / "chroma").exists() and not settings.chroma_url:
        return {}
    wanted = {str(r) for r in roots}
    return {r["source"]: (r.get("hash", ""), int(r.get("chunks", 0)))
            for r in Store(settings).records().values()
            if r.get("state") == "done" and r.get("root") in wanted}


def _now() -> str:
    return time.strftime("%H:%M:%S")


def watch_in_background(paths: Sequence[str | Path], settings: Settings, kb_) -> threading.Event:
    """Watch folders from a daemon thread for a running app: the app's own model does the
    embedding, and ``kb_.refresh()`` after each pass lets its next search see the changes. Each
    change is logged. Returns the event that stops it."""
    roots = check_folders(paths)
    stop = threading.Event()

    def loop() -> None:
        try:
            for change in watch(roots, settings, embedder=kb_.embedder, stop=stop,
                                on_pass=kb_.refresh):
                log.info("kb watch: %s", change.line())
        except Exception:  # the app keeps serving what is stored
            log.exception("kb watch: stopped watching %s", ", ".join(map(str, roots)))

    threading.Thread(target=loop, name="kb-watch", daemon=True).start()
    return stop
