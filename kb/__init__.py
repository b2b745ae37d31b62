"""kb: a knowledge base with hybrid semantic search and cited answers.

The public API: ``search``, ``ask``, ``similar`` and ``docs`` (module-level, on the store named by
``KB_*`` variables), or the same methods on a ``KnowledgeBase`` built from explicit ``Settings``.
Importing kb is cheap: ``KnowledgeBase`` (and with it the answer modules, BM25, the model and
chromadb) loads on first use (tests/kb/test_imports.py holds it to that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kb import _env  # noqa: F401  (must run before any library import)
from kb.errors import (
    KBError,
    LLMError,
    LoadError,
    LockError,
    ModelMismatchError,
    StoreError,
    UsageError,
)
from kb.models import Answer, Citation, DocInfo, Filters, Hit, IngestReport
from kb.settings import Settings

if TYPE_CHECKING:
    from kb.api import KnowledgeBase

__all__ = [
    "KnowledgeBase", "Settings", "search", "ask", "similar", "docs", "default",
    "Answer", "Citation", "DocInfo", "Filters", "Hit", "IngestReport",
    "KBError", "LLMError", "LoadError", "LockError", "ModelMismatchError", "StoreError",
    "UsageError",
]

_default: KnowledgeBase | None = None


def __getattr__(name: str) -> Any:
    if name == "KnowledgeBase":  # loaded on first use: kb.api imports the answer modules
        from kb.api import KnowledgeBase

        return KnowledgeBase
    raise AttributeError(f"module 'kb' has no attribute {name!r}")


def default() -> KnowledgeBase:
    """The process-wide knowledge base configured from the environment."""
    global _default
    if _default is None:
        from kb.api import KnowledgeBase

        _default = KnowledgeBase(Settings.from_env())
    return _default


def search(query: str, k: int = 10, filters: Filters | dict | None = None) -> list[Hit]:
    return default().search(query, k=k, filters=filters)


def ask(question: str, history=None, filters: Filters | dict | None = None) -> Answer:
    return default().ask(question, history=history, filters=filters)


def similar(source: str, k: int = 5) -> list[Hit]:
    return default().similar(source, k=k)


def docs() -> list[DocInfo]:
    return default().docs()
