"""kb's exceptions: one tree, translated once at each boundary (CLI exit codes, ``gr.Error``).

    KBError
    ├── UsageError          bad arguments or configuration (CLI exit code 2)
    ├── StoreError          the store cannot be opened or written
    │   ├── ModelMismatchError  the store was built with another model or chunking
    │   └── LockError           another process holds the ingest lock
    ├── LoadError           one file cannot be read (carries the file; reported per file)
    └── LLMError            the configured LLM endpoint failed
"""

from __future__ import annotations


class KBError(Exception):
    """Base class of every error kb raises on purpose."""


class UsageError(KBError):
    """Bad arguments or configuration."""


class StoreError(KBError):
    """The store cannot be opened, read or written."""


class ModelMismatchError(StoreError):
    """The store was built with other embedding or chunking settings than the ones configured."""


class LockError(StoreError):
    """Another process is ingesting into the same store."""


class LoadError(KBError):
    """One input file cannot be loaded; the message is a one-line reason."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class LLMError(KBError):
    """The LLM endpoint failed or returned something unusable."""
