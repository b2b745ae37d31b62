"""The ONNX backends give the same vectors as sentence-transformers (within int8 rounding)."""

import numpy as np
import pytest

from kb.embedding import get_embedder
from kb.errors import UsageError
from kb.settings import Settings

pytestmark = pytest.mark.slow

TEXTS = ["How do others run a reverse pitch?", "A supplier day costs EUR 21 560 gross.",
         "Living labs let older people test products at home."]


@pytest.mark.parametrize("backend, tolerance", [("onnx", 1e-4), ("onnx-int8", 0.05)])
def test_onnx_vectors_match_torch(backend, tolerance, tmp_path, monkeypatch):
    from kb.embedding_onnx import OnnxEmbedder

    torch_model = get_embedder(Settings(embed_backend="torch"))
    onnx = OnnxEmbedder(Settings().embed_model, quantize=backend == "onnx-int8",
                        cache_dir=tmp_path / "onnx")  # a fresh export, not the shared cache
    a, b = onnx.embed_documents(TEXTS), torch_model.embed_documents(TEXTS)
    assert a.shape == b.shape
    assert float(np.abs(a - b).max()) < tolerance
    assert float((a * b).sum(axis=1).min()) > 0.98


def test_unknown_backend_is_a_usage_error():
    with pytest.raises(UsageError, match="KB_EMBED_BACKEND"):
        get_embedder(Settings(embed_backend="tensorrt"))


def test_a_store_written_with_one_backend_opens_with_another(tmp_path, hash_embedder):
    """Backends are implementations of one model: the store records the backend, never
    refuses it."""
    from ingest.pipeline import write_documents
    from kb.models import Document, Unit
    from kb.store import Store

    settings = Settings(store=tmp_path / "store", embed_backend="torch")
    doc = Document(source="a.md", title="A", kind="toolbox", units=[Unit(text="Supplier days.")])
    write_documents([doc], settings, embedder=hash_embedder)
    other = Store(settings.with_(embed_backend="onnx-int8"))
    other.check_settings(dim=hash_embedder.dim)
    assert other.state()["kb_backend"] == "torch"
