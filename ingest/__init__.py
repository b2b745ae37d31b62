"""Ingest: files and folders into a kb store, the public entry point beside ``kb.search`` and
``kb.ask``::

    import ingest
    from kb import Settings

    report = ingest.run(["corpus/", "my-reports/"], Settings.from_env())
    print(report.added, report.updated, report.failed)

``run`` is incremental (unchanged files are skipped, deleted ones removed) and crash-safe; one
writer at a time. ``write_documents`` ingests documents already in memory. The CLI (``kb
ingest``), the app's upload tab and the folder watcher (``ingest.watch``) all call ``run``.
The pipeline (and with it the loaders and the chunker) is imported on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run", "write_documents"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from ingest import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'ingest' has no attribute {name!r}")
