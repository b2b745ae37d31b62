"""Embedder plumbing without the model: where the ONNX export goes, and the protocol."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kb.embedding import Embedder, QueryCache, get_embedder
from kb.settings import Settings, default_onnx_cache
from kb.testing import HashEmbedder


def test_the_onnx_cache_folder_comes_from_settings(tmp_path, monkeypatch):
    import kb.embedding
    import kb.embedding_onnx

    seen = {}

    class Recorder:
        def __init__(self, name, batch_size, quantize, cache_dir):
            seen.update(name=name, quantize=quantize, cache_dir=cache_dir)

    monkeypatch.setattr(kb.embedding_onnx, "OnnxEmbedder", Recorder)
    kb.embedding._load.cache_clear()
    settings = Settings.from_env({"KB_ONNX_CACHE": str(tmp_path / "onnx")})
    assert settings.onnx_cache == tmp_path / "onnx"
    get_embedder(settings)
    assert seen == {"name": settings.embed_model, "quantize": True,
                    "cache_dir": tmp_path / "onnx"}
    kb.embedding._load.cache_clear()


def test_the_default_onnx_cache_is_the_users_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_onnx_cache() == tmp_path / "kb" / "onnx"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_onnx_cache() == Path.home() / ".cache" / "kb" / "onnx"


def test_the_test_double_is_an_embedder():
    emb: Embedder = HashEmbedder()
    assert emb.embed_sentences(["a b", "c"]).shape == (2, emb.dim)
    assert emb.embed_documents(["a"], show_progress=True).shape == (1, emb.dim)


def test_the_query_cache_asks_the_encoder_once_per_text():
    calls = []

    def embed(texts):
        calls.append(texts)
        return np.ones((len(texts), 3), dtype=np.float32)

    cache = QueryCache(embed, size=2)
    cache("a"), cache("a"), cache("b"), cache("c"), cache("a")
    assert calls == [["a"], ["b"], ["c"], ["a"]]  # "a" was evicted by "c" (size 2)
