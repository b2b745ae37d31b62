"""BM25 scoring in kb.lexical: a repeated query term counts once, in the scores and in the bound."""

from __future__ import annotations

import numpy as np

from kb.lexical import SearchIndex, tokenize

TEXTS = [
    "Endoplasmic reticulum stress causes beta cell loss in diabetes.",
    "Stress markers in the liver after a high fat diet.",
    "Reticulum shape and membrane curvature in yeast.",
    "Insulin secretion from beta cells.",
]


def _index() -> SearchIndex:
    ids = [f"d{i}:0" for i in range(len(TEXTS))]
    return SearchIndex.build(ids, TEXTS, [i.split(":")[0] for i in ids], "g1")


def test_a_repeated_query_term_counts_once():
    lex = _index()
    once = tokenize("endoplasmic reticulum stress")
    twice = tokenize("endoplasmic reticulum stress, response to endoplasmic reticulum stress")
    assert len(twice) > len(set(twice)) and set(once) < set(twice)
    repeated = tokenize("stress stress stress")
    np.testing.assert_allclose(lex.scores(repeated), lex.scores(["stress"]))
    assert lex.max_score(repeated) == lex.max_score(["stress"])
    assert lex.max_score(twice) == lex.max_score(list(dict.fromkeys(twice)))


def test_repetition_does_not_change_the_ranking_or_the_normalised_scores():
    lex = _index()
    query = tokenize("reticulum stress reticulum")
    norm = lex.scores(query) / lex.max_score(query)
    plain = tokenize("reticulum stress")
    np.testing.assert_allclose(norm, lex.scores(plain) / lex.max_score(plain))
    assert int(np.argmax(norm)) == 0  # the chunk with both terms


def test_unknown_terms_score_nothing():
    lex = _index()
    assert not lex.scores(tokenize("quasar telescope")).any()
    assert lex.max_score(tokenize("quasar telescope")) == 1.0
