"""What one document may cost: chunks, seconds to read and chunk, and text read.

The pipeline opens a ``Budget`` per document (``with budget.use():``); the text reader and the
chunker check the budget in force as they go, so a document over a limit stops early and is
refused with a ``LoadError`` that names the limit and the setting that raises it. Outside a
``use()`` block (a loader called directly) the default settings' limits apply.
"""

from __future__ import annotations

import contextlib
import time
import zlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from kb.errors import LoadError
from kb.settings import Settings


@dataclass
class Budget:
    source: str
    max_chunks: int
    max_seconds: float
    max_text_bytes: int
    min_info: int = 0
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def of(cls, settings: Settings, source: str) -> Budget:
        return cls(source, settings.max_doc_chunks, settings.max_doc_seconds,
                   settings.max_doc_text_mb * 1024 * 1024, settings.min_doc_info)

    @contextlib.contextmanager
    def use(self) -> Iterator[Budget]:
        self.started = time.monotonic()
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    def check_chunks(self, n: int) -> None:
        if self.max_chunks > 0 and n > self.max_chunks:
            raise LoadError(self.source, f"too many chunks: more than {self.max_chunks:,} "
                                         "(KB_MAX_DOC_CHUNKS); split the file or raise the limit")

    def check_time(self) -> None:
        spent = time.monotonic() - self.started
        if self.max_seconds > 0 and spent > self.max_seconds:
            raise LoadError(self.source, f"took longer than {self.max_seconds:g} s to read and "
                                         "chunk (KB_MAX_DOC_SECONDS); split the file or raise "
                                         "the limit")

    def check_text(self, n_bytes: int) -> None:
        if self.max_text_bytes > 0 and n_bytes > self.max_text_bytes:
            mb = self.max_text_bytes / 1048576
            raise LoadError(self.source, f"too much text: more than {mb:g} MB "
                                         "(KB_MAX_DOC_TEXT_MB); split the file or raise the limit")


    def check_repetition(self, texts: Iterable[str], chunks: int) -> None:
        """Refuse a long document whose text says little: fewer than ``min_info`` bytes of
        compressed text per chunk (one word repeated over megabytes)."""
        if self.min_info <= 0 or chunks < REPETITION_MIN_CHUNKS:
            return
        z, size = zlib.compressobj(1), 0
        for text in texts:
            size += len(z.compress(text.encode("utf-8", "replace")))
        size += len(z.flush())
        if size / chunks < self.min_info:
            raise LoadError(self.source, f"repetitive text: {chunks:,} chunks hold {size:,} bytes "
                                         f"of compressed text (less than {self.min_info} per "
                                         "chunk, KB_MIN_DOC_INFO)")


REPETITION_MIN_CHUNKS = 200  # shorter documents are not judged for repetition
_current: ContextVar[Budget | None] = ContextVar("kb_ingest_budget", default=None)


def current(source: str = "") -> Budget:
    """The budget in force, or one with the default settings' limits."""
    return _current.get() or Budget.of(Settings(), source)
