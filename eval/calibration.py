"""Abstention thresholds from the golden set's TUNE split.

``KnowledgeBase.ask`` abstains (``kb.answer.abstain``) when the top hit's fused score is below
``abstain_threshold``, when ``abstain_unknown`` or more of the question's idf mass is in words the
collection never uses, when no answer sentence reaches ``abstain_sentence`` (cosine to the query)
unless the first passages read hold ``abstain_coverage`` of its words (that gate is ``ask``'s
setting, given to ``calibrate``, not searched), or when ``abstain_unmatched`` or more of the
names, places and years the question states are not in the answer's sources. The per-question
signals are the ones ``ask`` decided on (``Answer.signals``, kept by ``eval.golden``); this module
picks thresholds that first abstain on every out-of-scope question, then make the fewest false
abstentions. The held-out split is reported, never tuned on.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from eval.golden import QuestionResult
from kb.errors import UsageError
from kb.settings import Settings

# setting -> (the signal it reads, how): "below" abstains when signal < t, "at_least" when >= t
RULES = {"abstain_threshold": ("top_score", "below"),
         "abstain_unknown": ("unknown_share", "at_least"),
         "abstain_sentence": ("best_sentence", "below"),
         "abstain_unmatched": ("unmatched", "at_least")}
NEVER = {"abstain_threshold": 0.0, "abstain_unknown": 1.01, "abstain_sentence": 0.0,
         "abstain_unmatched": 1.01}


COVERAGE = Settings().abstain_coverage  # ``ask``'s default gate of the sentence rule


def signal_of(r: QuestionResult, rule: str, coverage: float = COVERAGE) -> float:
    """The signal ``rule`` reads for ``r``; the sentence rule never fires on a question whose
    passages cover it (``r.coverage`` at least the gate ``coverage``)."""
    if rule == "abstain_sentence" and r.coverage >= coverage:
        return math.inf
    return getattr(r, RULES[rule][0])


def fires(rule: str, value: float, t: float) -> bool:
    return value < t if RULES[rule][1] == "below" else value >= t


def abstains(r: QuestionResult, t: dict[str, float], coverage: float = COVERAGE) -> bool:
    """``ask``'s rule: any of the rules given in ``t`` fires (a rule not given never does)."""
    return any(fires(rule, signal_of(r, rule, coverage), t[rule]) for rule in RULES if rule in t)


def outcome(results: list[QuestionResult], t: dict[str, float],
            coverage: float = COVERAGE) -> dict[str, int]:
    return {"oos_answered": sum(1 for r in results
                                if r.type == "out_of_scope" and not abstains(r, t, coverage)),
            "false_abstentions": sum(1 for r in results
                                     if r.type == "answerable" and abstains(r, t, coverage))}


def calibrate(results: list[QuestionResult], current: dict[str, float] | None = None,
              coverage: float = COVERAGE) -> dict[str, Any]:
    """Abstention thresholds from the TUNE split: first abstain on every out-of-scope question,
    then make the fewest false abstentions. ``threshold`` uses the top hit's fused score alone (the
    midpoint of the gap above the best OOS score); ``rules`` searches all three of ``ask``'s rules
    together, under ``ask``'s coverage gate ``coverage``. The held-out outcome is reported, never
    tuned on."""
    tune = [r for r in results if r.split == "tune"]
    heldout = [r for r in results if r.split == "heldout"]
    ans = sorted(r.top_score for r in tune if r.type == "answerable")
    oos = sorted(r.top_score for r in tune if r.type == "out_of_scope")
    if not ans or not oos:
        raise UsageError("calibration needs answerable and out-of-scope questions "
                         "in the tune split")
    ceiling = oos[-1]
    above = [s for s in ans if s > ceiling]
    threshold = round((ceiling + above[0]) / 2, 4) if above else round(ceiling + 1e-4, 4)
    frontier = joint_rules(tune, coverage=coverage)
    rules = frontier[0]
    out: dict[str, Any] = {
        "split": "tune", "answerable": _spread(ans), "out_of_scope": _spread(oos),
        "threshold": threshold, "false_abstentions": sum(1 for s in ans if s < threshold),
        "below_best_oos": [r.id for r in tune
                           if r.type == "answerable" and r.top_score <= ceiling],
        "signals": {name: {"answerable": _spread(sorted(getattr(r, name) for r in tune
                                                         if r.type == "answerable")),
                           "out_of_scope": _spread(sorted(getattr(r, name) for r in tune
                                                           if r.type == "out_of_scope"))}
                    for name, _ in RULES.values()},
        "rules": {"thresholds": rules, "tune": outcome(tune, rules, coverage),
                  "heldout": outcome(heldout, rules, coverage)},
        "frontier": [{"thresholds": t, "tune": outcome(tune, t, coverage),
                      "heldout": outcome(heldout, t, coverage)} for t in frontier],
        "oos_questions": [{"id": r.id, "question": r.question,
                           **{name: getattr(r, name) for name, _ in RULES.values()}}
                          for r in tune if r.type == "out_of_scope"],
    }
    if current:
        out["current"] = {"thresholds": current, "tune": outcome(tune, current, coverage),
                          "heldout": outcome(heldout, current, coverage)}
    return out


