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
def test_onnx_vectors_match_torch(real_embedder, backend, tolerance, tmp_path, monkeypatch):
    monkeypatch.setattr("kb.embedding_onnx.DEFAULT_CACHE", tmp_path / "onnx")
    onnx = get_embedder(Settings(embed_backend=backend))
    a, b = onnx.embed_documents(TEXTS), real_embedder.embed_documents(TEXTS)
    assert a.shape == b.shape
    assert float(np.abs(a - b).max()) < tolerance
    assert float((a * b).sum(axis=1).min()) > 0.98


def test_unknown_backend_is_a_usage_error():
    with pytest.raises(UsageError, match="KB_EMBED_BACKEND"):
        get_embedder(Settings(embed_backend="tensorrt"))
