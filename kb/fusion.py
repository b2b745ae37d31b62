"""Hybrid fusion: one dense and one lexical score per candidate in, one fused score out.

Both scores are known for every candidate (the lexical side scores the whole collection, the
dense side is looked up for lexical-only candidates), so fusion can use the scores themselves and
not only the ranks. Methods:

- ``convex`` (default): ``w * cosine + (1 - w) * bm25 / bm25_max``, where ``bm25_max`` is the
  score a chunk would get if it matched every query term at saturation. Both parts are absolute
  (comparable across queries), so the fused score also serves the abstention threshold.
- ``minmax``: the same convex combination after min-max scaling each side over the candidates.
- ``rrf``: reciprocal rank fusion (k=60), for comparison.

Scope (``fuse_scoped``): ``chunk`` fuses each chunk's own two scores; ``document`` also gives each
document's leading chunk the fusion of the document's best cosine and best BM25 among its candidate
chunks, which may come from two different chunks (a title-and-first-half chunk that matches the
meaning, a second half that matches the words). The document's other chunks keep their own score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METHODS = ("convex", "minmax", "rrf")
SCOPES = ("chunk", "document")


def fuse(dense: np.ndarray, lexical: np.ndarray, lexical_max: float, weight: float,
         method: str = "convex") -> np.ndarray:
    """Fused scores for candidates whose dense (cosine) and lexical (BM25) scores are given."""
    if method == "convex":
        return weight * dense + (1.0 - weight) * (lexical / max(lexical_max, 1e-9))
    if method == "minmax":
        return weight * _minmax(dense) + (1.0 - weight) * _minmax(lexical)
    if method == "rrf":
        return _rrf(dense) + _rrf(lexical)
    raise ValueError(f"unknown fusion method {method!r} (expected one of {METHODS})")


def fuse_scoped(dense: np.ndarray, lexical: np.ndarray, lexical_max: float, weight: float,
                method: str, scope: str, doc_ids: Sequence[str]) -> np.ndarray:
    """Fused scores in ``scope``: per chunk, or with each document's best chunk lifted to the
    document's score (never lower than its own, so the order of a document's chunks holds)."""
    fused = fuse(dense, lexical, lexical_max, weight, method)
    if scope == "chunk" or not len(fused):
        return fused
    if scope != "document":
        raise ValueError(f"unknown fusion scope {scope!r} (expected one of {SCOPES})")
    _, doc = np.unique(np.asarray(doc_ids), return_inverse=True)
    best_dense, best_lexical = _best(dense, doc), _best(lexical, doc)
    # The leading chunk of each document: its first chunk in fused order.
    order = np.argsort(-fused, kind="stable")
    first = np.unique(doc[order], return_index=True)[1]
    lead = order[first]
    docs = fuse(best_dense, best_lexical, lexical_max, weight, method)
    out = fused.copy()
    out[lead] = np.maximum(fused[lead], docs[doc[lead]])
    return out


def _best(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    best = np.full(int(groups.max()) + 1, -np.inf, dtype=np.float64)
    np.maximum.at(best, groups, x)
    return best.astype(x.dtype)


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min(initial=0.0)), float(x.max(initial=0.0))
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def _rrf(x: np.ndarray, k: int = 60) -> np.ndarray:
    ranks = np.empty(len(x))
    ranks[np.argsort(-x, kind="stable")] = np.arange(1, len(x) + 1)
    return 1.0 / (k + ranks)
