"""kb: a knowledge base with hybrid semantic search and cited answers.

The public API: ``search``, ``ask``, ``similar`` and ``docs`` (module-level, on the store named by
``KB_*`` variables), or the same methods on a ``KnowledgeBase`` built from explicit ``Settings``.
Importing kb is cheap: the model, chromadb and the rest load on first use.
"""

from kb import _env  # noqa: F401  (must run before any library import)
from kb.api import KnowledgeBase
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

__all__ = [
    "KnowledgeBase", "Settings", "search", "ask", "similar", "docs", "default",
    "Answer", "Citation", "DocInfo", "Filters", "Hit", "IngestReport",
    "KBError", "LLMError", "LoadError", "LockError", "ModelMismatchError", "StoreError",
    "UsageError",
]

_default: KnowledgeBase | None = None


def default() -> KnowledgeBase:
    """The process-wide knowledge base configured from the environment."""
    global _default
    if _default is None:
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