def joint_rules(tune: list[QuestionResult], most: int = 3,
                coverage: float = COVERAGE) -> list[dict[str, float]]:
    """All the rules together: entry ``m`` makes the fewest false abstentions while answering at
    most ``m`` out-of-scope questions (entry 0 abstains on all of them).

    Only values just past an OOS question's signal can change the outcome, so those are the
    candidates; ties go to the least strict setting, and each threshold is then moved to the
    middle of the gap where the tune outcome stays the same."""
    oos = [r for r in tune if r.type == "out_of_scope"]
    signal = {rule: [signal_of(r, rule, coverage) for r in tune] for rule in RULES}
    candidates = {rule: [NEVER[rule]] + sorted({_past(rule, v) for r in oos
                                                if (v := signal_of(r, rule, coverage)) != math.inf})
                  for rule in RULES}
    # which questions each candidate abstains on, as bit masks over ``tune``
    masks = {rule: {t: sum(1 << i for i, v in enumerate(signal[rule]) if fires(rule, v, t))
                    for t in values}
             for rule, values in candidates.items()}
    is_oos = sum(1 << i for i, r in enumerate(tune) if r.type == "out_of_scope")
    is_ans = sum(1 << i for i, r in enumerate(tune) if r.type == "answerable")
    best: dict[int, tuple[tuple[int, float], dict[str, float]]] = {}
    for combo in itertools.product(*candidates.values()):
        t = dict(zip(candidates, combo, strict=True))
        hit = 0
        for rule, value in t.items():
            hit |= masks[rule][value]
        answered = (is_oos & ~hit).bit_count()
        key = ((is_ans & hit).bit_count(), _strictness(t))
        for m in range(answered, min(most, len(oos)) + 1):
            if m not in best or key < best[m][0]:
                best[m] = (key, t)
    return [_widen(best[m][1], tune, coverage) for m in sorted(best)]


def _past(rule: str, value: float) -> float:
    """The least strict threshold that still fires on ``value``."""
    return round(value + 1e-4, 4) if RULES[rule][1] == "below" else value


def _strictness(t: dict[str, float]) -> float:
    return sum(v if RULES[rule][1] == "below" else -v for rule, v in t.items())


def _widen(t: dict[str, float], tune: list[QuestionResult],
           coverage: float = COVERAGE) -> dict[str, float]:
    """Move each threshold to the middle of the range that keeps the same tune outcome."""
    out = dict(t)
    for rule, (_, how) in RULES.items():
        if t[rule] == NEVER[rule]:
            continue
        values = sorted({v for r in tune if (v := signal_of(r, rule, coverage)) != math.inf})
        if how == "at_least":  # abstain when >= t: the gap below t
            lower = max((v for v in values if v < t[rule]), default=0.0)
            out[rule] = round((lower + t[rule]) / 2, 4) if lower < t[rule] else t[rule]
            if outcome(tune, out, coverage) != outcome(tune, t, coverage):
                out[rule] = t[rule]
        else:  # abstain when < t: the gap above t
            lo = t[rule] - 1e-4
            upper = min((v for v in values if v >= t[rule]), default=lo + 2e-4)
            out[rule] = round((lo + upper) / 2, 4)
            if outcome(tune, out, coverage) != outcome(tune, t, coverage):
                out[rule] = round(t[rule], 4)
    return out


def _spread(scores: list[float]) -> dict[str, float | int]:
    n = len(scores)
    if not n:
        return {"n": 0}
    return {"n": n, "min": scores[0], "p10": scores[int(0.1 * (n - 1))],
            "median": scores[(n - 1) // 2], "max": scores[-1]}
