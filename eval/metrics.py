"""Ranking metrics over the standard IR shapes, as pure functions.

    queries:  qid -> text
    corpus:   cid -> text
    relevant: qid -> set[cid]            (binary relevance)
              qid -> {cid: grade}        (graded relevance, BEIR qrels; grade <= 0 is not relevant)
    run:      qid -> [cid, ...]          (a ranking, best first)

Conventions (those of sentence-transformers' InformationRetrievalEvaluator and of trec_eval):
a ranking is cut at k before scoring; a cid repeated in a ranking counts once (its first place);
nDCG uses gain = grade and discount 1 / log2(rank + 1), normalised by the ideal ranking of the
judged documents; queries without any relevant document are left out of the means.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

Relevant = Mapping[str, int] | set[str] | frozenset[str] | Sequence[str]
Qrels = dict[str, dict[str, int]]
Run = dict[str, list[str]]

DEFAULT_KS = (1, 5, 10)


def grades(relevant: Relevant) -> dict[str, int]:
    """Relevance as {cid: grade > 0}: a set (or list) of ids means grade 1 for each."""
    if isinstance(relevant, Mapping):
        return {cid: int(g) for cid, g in relevant.items() if int(g) > 0}
    return {cid: 1 for cid in relevant}


def first_distinct(ranking: Sequence[str], k: int) -> list[str]:
    """The first k distinct ids of a ranking."""
    out: list[str] = []
    seen: set[str] = set()
    for cid in ranking:
        if cid not in seen:
            seen.add(cid)
            out.append(cid)
            if len(out) == k:
                break
    return out


def hit_at_k(ranking: Sequence[str], relevant: Relevant, k: int) -> float:
    """1.0 when any relevant id is in the top k."""
    rel = grades(relevant)
    return 1.0 if any(cid in rel for cid in first_distinct(ranking, k)) else 0.0


def mrr_at_k(ranking: Sequence[str], relevant: Relevant, k: int) -> float:
    """1 / rank of the first relevant id in the top k, else 0."""
    rel = grades(relevant)
    for rank, cid in enumerate(first_distinct(ranking, k), start=1):
        if cid in rel:
            return 1.0 / rank
    return 0.0


def recall_at_k(ranking: Sequence[str], relevant: Relevant, k: int) -> float:
    """The share of the relevant ids found in the top k (0 when nothing is relevant)."""
    rel = grades(relevant)
    if not rel:
        return 0.0
    return sum(1 for cid in first_distinct(ranking, k) if cid in rel) / len(rel)


def dcg(gains: Iterable[float]) -> float:
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, start=1))


def ndcg_at_k(ranking: Sequence[str], relevant: Relevant, k: int) -> float:
    """DCG of the top k over the DCG of the ideal top k; graded when ``relevant`` has grades."""
    rel = grades(relevant)
    ideal = dcg(sorted(rel.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(rel.get(cid, 0) for cid in first_distinct(ranking, k)) / ideal


def per_query(ranking: Sequence[str], relevant: Relevant,
              ks: Sequence[int] = DEFAULT_KS) -> dict[str, float]:
    """Every metric at every k for one query: ``hit@k``, ``mrr@k``, ``ndcg@k``, ``recall@k``."""
    out: dict[str, float] = {}
    for k in ks:
        out[f"hit@{k}"] = hit_at_k(ranking, relevant, k)
        out[f"mrr@{k}"] = mrr_at_k(ranking, relevant, k)
        out[f"ndcg@{k}"] = ndcg_at_k(ranking, relevant, k)
        out[f"recall@{k}"] = recall_at_k(ranking, relevant, k)
    return out


def evaluate(run: Mapping[str, Sequence[str]], relevant: Mapping[str, Relevant],
             ks: Sequence[int] = DEFAULT_KS) -> dict[str, float]:
    """Means over the judged queries (those with a relevant id); a judged query missing from the
    run counts as an empty ranking. ``queries`` in the result is how many were averaged."""
    judged = [qid for qid, rel in relevant.items() if grades(rel)]
    totals: dict[str, float] = {}
    for qid in judged:
        for name, value in per_query(run.get(qid, []), relevant[qid], ks).items():
            totals[name] = totals.get(name, 0.0) + value
    n = len(judged)
    means = {name: value / n for name, value in totals.items()} if n else {
        f"{m}@{k}": 0.0 for k in ks for m in ("hit", "mrr", "ndcg", "recall")}
    return {**means, "queries": float(n)}
