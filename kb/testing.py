"""Test doubles shipped with the library: a tiny deterministic embedder for logic tests."""

from __future__ import annotations

import hashlib
import re

import numpy as np

_WORD = re.compile(r"\w+")


class HashEmbedder:
    """Bag-of-words hashed into a small vector: deterministic, fast, similar texts are similar."""

    def __init__(self, dim: int = 64, name: str = "hash-test") -> None:
        self.name = name
        self.dim = dim

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            h = int(hashlib.md5(word.encode()).hexdigest()[:8], 16)
            vec[h % self.dim] += 1.0
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    def embed_documents(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        return self.embed_documents(texts)
