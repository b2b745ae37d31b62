"""eval.calibration: abstention thresholds from the tune split, on hand-made signals."""

from __future__ import annotations

import pytest

from eval import calibration


def test_calibrate_uses_tune_only(make_result):
    results = [make_result("a1", score=0.62), make_result("a2", score=0.48),
               make_result("a3", score=0.30),
               make_result("o1", type="out_of_scope", score=0.41),
               make_result("o2", type="out_of_scope", score=0.20),
               make_result("h1", split="heldout", type="out_of_scope", score=0.9)]  # never read
    cal = calibration.calibrate(results, current={"abstain_threshold": 0.35})
    # best OOS 0.41; the next answerable above it is 0.48: threshold (0.41 + 0.48) / 2 = 0.445
    assert cal["threshold"] == pytest.approx(0.445)
    assert cal["false_abstentions"] == 1 and cal["below_best_oos"] == ["a3"]
    # at 0.35: o1 (0.41) is answered, a3 (0.30) abstains; held out: h1 (0.9) is answered
    assert cal["current"]["tune"] == {"oos_answered": 1, "false_abstentions": 1}
    assert cal["current"]["heldout"] == {"oos_answered": 1, "false_abstentions": 0}


def test_calibrate_all_three_rules(make_result):
    # o1 scores like an answerable question but is mostly unknown words; o2 has no good sentence
    results = [make_result("a1", score=0.62, unknown=0.1, sentence=0.7),
               make_result("a2", score=0.30, unknown=0.0, sentence=0.5),
               make_result("o1", type="out_of_scope", score=0.50, unknown=0.8, sentence=0.6),
               make_result("o2", type="out_of_scope", score=0.35, unknown=0.2, sentence=0.3)]
    rules = calibration.calibrate(results)["rules"]
    assert rules["tune"] == {"oos_answered": 0, "false_abstentions": 0}
    t = rules["thresholds"]
    # unknown: any value in (0.2, 0.8] separates o1: the middle is 0.5; the fused score cannot
    # separate without losing a2 (0.30 < 0.35), so it stays off; the sentence rule takes o2
    # (0.3) in the gap up to a2's 0.5: the middle is 0.4
    assert t["abstain_unknown"] == pytest.approx(0.5)
    assert t["abstain_threshold"] == 0.0
    assert t["abstain_sentence"] == pytest.approx(0.4, abs=1e-3)


def test_calibrate_takes_the_unmatched_rule_for_near_misses(make_result):
    # o1 looks answerable on every other signal, but names something its sources do not hold
    results = [make_result("a1", score=0.62, sentence=0.7),
               make_result("a2", score=0.30, sentence=0.5, unmatched=0.0),
               make_result("o1", type="out_of_scope", score=0.45, sentence=0.65, unmatched=1.0),
               make_result("o2", type="out_of_scope", score=0.35, unknown=0.8, sentence=0.3),
               make_result("h1", split="heldout", type="out_of_scope", unmatched=0.5)]
    cal = calibration.calibrate(results)
    t = cal["rules"]["thresholds"]
    assert cal["rules"]["tune"] == {"oos_answered": 0, "false_abstentions": 0}
    assert t["abstain_unmatched"] == pytest.approx(0.5)  # the middle of (0.0, 1.0]
    assert cal["rules"]["heldout"] == {"oos_answered": 0, "false_abstentions": 0}
    assert set(cal["signals"]) == {"top_score", "unknown_share", "best_sentence", "unmatched"}


def test_the_sentence_rule_spares_questions_the_passages_cover(make_result):
    """``ask`` lets a low best sentence through when the passages read hold the question's words
    (``abstain_coverage``); calibration counts outcomes under the same gate, the one given."""
    results = [make_result("a1", score=0.6, sentence=0.7),
               make_result("a2", score=0.6, sentence=0.32, coverage=0.9),  # short, covered
               make_result("o1", type="out_of_scope", score=0.6, sentence=0.3, coverage=0.4)]
    current = {"abstain_sentence": 0.4}
    gated = calibration.calibrate(results, current=current, coverage=0.75)
    assert gated["current"]["tune"] == {"oos_answered": 0, "false_abstentions": 0}
    ungated = calibration.calibrate(results, current=current, coverage=1.01)
    assert ungated["current"]["tune"] == {"oos_answered": 0, "false_abstentions": 1}
    # and the searched rule separates o1 (0.3) from a1 (0.7) only: a2 never fires
    assert gated["rules"]["tune"] == {"oos_answered": 0, "false_abstentions": 0}
