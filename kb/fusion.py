"""Hybrid fusion: one dense and one lexical score per candidate in, one fused score out.

Both scores are known for every candidate (the lexical side scores the whole collection, the
dense side is looked up for lexical-only candidates), so fusion can use the scores themselves and
not only the ranks. Methods:

- ``convex`` (default): ``w * cosine + (1 - w) * bm25 / bm25_max``, where ``bm25_max`` is the
  score a chunk would get if it matched every query term at saturation. Both parts are absolute
  (comparable across queries), so the fused score also serves the abstention threshold.
- ``minmax``: the same convex combination after min-max scaling each side over the candidates.
- ``rrf``: reciprocal rank fusion (k=60), for comparison.
"""

from __future__ import annotations

import numpy as np

METHODS = ("convex", "minmax", "rrf")


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


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min(initial=0.0)), float(x.max(initial=0.0))
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def _rrf(x: np.ndarray, k: int = 60) -> np.ndarray:
    ranks = np.empty(len(x))
    ranks[np.argsort(-x, kind="stable")] = np.arange(1, len(x) + 1)
    return 1.0 / (k + ranks)
