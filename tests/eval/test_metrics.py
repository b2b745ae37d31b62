"""eval.metrics on hand-computed examples (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import pytest

from eval.metrics import evaluate, hit_at_k, mrr_at_k, ndcg_at_k, per_query, recall_at_k

RANKING = ["d1", "d2", "d3", "d4", "d5"]
RELEVANT = {"d2", "d4", "d9"}  # d9 is never retrieved


def test_hit_at_k():
    assert hit_at_k(RANKING, RELEVANT, 1) == 0.0  # top 1 = [d1]: nothing relevant
    assert hit_at_k(RANKING, RELEVANT, 2) == 1.0  # top 2 holds d2
    assert hit_at_k(RANKING, set(), 5) == 0.0


def test_mrr_at_k():
    assert mrr_at_k(RANKING, RELEVANT, 10) == 0.5  # first relevant (d2) at rank 2: 1/2
    assert mrr_at_k(RANKING, RELEVANT, 1) == 0.0  # cut at 1: no relevant id
    assert mrr_at_k(["x", "y", "d4"], RELEVANT, 3) == pytest.approx(1 / 3)


def test_recall_at_k():
    assert recall_at_k(RANKING, RELEVANT, 3) == pytest.approx(1 / 3)  # d2 of {d2, d4, d9}
    assert recall_at_k(RANKING, RELEVANT, 5) == pytest.approx(2 / 3)  # d2, d4
    assert recall_at_k(RANKING, set(), 5) == 0.0


def test_ndcg_binary():
    # DCG@5 = 1/log2(2+1) + 1/log2(4+1) = 0.630930 + 0.430677 = 1.061606
    # ideal: 3 relevant ids at ranks 1..3: 1/log2(2) + 1/log2(3) + 1/log2(4) = 1 + 0.630930 + 0.5
    #        = 2.130930; nDCG@5 = 1.061606 / 2.130930 = 0.498189
    assert ndcg_at_k(RANKING, RELEVANT, 5) == pytest.approx(0.498189, abs=1e-6)
    # @2: DCG = 0.630930; ideal@2 = 1 + 0.630930 = 1.630930; 0.630930 / 1.630930 = 0.386853
    assert ndcg_at_k(RANKING, RELEVANT, 2) == pytest.approx(0.386853, abs=1e-6)


def test_ndcg_graded():
    qrels = {"d1": 1, "d3": 2, "d7": 0}  # grade 0 = judged not relevant
    # DCG@3 of [d1, d2, d3] = 1/log2(2) + 0 + 2/log2(4) = 1 + 1 = 2
    # ideal: grades sorted [2, 1] = 2/log2(2) + 1/log2(3) = 2 + 0.630930 = 2.630930
    # nDCG@3 = 2 / 2.630930 = 0.760188
    assert ndcg_at_k(["d1", "d2", "d3"], qrels, 3) == pytest.approx(0.760188, abs=1e-6)
    assert ndcg_at_k(["d3", "d1"], qrels, 10) == pytest.approx(1.0)  # the ideal order
    assert ndcg_at_k(["d7"], qrels, 10) == 0.0  # grade 0 earns nothing


def test_duplicates_count_once():
    # [d1, d1, d2] is read as [d1, d2]: d2 is at rank 2, so MRR 1/2 and it is in the top 2
    assert mrr_at_k(["d1", "d1", "d2"], {"d2"}, 10) == 0.5
    assert hit_at_k(["d1", "d1", "d2"], {"d2"}, 2) == 1.0
    assert recall_at_k(["d2", "d2"], {"d2", "d3"}, 10) == 0.5


def test_per_query_names():
    got = per_query(RANKING, RELEVANT, ks=(1, 5))
    assert set(got) == {f"{m}@{k}" for m in ("hit", "mrr", "ndcg", "recall") for k in (1, 5)}


def test_evaluate_means_over_judged_queries():
    run = {"q1": ["a", "b"], "q2": ["c", "b"], "q3": ["z"]}
    relevant = {"q1": {"a"}, "q2": {"b"}, "q3": set(), "q4": {"x"}}
    got = evaluate(run, relevant, ks=(1, 10))
    # judged: q1, q2, q4 (q3 has nothing relevant and is left out; q4 was not run: empty ranking)
    assert got["queries"] == 3
    # hit@1: q1 1, q2 0, q4 0 -> 1/3;  MRR@10: (1 + 1/2 + 0) / 3 = 0.5
    assert got["hit@1"] == pytest.approx(1 / 3)
    assert got["mrr@10"] == pytest.approx(0.5)
    # nDCG@10: q1 1; q2 (1/log2 3) / 1 = 0.630930; q4 0 -> (1 + 0.630930) / 3 = 0.543643
    assert got["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 3)
    assert got["recall@10"] == pytest.approx(2 / 3)


def test_evaluate_accepts_graded_qrels():
    # BEIR qrels: {qid: {cid: grade}}
    got = evaluate({"q": ["d2", "d1"]}, {"q": {"d1": 1, "d2": 0}}, ks=(1, 10))
    # d2 is judged not relevant: first relevant at rank 2
    assert got["mrr@10"] == 0.5 and got["hit@1"] == 0.0 and got["recall@10"] == 1.0


def test_evaluate_empty():
    assert evaluate({}, {}, ks=(10,))["ndcg@10"] == 0.0
