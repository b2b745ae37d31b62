"""walk paths -> hash -> load -> chunk -> embed (batched across documents) -> write -> BM25.

One writer at a time (a lock file in the store folder). A document counts as ingested only when its
record says ``done`` with the file's hash; anything else is redone on the next run.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import recording
from ingest.chunking import chunk_document
from ingest.limits import Budget
from ingest.loaders import LINKED_SUFFIXES, load, supported
from ingest.lock import WriterLock
from ingest.metadata import typed
from ingest.siblings import siblings
from ingest.text import BLOCK, open_regular, special_kind
from kb.errors import LoadError, UsageError
from kb.models import Chunk, Document, IngestReport
from kb.sentences import SENTENCE_KEY, embed_quotable, pack
from kb.settings import Settings
from kb.store import Store, record_meta

if TYPE_CHECKING:
    from kb.embedding import Embedder


log = logging.getLogger(__name__)

# Bump when loaders or chunking change what a file turns into: every file is then re-indexed.
# 3: chunks carry their answer-sentence vectors, and their text in metadata (kb.store).
# 4: slide, sheet, row and ocr locations; a transcript names the slides beside it.
# 5: documents carry their language (ingest.language), and BM25 reads them with its analyzer.
# 6: transcript windows split long turns, carry line times; recordings get chapters.
# 7: answer sentences lose a PDF's symbol-font bullets (kb_sv2); Office keywords say
#    "illustrative"; methods/, tools/, projects/, recordings/ folders give a kind.
PIPELINE_VERSION = "7"
# Chunks of whole documents encoded and written together (a few Chroma calls per batch; a crash
# loses at most one batch). Why 256 and not more: docs/decisions/16.md.
BATCH_CHUNKS = 256

Progress = Callable[[str, int, int], None]


@dataclass
class _File:
    path: Path
    root: Path
    source: str
    direct: bool  # named on the command line (not found inside a folder)


@dataclass
class _Pending:
    file: _File | None
    doc: Document
    chunks: list[Chunk]
    digest: str
    updated: bool


def run(paths: Iterable[str | Path], settings: Settings, *, embedder: Embedder | None = None,
        progress: Progress | None = None, show_bar: bool = False) -> IngestReport:
    """Ingest files and folders into the store; see ``IngestReport`` for what happened."""
    started = time.perf_counter()
    settings.store.mkdir(parents=True, exist_ok=True)
    with WriterLock(settings):
        report = _Ingest(settings, embedder, progress, show_bar).run([Path(p) for p in paths])
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def write_documents(documents: Iterable[Document], settings: Settings, *,
                    embedder: Embedder | None = None,
                    show_bar: bool = False) -> IngestReport:
    """Ingest documents that are already in memory (a BEIR corpus, generated benchmark text).

    They are keyed by ``source`` like files, never removed by a later folder ingest, and re-written
    only when their text changes."""
    started = time.perf_counter()
    settings.store.mkdir(parents=True, exist_ok=True)
    with WriterLock(settings):
        job = _Ingest(settings, embedder, None, show_bar)
        batch: list[_Pending] = []
        for doc in documents:
            pending = job.prepare_document(doc)
            if pending:
                batch.append(pending)
                if sum(len(p.chunks) for p in batch) >= BATCH_CHUNKS * 4:
                    job._write(batch)
                    batch = []
        job._write(batch)
        job._finish()
    job.report.seconds = round(time.perf_counter() - started, 3)
    return job.report


class _Ingest:
    def __init__(self, settings: Settings, embedder: Embedder | None, progress: Progress | None,
                 show_bar: bool):
        self.settings = settings
        self.store = Store(settings)
        self.store.check_settings()
        self.records = self.store.records()
        self._embedder = embedder
        self.progress = progress
        self.show_bar = show_bar
        self.report = IngestReport()
        self.began = False
        self.unreadable: list[Path] = []  # folders that could not be listed: nothing removed there

    @property
    def embedder(self):
        if self._embedder is None:
            from kb.embedding import get_embedder

            self._embedder = get_embedder(self.settings)
        return self._embedder

    def run(self, paths: list[Path]) -> IngestReport:
        files, roots = self._walk(paths)
        batch: list[_Pending] = []
        bar = _bar(len(files), self.show_bar)
        for i, f in enumerate(files, start=1):
            pending = self._prepare(f)
            if pending:
                batch.append(pending)
                if sum(len(p.chunks) for p in batch) >= BATCH_CHUNKS:
                    self._write(batch)
                    batch = []
            if bar:
                bar.update(1)
            if self.progress:
                self.progress(f.source, i, len(files))
        self._write(batch)
        if bar:
            bar.close()
        self._remove_missing(files, roots)
        self._finish()
        return self.report

    # -- walking ---------------------------------------------------------------------------------
    def _walk(self, paths: list[Path]) -> tuple[list[_File], list[Path]]:
        if not paths:
            raise UsageError("nothing to ingest: give one or more files or folders")
        known_roots = sorted({Path(r["root"]) for r in self.records.values() if r.get("root")},
                             key=lambda p: len(p.parts), reverse=True)
        files: dict[str, _File] = {}
        roots: list[Path] = []
        for given in paths:
            path = given.resolve()
            mode = self._mode(path, str(given))
            if mode is None:
                continue
            if stat.S_ISDIR(mode):
                roots.append(path)
                for file in self._folder_files(path):
                    f = _File(file, path, _rel(file, path), direct=False)
                    files.setdefault(f.source, f)
            elif stat.S_ISREG(mode):
                root = next((r for r in known_roots if path.is_relative_to(r)), path.parent)
                f = _File(path, root, _rel(path, root), direct=True)
                if not supported(path):
                    self._fail(f.source, f"unsupported file type {path.suffix or '(none)'!r}")
                    continue
                files[f.source] = f
            else:
                self._fail(str(given), f"not a regular file: {special_kind(mode)}")
        return list(files.values()), roots

    def _mode(self, path: Path, shown: str) -> int | None:
        """The file mode (links followed), or None with the true reason reported."""
        try:
            return path.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            self._fail(shown, "no such file or folder")
        except OSError as exc:
            self._fail(shown, f"cannot read: {exc.strerror or exc}")
        return None

    def _folder_files(self, root: Path) -> Iterable[Path]:
        """The regular, supported, not ignored files in a folder; everything else is reported
        (skipped with its kind, or failed when a folder or file cannot be read)."""
        ignored = _ignore_patterns(root)

        def unreadable(exc: OSError) -> None:
            folder = Path(exc.filename or root)
            self.unreadable.append(folder)
            shown = _rel(folder, root) if folder != root else str(root)
            self._fail(shown + "/", f"cannot read folder: {exc.strerror or exc}")

        for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
            for name in sorted(filenames):
                file = Path(dirpath) / name
                if name.startswith(".") or recording.is_companion(file):
                    continue
                source = _rel(file, root)
                outside = file.is_symlink() and not file.resolve().is_relative_to(root)
                if _ignored(source, ignored):
                    self.report.ignored.append(source)
                    continue
                if not supported(file) or outside:
                    self.report.skipped.append(source)
                    continue
                mode = self._mode(file, source)
                if mode is not None and not stat.S_ISREG(mode):
                    self.report.skipped.append(f"{source} (not a regular file: "
                                               f"{special_kind(mode)})")
                elif mode is not None:
                    yield file

    # -- loading ---------------------------------------------------------------------------------
    def _prepare(self, f: _File) -> _Pending | None:
        budget = Budget.of(self.settings, f.source)
        try:
            with budget.use():
                digest = _digest(f.path, f.source, budget)
        except LoadError as exc:
            kept = " (its last good version stays in the store)" \
                if _doc_id(f.source) in self.records else ""
            self._fail(f.source, exc.reason + kept)
            return None
        old = self.records.get(_doc_id(f.source))
        if old and old.get("hash") == digest and old.get("state") == "done":
            self.report.unchanged += 1
            return None
        try:
            with budget.use():
                doc = load(f.path, f.source)
                doc.metadata, problems = typed(doc.metadata)
                s = self.settings
                chunks = chunk_document(doc, s.chunk_tokens, s.chunk_overlap,
                                        s.cue_window_seconds, s.cue_overlap_seconds,
                                        s.cue_window_tokens)
                budget.check_repetition((u.text for u in doc.units), len(chunks))
        except LoadError as exc:
            if old and old.get("state") != "done":  # a crash cut its update short: no good version
                self._begin_without_vectors()
                self.store.delete_document(old["doc_id"])
                self._fail(f.source, exc.reason + "; its unfinished update was removed")
            else:
                kept = " (its last good version stays in the store)" if old else ""
                self._fail(f.source, exc.reason + kept)
            return None
        self.report.warnings += [{"source": f.source, "warning": p} for p in problems]
        return _Pending(f, doc, chunks, digest, updated=old is not None)

    def prepare_document(self, doc: Document) -> _Pending | None:
        s = self.settings
        chunks = chunk_document(doc, s.chunk_tokens, s.chunk_overlap, s.cue_window_seconds,
                                s.cue_overlap_seconds, s.cue_window_tokens)
        digest = hashlib.sha256("\n".join(c.text for c in chunks).encode()).hexdigest()
        old = self.records.get(doc.doc_id)
        if old and old.get("hash") == digest and old.get("state") == "done":
            self.report.unchanged += 1
            return None
        return _Pending(None, doc, chunks, digest, updated=old is not None)

    def _write(self, batch: list[_Pending]) -> None:
        if not batch:
            return
        chunks = [c for p in batch for c in p.chunks]
        vectors = self.embedder.embed_documents([c.embed_text for c in chunks],
                                                show_progress=False)
        if self.settings.sentence_vectors:  # the answerer's sentences, so ``ask`` need not embed
            # a slice at a time: one long document is one batch, and all of its sentences' vectors
            # at once took the 10 MB text's peak over the memory target (each sentence is embedded
            # alone, so slicing does not change a vector)
            for i in range(0, len(chunks), BATCH_CHUNKS):
                part = chunks[i:i + BATCH_CHUNKS]
                for c, rows in zip(part, embed_quotable(self.embedder, [c.text for c in part]),
                                   strict=True):
                    c.metadata[SENTENCE_KEY] = pack(rows)
        if not self.began:
            self.store.check_settings(dim=vectors.shape[1])
            self.store.begin_write(dim=int(vectors.shape[1]))
            self.began = True
        items, offset = [], 0
        for p in batch:
            n = len(p.chunks)
            where = {"path": str(p.file.path), "root": str(p.file.root)} if p.file else {}
            record = record_meta({**p.doc.metadata, "doc_id": p.doc.doc_id, "source": p.doc.source,
                                  **where, "hash": p.digest, "kind": p.doc.kind,
                                  "title": p.doc.title,
                                  **self._chapters(p.chunks, vectors[offset:offset + n])})
            items.append((record, p.chunks, vectors[offset:offset + n]))
            offset += n
        self.store.write_batch(items)
        for p in batch:
            self.report.chunks += len(p.chunks)
            if p.updated:
                self.report.updated += 1
            else:
                self.report.added += 1

    def _chapters(self, chunks: list[Chunk], vectors) -> dict[str, str]:
        """A recording's chapters (``kb.chapters``) for its record; {} for other documents."""
        if len(chunks) < 2 or chunks[0].metadata.get("start") is None:
            return {}
        from kb import chapters

        meta = [c.metadata for c in chunks]
        found = chapters.chapters([c.text for c in chunks], vectors,
                                  [float(m["start"]) for m in meta],
                                  [float(m.get("end", m["start"])) for m in meta], self.embedder)
        return {"chapters": chapters.dumps(found)} if len(found) > 1 else {}

    def _remove_missing(self, files: list[_File], roots: list[Path]) -> None:
        present = {_doc_id(f.source) for f in files}
        for doc_id, rec in self.records.items():
            if doc_id in present or not rec.get("root"):
                continue
            path = Path(rec.get("path", ""))
            if any(path.is_relative_to(u) for u in self.unreadable):
                continue  # its folder could not be listed: it may well still be there
            in_root = any(Path(rec["root"]) == r for r in roots)
            gone = _gone(path)
            if in_root or (gone and rec.get("state") != "done"):
                self._begin_without_vectors()
                self.store.delete_document(doc_id)
                self.report.removed += 1

    def _begin_without_vectors(self) -> None:
        if not self.began:
            state = self.store.state()
            self.store.begin_write(dim=int(state.get("kb_dim", 0)) or self.embedder.dim)
            self.began = True

    def _finish(self) -> None:
        """Rebuild BM25 when anything changed (or it is out of step after a crash)."""
        from kb.derived import lexical_in_step, rebuild_index

        if self.began or not lexical_in_step(self.store):
            if not self.began:
                self._begin_without_vectors()
            rebuild_index(self.store, finish=True)

    def _fail(self, source: str, reason: str) -> None:
        self.report.failed.append({"source": source, "error": reason})


def _digest(path: Path, source: str, budget: Budget) -> str:
    """The file's hash (with the pipeline version and the names of the files linked to it by
    stem, such as a webinar's slides), read in blocks: memory stays bounded."""
    linked = "\0".join(p.name for p in siblings(path, LINKED_SUFFIXES)).encode()
    h = hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + linked + b"\0"
                       + recording.signature(path))
    with open_regular(path, source) as f:
        while block := f.read(BLOCK):
            budget.check_time()
            h.update(block)
    return h.hexdigest()


def _gone(path: Path) -> bool:
    """Whether a file is known to be gone (not found); a file that cannot be looked at now (a
    permission error) is not known to be gone."""
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _doc_id(source: str) -> str:
    from kb.models import doc_id_for

    return doc_id_for(source)


def _ignore_patterns(root: Path) -> list[str]:
    """Glob patterns from the folder's ``.kbignore`` (one per line, ``#`` comments)."""
    try:
        lines = (root / ".kbignore").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(source: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(source, p) or fnmatch.fnmatch(Path(source).name, p)
               for p in patterns)


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _bar(total: int, show: bool):
    if not show or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="ingest", file=sys.stderr)


__all__ = ["run", "write_documents"]
