"""The plain llama-index pipeline a user would write, scored on QMSum meetings beside kb
(``eval.qmsum``): the same queries, the same hit rule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eval.qmsum import Meeting, first_rank, queries_of
from kb.models import Unit


def llama_index_ranks(meetings: Sequence[Meeting], k: int = 10) -> dict[str, Any]:
    """The pipeline a user would otherwise write: one llama-index ``Document`` per meeting
    (``Speaker: text`` lines), ``VectorStoreIndex.from_documents`` (default SentenceSplitter,
    in-memory vector store), the same model through ``HuggingFaceEmbedding``; a node's
    [start, end] is read off its character span (shared out by characters within a turn)."""
    from llama_index.core import Document as LlamaDocument
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from kb.embedding import resolve_model_path
    from kb.settings import DEFAULT_MODEL

    LlamaSettings.llm = None
    LlamaSettings.embed_model = HuggingFaceEmbedding(model_name=resolve_model_path(DEFAULT_MODEL),
                                                     device="cpu")
    docs, clocks = [], {}
    for m in meetings:
        text, clock = _plain_text(m.document.units)
        docs.append(LlamaDocument(text=text, metadata={"source": m.document.source}))
        clocks[m.document.source] = clock
    index = VectorStoreIndex.from_documents(docs)
    retriever = index.as_retriever(similarity_top_k=k)
    ranks = {}
    for q in queries_of(meetings):
        found = []
        for n in retriever.retrieve(q.text):
            source = n.node.metadata.get("source")
            clock = clocks.get(source)
            a, b = n.node.start_char_idx, n.node.end_char_idx
            found.append((source, clock(a) if clock and a is not None else None,
                          clock(b) if clock and b is not None else None))
        ranks[q.qid] = first_rank(found, q, k)
    return {"ranks": ranks, "nodes": len(index.docstore.docs),
            "pipeline": "VectorStoreIndex.from_documents (default SentenceSplitter 1024/200, "
                        "in-memory store), HuggingFaceEmbedding(local all-MiniLM-L6-v2)"}


def _plain_text(units: Sequence[Unit]) -> tuple[str, Callable[[int], float]]:
    """A meeting as ``Speaker: text`` lines, and a map from a character offset to seconds."""
    parts, marks, at = [], [], 0
    for u in units:
        line = f"{u.speaker}: {u.text}" if u.speaker else u.text
        marks.append((at, at + len(line), float(u.start or 0.0), float(u.end or u.start or 0.0)))
        parts.append(line)
        at += len(line) + 1

    def clock(offset: int) -> float:
        for a, b, s, e in marks:
            if offset <= b:
                return s + (e - s) * max(offset - a, 0) / max(b - a, 1)
        return marks[-1][3] if marks else 0.0

    return "\n".join(parts), clock
