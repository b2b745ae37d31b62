"""A ``kb`` process for the robustness tests: the real CLI (``kb.cli.main``) with the hash embedder
instead of the model (so a process starts in ~2 s, not ~10 s), and trace lines on stdout that let
a test kill it at a chosen point of its work.

    python -m tests.robust.child ingest DIR --json        (run from the repository root)

Trace lines start with ``@@ ``: ``locked`` (the ingest lock is held), ``wrote SOURCE`` (a document
is completely written; kb writes a few documents at a time), ``deleted DOC_ID``, ``finish`` (the
BM25 rebuild begins). The wrappers only print; the code under test runs unchanged but for smaller
write batches. With ``ROBUST_HOLD=FILE`` the process waits, holding the
ingest lock, until FILE exists.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import kb  # noqa: F401  (sets the offline environment before any library import)
from kb.testing import HashEmbedder

DIM = 384  # the real model's dimension: a store can be written by this process and by `kb ingest`
TRACE = "@@ "


def trace(message: str) -> None:
    print(TRACE + message, flush=True)


def _install() -> None:
    import ingest.lock
    import ingest.pipeline
    import kb.derived
    import kb.embedding
    import kb.store

    kb.embedding._load = lambda *args: HashEmbedder(dim=DIM)

    enter = ingest.lock.WriterLock.__enter__

    def locked(self):
        enter(self)
        trace("locked")
        hold = os.environ.get("ROBUST_HOLD")
        while hold and not Path(hold).exists():
            time.sleep(0.05)

    write = kb.store.Store.write_batch

    def write_batch(self, docs):
        write(self, docs)
        for record, _, _ in docs:
            trace(f"wrote {record['source']}")

    # Small write batches (kb writes up to 1024 chunks at once), so that a kill can land between
    # documents of these small test corpora as it does between batches of a big ingest.
    ingest.pipeline.BATCH_CHUNKS = int(os.environ.get("ROBUST_BATCH_CHUNKS", "4"))

    delete = kb.store.Store.delete_document

    def delete_document(self, doc_id):
        delete(self, doc_id)
        trace(f"deleted {doc_id}")

    rebuild = kb.derived.rebuild_index

    def rebuild_index(store, finish=False):
        if finish:
            trace("finish")
        return rebuild(store, finish=finish)

    ingest.lock.WriterLock.__enter__ = locked
    kb.store.Store.write_batch = write_batch
    kb.store.Store.delete_document = delete_document
    kb.derived.rebuild_index = rebuild_index


def main(argv: list[str]) -> int:
    _install()
    from kb.cli import main as kb_main

    return kb_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
