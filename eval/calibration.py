"""Abstention thresholds from the golden set's TUNE split.

``KnowledgeBase.ask`` abstains when the top hit's fused score is below ``abstain_threshold``, when
``abstain_unknown`` or more of the question's idf mass is in words the collection never uses, or
when no answer sentence reaches ``abstain_sentence`` (cosine to the query). The per-question
signals are the ones ``ask`` decided on (``Answer.signals``, kept by ``eval.golden``); this module
picks thresholds that first abstain on every out-of-scope question, then make the fewest false
abstentions. The held-out split is reported, never tuned on.
"""

from __future__ import annotations

from typing import Any

from eval.golden import QuestionResult
from kb.errors import UsageError

RULES = ("abstain_threshold", "abstain_unknown", "abstain_sentence")
NEVER = {"abstain_threshold": 0.0, "abstain_unknown": 1.01, "abstain_sentence": 0.0}


def abstains(r: QuestionResult, t: dict[str, float]) -> bool:
    """``ask``'s rule: a weak top hit, mostly unknown words, or no sentence near the question."""
    return (r.top_score < t.get("abstain_threshold", 0.0)
            or r.unknown_share >= t.get("abstain_unknown", NEVER["abstain_unknown"])
            or r.best_sentence < t.get("abstain_sentence", 0.0))


def outcome(results: list[QuestionResult], t: dict[str, float]) -> dict[str, int]:
    return {"oos_answered": sum(1 for r in results
                                if r.type == "out_of_scope" and not abstains(r, t)),
            "false_abstentions": sum(1 for r in results
                                     if r.type == "answerable" and abstains(r, t))}


def calibrate(results: list[QuestionResult], current: dict[str, float] | None = None
              ) -> dict[str, Any]:
    """Abstention thresholds from the TUNE split: first abstain on every out-of-scope question,
    then make the fewest false abstentions. ``threshold`` uses the top hit's fused score alone (the
    midpoint of the gap above the best OOS score); ``rules`` searches all three of ``ask``'s rules
    together. The held-out outcome is reported, never tuned on."""
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
    frontier = joint_rules(tune)
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
                    for name in ("top_score", "unknown_share", "best_sentence")},
        "rules": {"thresholds": rules, "tune": outcome(tune, rules),
                  "heldout": outcome(heldout, rules)},
        "frontier": [{"thresholds": t, "tune": outcome(tune, t), "heldout": outcome(heldout, t)}
                     for t in frontier],
        "oos_questions": [{"id": r.id, "question": r.question, "top_score": r.top_score,
                           "unknown_share": r.unknown_share, "best_sentence": r.best_sentence}
                          for r in tune if r.type == "out_of_scope"],
    }
    if current:
        out["current"] = {"thresholds": current, "tune": outcome(tune, current),
                          "heldout": outcome(heldout, current)}
    return out


def joint_rules(tune: list[QuestionResult], most: int = 3) -> list[dict[str, float]]:
    """The three thresholds together: entry ``m`` makes the fewest false abstentions while
    answering at most ``m`` out-of-scope questions (entry 0 abstains on all of them).

    Only values just past an OOS question's signal can change the outcome, so those are the
    candidates; ties go to the least strict setting, and each threshold is then moved to the
    middle of the gap where the tune outcome stays the same."""
    oos = [r for r in tune if r.type == "out_of_scope"]
    c1 = [0.0] + [r.top_score + 1e-4 for r in oos]
    c2 = [NEVER["abstain_unknown"]] + [r.unknown_share for r in oos]
    c3 = [0.0] + [r.best_sentence + 1e-4 for r in oos]
    best: dict[int, tuple[tuple[int, float], dict[str, float]]] = {}
    for t1 in c1:
        for t2 in c2:
            for t3 in c3:
                t = {"abstain_threshold": t1, "abstain_unknown": t2, "abstain_sentence": t3}
                o = outcome(tune, t)
                key = (o["false_abstentions"], t1 + t3 - t2)
                for m in range(o["oos_answered"], min(most, len(oos)) + 1):
                    if m not in best or key < best[m][0]:
                        best[m] = (key, t)
    return [_widen(best[m][1], tune) for m in sorted(best)]


def _widen(t: dict[str, float], tune: list[QuestionResult]) -> dict[str, float]:
    """Move each threshold to the middle of the range that keeps the same tune outcome."""
    attr = {"abstain_threshold": "top_score", "abstain_unknown": "unknown_share",
            "abstain_sentence": "best_sentence"}
    out = dict(t)
    for rule, name in attr.items():
        if t[rule] == NEVER[rule]:
            continue
        values = sorted({getattr(r, name) for r in tune})
        if rule == "abstain_unknown":  # abstain when >= t: the gap below t
            lower = max((v for v in values if v < t[rule]), default=0.0)
            out[rule] = round((lower + t[rule]) / 2, 4) if lower < t[rule] else t[rule]
            if outcome(tune, out) != outcome(tune, t):
                out[rule] = t[rule]
        else:  # abstain when < t: the gap above t
            lo = t[rule] - 1e-4
            upper = min((v for v in values if v >= t[rule]), default=lo + 2e-4)
            out[rule] = round((lo + upper) / 2, 4)
            if outcome(tune, out) != outcome(tune, t):
                out[rule] = round(t[rule], 4)
    return out


def _spread(scores: list[float]) -> dict[str, float | int]:
    n = len(scores)
    if not n:
        return {"n": 0}
    return {"n": n, "min": scores[0], "p10": scores[int(0.1 * (n - 1))],
            "median": scores[(n - 1) // 2], "max": scores[-1]}
