"""The answerer's weight fitting: pairwise logistic regression on labelled sentences."""

from __future__ import annotations

import numpy as np
import pytest

from eval.fit_answerer import Question, fit_pairwise, holds_fact, pairs, ranking_report

NAMES = ("signal", "noise")


def question(qid: str, split: str, rng: np.random.Generator, n: int = 8) -> Question:
    """A question whose fact sentence is the one with the highest ``signal``, ``noise`` random."""
    x = np.column_stack([rng.normal(size=n), rng.normal(size=n)])
    labels = np.zeros(n, dtype=bool)
    labels[int(np.argmax(x[:, 0]))] = True
    return Question(qid, split, x, labels, NAMES)


def test_pairs_weigh_every_question_the_same_and_skip_one_sided_questions():
    rng = np.random.default_rng(0)
    big, small = question("a", "tune", rng, n=20), question("b", "tune", rng, n=3)
    none = Question("c", "tune", np.ones((4, 2)), np.zeros(4, dtype=bool), NAMES)
    d, w = pairs([big, small, none])
    assert d.shape == (19 + 2, 2)  # one fact sentence against each other sentence
    assert w[:19].sum() == pytest.approx(1.0) and w[19:].sum() == pytest.approx(1.0)
    pos = big.features[big.labels][0]
    assert np.allclose(d[0], pos - big.features[~big.labels][0])


def test_pairs_refuse_data_without_any_contrast():
    none = Question("c", "tune", np.ones((4, 2)), np.zeros(4, dtype=bool), NAMES)
    with pytest.raises(ValueError):
        pairs([none])


def test_fit_finds_the_feature_that_marks_the_fact_sentence():
    rng = np.random.default_rng(1)
    tune = [question(f"t{i}", "tune", rng) for i in range(30)]
    held = [question(f"h{i}", "heldout", rng) for i in range(10)]
    coef = fit_pairwise(tune, l2=0.001)
    assert coef[0] > 0 and coef[0] > 5 * abs(coef[1])
    report = ranking_report(tune + held, coef, top=1)
    assert report["tune"]["top1"] >= 0.9 and report["heldout"]["top1"] >= 0.9
    assert report["heldout"]["questions"] == 10


def test_a_stronger_penalty_gives_smaller_weights():
    rng = np.random.default_rng(2)
    tune = [question(f"t{i}", "tune", rng) for i in range(20)]
    assert np.abs(fit_pairwise(tune, l2=1.0)).sum() < np.abs(fit_pairwise(tune, l2=0.001)).sum()


def test_a_fact_is_found_whatever_its_case_and_spacing():
    assert holds_fact("Each slot lasts 20  Minutes.", ["20 minutes"])
    assert not holds_fact("Each slot lasts twenty minutes.", ["20 minutes"])
