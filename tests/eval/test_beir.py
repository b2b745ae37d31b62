"""eval.beir on a tiny hand-made BEIR folder with the hash embedder (fast, no model)."""

from __future__ import annotations

import itertools

import pytest

from eval import beir
from kb.errors import UsageError


def test_load_beir(make_beir):
    data = beir.load_beir(make_beir())
    assert data.name == "tiny" and len(data.corpus) == 5
    assert set(data.queries) == {"q1", "q2", "q3"}  # only the queries judged in this split
    assert data.relevant["q1"] == {"c1": 1, "c5": 1}
    assert set(beir.load_beir(make_beir("t2"), split="train").queries) == {"q4"}


def test_load_beir_refuses_another_layout(tmp_path):
    with pytest.raises(UsageError, match="not a BEIR folder"):
        beir.load_beir(tmp_path)


def test_run_scores_three_modes_and_caches_the_store(make_beir, settings, hash_embedder):
    folder = make_beir()
    out = beir.run(folder, settings, embedder=hash_embedder)
    assert set(out["modes"]) == {"dense", "bm25", "hybrid"}
    assert set(out["modes"]["bm25"]) == {"ndcg@10", "recall@100", "mrr@10"}
    assert out["dataset"] == "tiny" and out["queries"] == 3 and not out["index"]["cached"]
    assert (settings.store / "beir" / "tiny").is_dir()
    # every relevant document is among 5: recall@100 is 1 in every mode
    assert all(m["recall@100"] == 1.0 for m in out["modes"].values())
    assert out["modes"]["bm25"]["mrr@10"] == 1.0
    again = beir.run(folder, settings, embedder=hash_embedder)
    assert again["index"]["cached"] and again["modes"] == out["modes"]


def test_candidate_pool_ranks_like_the_retriever(make_beir, settings, hash_embedder):
    """The tuning shortcut (one retrieval, many fusions) must rank exactly like ``search``."""
    from kb.api import KnowledgeBase
    from kb.retrieval import Retriever

    data = beir.load_beir(make_beir())
    beir.ensure_index(data, settings, hash_embedder)
    s = beir.beir_settings(settings, data.name)
    base = KnowledgeBase(s, embedder=hash_embedder).retriever
    for scope, method in itertools.product(beir.SCOPES, beir.FUSIONS):
        for w in (0.0, 0.3, 1.0):
            r = Retriever(base.store, hash_embedder,
                          s.with_(fusion=method, dense_weight=w, fusion_scope=scope))
            for text in data.queries.values():
                qvec = hash_embedder.embed_query(text)
                want = [h.source for h in r.search(text, k=100, max_per_doc=1, qvec=qvec)]
                got = beir.rank_pool(beir.candidate_pool(r, text, qvec), w, method, scope=scope)
                assert got == want, (scope, method, w, text)


def test_tune_sweeps_on_train_only(make_beir, settings, hash_embedder):
    folder = make_beir()
    with pytest.raises(UsageError, match="test split"):
        beir.tune(folder, settings, split="test", embedder=hash_embedder)
    out = beir.tune(folder, settings, embedder=hash_embedder)
    assert out["split"] == "train" and out["queries"] == 1
    # per scope (chunk, document): convex and minmax at 11 weights each, rrf once (no weight)
    assert len(out["rows"]) == 2 * 23
    assert {r["fusion_scope"] for r in out["rows"]} == {"chunk", "document"}
    assert out["best"]["ndcg@10"] == max(r["ndcg@10"] for r in out["rows"])


def test_weights():
    assert beir.weights() == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
