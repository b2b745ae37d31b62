"""When ``ask`` says "the knowledge base has nothing on this" instead of answering.

The signals (``kb.models.Signals``) are computed for every question and kept on the ``Answer``, so
the evaluation reads what ``ask`` decided on instead of recomputing it. The rule abstains when any
of these holds (thresholds in ``Settings``, calibrated on the golden set's tune split by
``eval.calibration``):

- ``top_score < abstain_threshold``: nothing in the collection matches the question well;
- ``unknown_share >= abstain_unknown``: much of the question is words the collection never uses
  ("capital of Australia");
- ``best_sentence < abstain_sentence``: no sentence of the passages read is close to the question.
"""

from __future__ import annotations

from kb.lexical import LexicalIndex, tokenize
from kb.models import Answer, Hit, Signals
from kb.settings import Settings

ABSTAIN_TEXT = ("The knowledge base has nothing on this. Try other words, or ask about cluster "
                "methods, projects or webinars it holds.")


def signals(question: str, hits: list[Hit], lexical: LexicalIndex,
            best_sentence: float) -> Signals:
    """The signals for ``question`` given the passages read and the best sentence's cosine."""
    return Signals(top_score=round(hits[0].score, 4) if hits else 0.0,
                   unknown_share=round(float(lexical.unknown_share(tokenize(question))), 4),
                   best_sentence=round(float(best_sentence), 4) if hits else 0.0)


def reason(sig: Signals, settings: Settings) -> str | None:
    """Why ``ask`` abstains on these signals, or None when it answers."""
    if sig.top_score < settings.abstain_threshold:
        return "weak best match"
    if sig.unknown_share >= settings.abstain_unknown:
        return "mostly unknown words"
    if sig.best_sentence < settings.abstain_sentence:
        return "no sentence near the question"
    return None


def abstained(question: str, sig: Signals | None = None, mode: str = "extractive") -> Answer:
    """The answer that says the knowledge base has nothing on this (no citations)."""
    return Answer(question=question, text=ABSTAIN_TEXT, citations=[], abstained=True, mode=mode,
                  signals=sig)
