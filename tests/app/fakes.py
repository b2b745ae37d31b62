"""A stand-in for ``KnowledgeBase`` where a test needs only its documents (no model, no store)."""

from __future__ import annotations

from kb.models import DocInfo


class FakeKB:
    def __init__(self, docs: list[DocInfo]) -> None:
        self._docs = docs

    def docs(self) -> list[DocInfo]:
        return self._docs
