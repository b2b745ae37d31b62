"""When ``ask`` says "the knowledge base has nothing on this" instead of answering.

The signals (``kb.models.Signals``) are computed for every question and kept on the ``Answer``, so
the evaluation reads what ``ask`` decided on instead of recomputing it. The rule abstains when any
of these holds (thresholds in ``Settings``, calibrated on the golden set's tune split by
``eval.calibration``):

- ``top_score < abstain_threshold``: nothing in the collection matches the question well;
- ``unknown_share >= abstain_unknown``: much of the question is words the collection never uses
  ("capital of Australia");
- ``best_sentence < abstain_sentence``: no sentence of the passages read is close to the question;
- ``unmatched >= abstain_unmatched``: the question names something exactly, a proper name of two
  or more words that the answer's lead source (the best-ranked source it cites) does not hold,
  or a year that no cited source holds. These are the near misses the other three pass: every
  word is known and a sentence is close, but it is about another organisation or another year
  ("the membership fee of Clusters of Sweden" answered with some other cluster's fee; "Vinnova's
  next call in 2026" with a deadline that names no year).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.lexical import LexicalIndex, tokenize
from kb.models import Answer, Citation, Hit, Signals
from kb.settings import Settings

ABSTAIN_TEXT = ("The knowledge base has nothing on this. Try other words, or ask about cluster "
                "methods, projects or webinars it holds.")

_TOKEN = re.compile(r"[^\W_](?:[\w-]*[^\W_])?(?:['’]s\b)?|[^\w\s]")
_POSSESSIVE = re.compile(r"['’]s$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_JOINERS = frozenset({"of", "for"})  # "Clusters of Sweden"
_SENTENCE_END = frozenset(".?!:;")


def exact_terms(question: str) -> list[str]:
    """What a question names exactly: proper names of two or more capitalised words ("Mobile
    Heights", "Clusters of Sweden", "Östkust H2 Valley"; the first word of a sentence is not
    counted as capitalised, a possessive ends a name) and years ("2026"). In a question written in
    title case or capitals, capitals say nothing: only its years count."""
    words = [w for w in _TOKEN.findall(question) if w[0].isalpha()]
    rest = words[1:]
    shouting = len(rest) >= 4 and sum(w[0].isupper() for w in rest) > len(rest) / 2
    out: list[str] = []
    run: list[str] = []
    first = True

    def close() -> None:
        while run and run[-1].lower() in _JOINERS:
            run.pop()
        if sum(w.lower() not in _JOINERS for w in run) >= 2:
            out.append(" ".join(run))
        run.clear()

    for m in _TOKEN.finditer(question):
        tok = m.group(0)
        if not tok[0].isalnum():
            close()
            first = first or tok in _SENTENCE_END
            continue
        possessive = _POSSESSIVE.search(tok)
        word = tok[:possessive.start()] if possessive else tok
        if _YEAR.match(word) and not run:
            out.append(word)
        elif not first and not shouting and (word[0].isupper()
                            or (run and (word[0].isdigit() or word.lower() in _JOINERS))):
            run.append(word)
        else:
            close()
        if possessive:
            close()
        first = False
    close()
    return out


def unmatched_share(question: str, hits: Sequence[Hit], citations: Sequence[Citation]) -> float:
    """The share of the question's exact terms (``exact_terms``) that the answer's evidence does
    not hold; 0.0 when the question names nothing exactly. A term is held when its words are
    together in one passage read from a source (title, section, text or document fields):

    - a name, by the answer's lead source, the best-ranked source it cites: a near miss may cite
      a passage that names the thing ("Clusters of Sweden exists to ...") after leading with
      another organisation's fee, while an answer about the thing leads with it;
    - a year, by any cited source (a list of projects funded in 2023 may lead with another year).
    """
    terms = exact_terms(question)
    if not terms:
        return 0.0
    cited = {c.source for c in citations}
    lead = next((h.source for h in hits if h.source in cited), None)
    read = [(h.source, set(tokenize(_evidence_text(h)))) for h in hits if h.source in cited]
    missing = 0
    for term in terms:
        words = set(tokenize(term))
        year = _YEAR.match(term) is not None
        missing += not any(words <= p for source, p in read if year or source == lead)
    return missing / len(terms)


def _evidence_text(hit: Hit) -> str:
    fields = " ".join(str(v) for v in hit.metadata.values() if isinstance(v, (str, int)))
    return f"{hit.title} {hit.section or ''} {hit.text} {fields}"


def signals(question: str, hits: list[Hit], lexical: LexicalIndex, best_sentence: float,
            citations: Sequence[Citation] = ()) -> Signals:
    """The signals for ``question`` given the passages read, the best sentence's cosine and the
    citations of the answer that would be given."""
    return Signals(top_score=round(hits[0].score, 4) if hits else 0.0,
                   unknown_share=round(float(lexical.unknown_share(tokenize(question))), 4),
                   best_sentence=round(float(best_sentence), 4) if hits else 0.0,
                   unmatched=round(unmatched_share(question, hits, citations), 4))


def reason(sig: Signals, settings: Settings) -> str | None:
    """Why ``ask`` abstains on these signals, or None when it answers."""
    if sig.top_score < settings.abstain_threshold:
        return "weak best match"
    if sig.unknown_share >= settings.abstain_unknown:
        return "mostly unknown words"
    if sig.best_sentence < settings.abstain_sentence:
        return "no sentence near the question"
    if sig.unmatched >= settings.abstain_unmatched:
        return "a name or year the cited sources do not hold"
    return None


def abstained(question: str, sig: Signals | None = None, mode: str = "extractive") -> Answer:
    """The answer that says the knowledge base has nothing on this (no citations)."""
    return Answer(question=question, text=ABSTAIN_TEXT, citations=[], abstained=True, mode=mode,
                  signals=sig)
