"""eval.smallstore: the deterministic choice of each small store's documents, and a run on the
tiny golden set with the hash embedder."""

from __future__ import annotations

from eval import golden, smallstore


def test_store_documents_are_own_plus_a_fixed_choice_of_others():
    every = [f"d{i}.md" for i in range(30)]
    docs = smallstore.store_documents(["d3.md"], every, others=10)
    assert "d3.md" in docs and len(docs) == 11
    assert docs == smallstore.store_documents(["d3.md"], every, others=10)
    assert docs != smallstore.store_documents(["d4.md"], every, others=10)
    assert smallstore.store_documents(["d1.md"], every[:5], others=10) == every[:5]


def test_groups_keep_follow_ups_with_their_parent_and_spread_oos():
    items = [golden.GoldenItem("a", "q", ["x.md"]),
             golden.GoldenItem("b", "q", ["x.md"], follow_up_of="a"),
             golden.GoldenItem("c", "q", ["y.md"]),
             golden.GoldenItem("o1", "q", [], type="out_of_scope"),
             golden.GoldenItem("o2", "q", [], type="out_of_scope")]
    every = ["x.md", "y.md", "z.md"]
    got = smallstore.groups(items, every)
    chains = [[i.id for i in c] for cs in got.values() for c in cs]
    assert ["a", "b"] in chains and ["a"] in chains and ["c"] in chains
    assert ["o1"] in chains and ["o2"] in chains
    assert all(len(docs) == 3 for docs in got)  # 1 own + the 2 others there are


def test_small_store_run(golden_set, settings, hash_embedder):
    corpus, gold = golden_set
    out = smallstore.run(settings.with_(abstain_threshold=0.0), gold, corpus,
                         embedder=hash_embedder)
    assert out["answerable"] == 3 and out["out_of_scope"] == 1
    assert out["documents_per_store"] == [3]  # the tiny corpus has only three documents
    assert out["false_abstention"] is not None and out["abstention_oos"] is not None
    assert (settings.store / "eval-small" / "store-000").is_dir()


def test_small_store_cli(golden_set, tmp_path, hash_model, capsys, monkeypatch):
    from kb.cli import main

    corpus, gold = golden_set
    monkeypatch.setenv("KB_ABSTAIN_THRESHOLD", "0")
    rc = main(["eval", "--small-store", "--golden", str(gold), "--corpus", str(corpus),
               "--store", str(tmp_path / "s"), "--results", str(tmp_path / "res")])
    assert rc == 0
    out = capsys.readouterr().out
    assert "Small-store variants of the golden set: 1 stores of [3] documents" in out
    assert (tmp_path / "res" / "golden-small-store.json").is_file()
