"""kb.fusion: the fusion methods and the chunk and document scopes, on hand-made scores."""

from __future__ import annotations

import numpy as np
import pytest

from kb.fusion import SCOPES, fuse, fuse_scoped

# Three chunks of document "a" and one of "b". Chunk a:0 matches the meaning (cosine), a:1 the
# words (BM25); b:0 is middling on both.
DENSE = np.array([0.90, 0.30, 0.20, 0.60], dtype=np.float32)
LEXICAL = np.array([0.0, 5.0, 1.0, 4.5], dtype=np.float32)
DOCS = ["a", "a", "a", "b"]
BOUND = 10.0


def test_convex_is_the_weighted_sum_of_cosine_and_bounded_bm25():
    got = fuse(DENSE, LEXICAL, BOUND, 0.3)
    np.testing.assert_allclose(got, 0.3 * DENSE + 0.7 * LEXICAL / BOUND, rtol=1e-6)


def test_chunk_scope_is_plain_fusion():
    np.testing.assert_array_equal(fuse_scoped(DENSE, LEXICAL, BOUND, 0.3, "convex", "chunk", DOCS),
                                  fuse(DENSE, LEXICAL, BOUND, 0.3))


def test_document_scope_lifts_each_documents_leading_chunk_to_its_best_of_both():
    chunk = fuse(DENSE, LEXICAL, BOUND, 0.3)
    assert chunk[3] > chunk.max(where=np.arange(4) < 3, initial=0)  # by chunk, b leads
    got = fuse_scoped(DENSE, LEXICAL, BOUND, 0.3, "convex", "document", DOCS)
    lead = int(np.argmax(chunk[:3]))  # a's leading chunk
    assert got[lead] == pytest.approx(0.3 * 0.90 + 0.7 * 5.0 / BOUND)
    assert int(np.argmax(got)) == lead  # by document, a leads: best cosine and best BM25
    others = [i for i in range(3) if i != lead]
    np.testing.assert_array_equal(got[others], chunk[others])  # a's other chunks keep theirs
    assert got[3] == chunk[3]  # a one-chunk document is scored as before


def test_document_scope_never_lowers_a_score_and_keeps_single_chunk_documents():
    rng = np.random.default_rng(7)
    dense = rng.uniform(0, 1, 50).astype(np.float32)
    lexical = rng.uniform(0, 5, 50).astype(np.float32)
    docs = [f"d{i}" for i in rng.integers(0, 12, 50)]
    chunk = fuse(dense, lexical, 5.0, 0.4)
    got = fuse_scoped(dense, lexical, 5.0, 0.4, "convex", "document", docs)
    assert (got >= chunk).all()
    for d in set(docs):
        rows = [i for i, x in enumerate(docs) if x == d]
        best = 0.4 * dense[rows].max() + 0.6 * lexical[rows].max() / 5.0
        assert got[rows].max() == pytest.approx(best, rel=1e-6)


def test_empty_pool_and_unknown_scope():
    empty = np.array([], dtype=np.float32)
    assert len(fuse_scoped(empty, empty, 1.0, 0.3, "convex", "document", [])) == 0
    assert SCOPES == ("chunk", "document")
    with pytest.raises(ValueError, match="unknown fusion scope"):
        fuse_scoped(DENSE, LEXICAL, BOUND, 0.3, "convex", "page", DOCS)
