"""When ``ask`` says "the knowledge base has nothing on this" instead of answering: judged once,
from the signals carried on the answer (``kb.models.Signals``), which the evaluation reads too.

The rule abstains when any of these holds (thresholds in ``Settings``):

- ``top_score < abstain_threshold``: nothing in the collection matches the question well;
- ``unknown_share >= abstain_unknown``: much of the question is words the collection never uses
  that are not ordinary words of the language either ("Who wrote Pippi Longstocking?";
  ``kb.answer.vocabulary``), so a small store still answers ordinary wording it never uses;
- ``best_sentence < abstain_sentence`` and ``coverage < abstain_coverage``: no sentence of the
  passages read is close to the question, and the first ``COVERED_BY`` passages do not hold most
  of its telling words either (a short question such as "What does Figure 3 give?" embeds far
  from every sentence; the passage about Figure 3 still holds its words);
- ``unmatched >= abstain_unmatched``: the question names something exactly (a proper name, a
  year, a place a fact is scoped to) that the answer's sources do not hold (``kb.answer.names``).
"""

from __future__ import annotations

from collections.abc import Sequence

from kb.answer import vocabulary
from kb.answer.extractive import Sentence
from kb.answer.names import unmatched_share
from kb.answer.question import Question
from kb.models import Answer, Citation, Hit, Signals
from kb.settings import Settings

COVERED_BY = 3  # the passages read whose words ``coverage`` counts

ABSTAIN_TEXT = ("The knowledge base has nothing on this. Try other words, or ask about cluster "
                "methods, projects or webinars it holds.")


def signals(question: Question, hits: Sequence[Hit], ranked: Sequence[Sentence],
            citations: Sequence[Citation]) -> Signals:
    """The signals of an answer: the passages read (``hits``), its candidate sentences
    (``ranked``) and the citations it would give."""
    best = max((s.cosine for s in ranked), default=0.0)
    read = [f"{h.title} {h.section or ''} {h.text}" for h in hits[:COVERED_BY]]
    return Signals(top_score=round(hits[0].score, 4) if hits else 0.0,
                   unknown_share=round(question.unknown_share, 4),
                   best_sentence=round(float(best), 4) if hits else 0.0,
                   unmatched=round(unmatched_share(question.exact, question.places, hits,
                                                   citations), 4),
                   coverage=round(vocabulary.coverage(question.words or question.query, read,
                                                      question.language), 4) if hits else 0.0)


def reason(sig: Signals, settings: Settings) -> str | None:
    """Why ``ask`` abstains on these signals, or None when it answers."""
    if sig.top_score < settings.abstain_threshold:
        return "weak best match"
    if sig.unknown_share >= settings.abstain_unknown:
        return "mostly unknown words"
    if sig.best_sentence < settings.abstain_sentence and sig.coverage < settings.abstain_coverage:
        return "no sentence near the question"
    if sig.unmatched >= settings.abstain_unmatched:
        return "a name or year the cited sources do not hold"
    return None


def abstained(question: str, sig: Signals | None = None, mode: str = "extractive",
              shape: str = "passage") -> Answer:
    """The answer that says the knowledge base has nothing on this (no citations)."""
    return Answer(question=question, text=ABSTAIN_TEXT, citations=[], abstained=True, mode=mode,
                  signals=sig, shape=shape)
