"""``peer``: the plain llama-index pipeline (SimpleDirectoryReader + VectorStoreIndex over a
fresh Chroma collection, same model, default settings) against kb: ingest time and hit@5."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from eval.bench.base import Benchmark, Context, Row
from eval.bench.measure import child, load_change


class Peer(Benchmark):
    name = "peer"

    def run(self, ctx: Context) -> dict[str, Any]:
        from eval.golden import load_golden

        items = [i for i in load_golden() if i.answerable and not i.follow_up_of]
        kb_hits = _kb_hit5(ctx, items)
        with tempfile.TemporaryDirectory(prefix="kb-peer-") as tmp:
            got = child("peer", str(ctx.corpus), tmp)
        kb_ingest = ctx.results.get("throughput", {}).get("kb_ingest_best_s")
        if kb_ingest is None:
            from ingest.pipeline import run

            kb_ingest = run([ctx.corpus], ctx.local(ctx.scratch()), embedder=ctx.embedder).seconds
        return {"questions": len(items), "kb": {"ingest_s": kb_ingest, "hit@5": kb_hits},
                "llama_index": got,
                "note": "answerable golden questions without follow-ups; hit@5: an expected "
                        "source among the first 5 distinct source files of the top-10 results"}

    def table(self, p: dict[str, Any], key: str) -> list[Row]:
        li = p["llama_index"]
        return [(key, f"kb ingest {p['kb']['ingest_s']} s, hit@5 {p['kb']['hit@5']} | "
                 f"llama-index ingest {li['ingest_s']} s, hit@5 {li['hit@5']} "
                 f"({li['chunks']} chunks)", load_change(p))]


def _kb_hit5(ctx: Context, items: list) -> float:
    from kb.api import KnowledgeBase

    kb_ = KnowledgeBase(ctx.corpus_store(), embedder=ctx.embedder)
    hits = 0
    for item in items:
        sources = list(dict.fromkeys(h.source for h in kb_.search(item.question, k=10)))
        hits += any(s in item.sources for s in sources[:5])
    return round(hits / len(items), 3)


def peer_child(args: list[str]) -> dict[str, Any]:
    """(in the child) ``llama_index_baseline(corpus, tmp)``."""
    return llama_index_baseline(Path(args[0]), Path(args[1]))


def llama_index_baseline(corpus: Path, tmp: Path) -> dict[str, Any]:
    """The pipeline a user would otherwise write: default reader, default index, same model and
    a fresh Chroma collection; its ingest time and hit@5 on the golden questions."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from kb.embedding import resolve_model_path
    from kb.settings import DEFAULT_MODEL

    LlamaSettings.llm = None
    LlamaSettings.embed_model = HuggingFaceEmbedding(model_name=resolve_model_path(DEFAULT_MODEL),
                                                     device="cpu")
    LlamaSettings.embed_model.get_text_embedding("warm up")
    client = chromadb.PersistentClient(path=str(tmp / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection("peer_baseline", embedding_function=None)
    started = time.perf_counter()
    documents = SimpleDirectoryReader(str(corpus), recursive=True).load_data()
    store = ChromaVectorStore(chroma_collection=collection)
    storage = StorageContext.from_defaults(vector_store=store)
    index = VectorStoreIndex.from_documents(documents, storage_context=storage)
    seconds = time.perf_counter() - started
    hit5 = _hit5(index.as_retriever(similarity_top_k=10), corpus)
    return {"ingest_s": round(seconds, 2), "documents": len(documents),
            "chunks": collection.count(), **hit5,
            "pipeline": "SimpleDirectoryReader(corpus, recursive=True) + VectorStoreIndex "
                        "(default SentenceSplitter 1024/200) + ChromaVectorStore; "
                        "HuggingFaceEmbedding(local path); Settings.llm=None"}


def _hit5(retriever: Any, corpus: Path) -> dict[str, float]:
    from eval.golden import load_golden

    items = [i for i in load_golden() if i.answerable and not i.follow_up_of]
    by_file = by_node = 0
    for item in items:
        files = [_relative(n.node.metadata.get("file_path"), corpus)
                 for n in retriever.retrieve(item.question)]
        by_file += any(f in item.sources for f in list(dict.fromkeys(files))[:5])
        by_node += any(f in item.sources for f in files[:5])
    return {"hit@5": round(by_file / len(items), 3),
            "hit@5_top5_nodes": round(by_node / len(items), 3)}


def _relative(path: str | None, root: Path) -> str:
    try:
        return Path(path or "").resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
