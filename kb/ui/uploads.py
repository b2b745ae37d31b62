"""The Add documents tab's work: check each upload, keep it in the store folder, ingest it."""

from __future__ import annotations

import filecmp
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from ingest import loaders
from kb import KnowledgeBase

UPLOAD_TYPES = loaders.SUFFIXES  # every type the loader registry reads
UPLOAD_FOLDERS = {"auto": "documents", "toolbox": "toolbox", "report": "reports",
                  "transcript": "webinars"}


def check_upload(path: Path, max_mb: int) -> str | None:
    """Why an uploaded file is refused, or None: its type, its size, and its first bytes."""
    if path.suffix.lower() not in UPLOAD_TYPES:
        return f"unsupported type {path.suffix or '(none)'}; allowed: {', '.join(UPLOAD_TYPES)}"
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        return f"too large ({size / 1048576:.1f} MB; the limit is {max_mb} MB)"
    if size == 0:
        return "the file is empty"
    with path.open("rb") as f:
        head = f.read(8192)
    fmt = loaders.format_of(path.suffix)
    if fmt is not None and fmt.magic:
        return None if head.startswith(fmt.magic) else (
            f"not a {fmt.name} file (its first bytes are not a {fmt.name} file's)")
    return "binary content in a text file" if b"\x00" in head else None


def safe_name(name: str) -> str:
    """A plain file name: no folders, no odd characters, the extension in lower case."""
    path = Path(Path(name).name)
    stem = re.sub(r"[^\w.-]+", "-", path.stem).strip(".-")[:120] or "upload"
    return stem + re.sub(r"[^\w.]+", "", path.suffix.lower())


def ingest_uploads(kb_: KnowledgeBase, files: list[str], kind: str,
                   progress: Callable[[float, str], None]) -> list[list[str]]:
    """Check, copy into ``<store>/uploads/<kind>/`` and ingest; one result row per file."""
    from ingest import run

    settings = kb_.settings
    folder = settings.store / "uploads" / UPLOAD_FOLDERS.get(kind, "documents")
    folder.mkdir(parents=True, exist_ok=True)
    taken = {d.source for d in kb_.docs()} | {p.name for p in folder.parent.glob("*/*")}
    rows, accepted, notes = [], [], {}
    for f in files or []:
        path = Path(f)
        name = safe_name(path.name)
        reason = check_upload(path, settings.max_upload_mb)
        if reason:
            rows.append([name, "refused", reason])
            continue
        target = upload_target(folder, name, path, taken)
        taken.add(target.name)
        if target.name != name:
            notes[target] = f"saved as {target.name}: a different {name} was uploaded before"
        shutil.copyfile(path, target)
        accepted.append(target)
    if accepted:
        report = run(accepted, settings, embedder=kb_.embedder,
                     progress=lambda src, i, n: progress(i / n, f"Indexing {src}"))
        kb_.refresh()
        failed = {f["source"]: f["error"] for f in report.failed}
        warned = {w["source"]: w["warning"] for w in report.warnings}
        for p in accepted:
            error = next((e for s, e in failed.items() if s == p.name or s.endswith("/" + p.name)),
                         None)
            detail = "; ".join(x for x in ("indexed", notes.get(p), warned.get(p.name)) if x)
            rows.append([p.name, "failed", error] if error else [p.name, "added", detail])
    return rows


def upload_target(folder: Path, name: str, upload: Path, taken: set[str]) -> Path:
    """Where an upload is kept: under its own name, unless another document or upload has that
    name; then (unless it is the same file again) under ``name-2``, ``name-3``, ...: an upload
    never replaces another one."""
    target = folder / name
    if target.is_file() and filecmp.cmp(target, upload, shallow=False):
        return target
    stem, suffix, n = Path(name).stem, Path(name).suffix, 1
    while target.name in taken or target.exists():
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target
