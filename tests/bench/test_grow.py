"""Benchmark stores are grown from real text: sentence splitting, passages, prefixes."""

from __future__ import annotations

from eval.grow import documents_for, passage_documents, passages, prose_sentences, real_sources


def test_split_sentences_separates_glued_headers_and_sentences():
    got = prose_sentences("Objective:The cluster grows fast.Scope:Firms join the test beds now. "
                          "Too short. And a final sentence with enough words.")
    assert got == ["The cluster grows fast.", "Firms join the test beds now.",
                   "And a final sentence with enough words."]


def test_passages_group_one_to_three_sentences():
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(10)]
    out = passages(sentences)
    assert all(1 <= p.count("Sentence number") <= 3 for p in out)
    assert " ".join(out) == " ".join(sentences)


def test_passage_documents_are_unique_and_interleave_sources(eval_data):
    sources = real_sources(eval_data)
    assert [s.key.split("/")[0] for s in sources][:2] == ["eu", "scifact"]
    texts = [u.text for d in passage_documents(sources) for u in d.units]
    assert len(texts) == len(set(t.lower() for t in texts))  # the second topic is a duplicate


def test_a_smaller_store_is_a_prefix_of_a_bigger_one(eval_data):
    sources = real_sources(eval_data)
    small, big = documents_for(5, sources), documents_for(9, sources)
    assert sum(len(d.units) for d in small) == 5
    small_texts = [u.text for d in small for u in d.units]
    big_texts = [u.text for d in big for u in d.units]
    assert big_texts[:5] == small_texts
