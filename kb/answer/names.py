"""Names, places and years a question states exactly, and whether an answer's sources hold them
(``unmatched_share``): the near misses that every other signal passes ("the membership fee of
Clusters of Sweden" answered with another cluster's fee; "what a cluster manager earns in Germany"
with sentences about cluster managers elsewhere; "Vinnova's next call in 2026" with a deadline that
names no year).

A place counts only when the question asks for a fact: "How do clusters in Finland run
matchmaking?" asks for a method, which the toolbox's entries from other countries answer in
general, with citations that say where each comes from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.lexical import fold, tokenize
from kb.models import Citation, Hit

_TOKEN = re.compile(r"[^\W_](?:[\w-]*[^\W_])?(?:['’]s\b)?|[^\w\s]")
_POSSESSIVE = re.compile(r"['’]s$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_WORD = re.compile(r"[^\W_]+")
_JOINERS = frozenset({"of", "for"})  # "Clusters of Sweden"
_SENTENCE_END = frozenset(".?!:;")
# a place the question is scoped to follows one of these ("in Denmark", "from Norway")
_SCOPE = frozenset({"in", "at", "from", "across", "within", "outside", "throughout"})
_LIST = frozenset({"or", "and", ","})  # "in Germany or Sweden", "in Sweden, Norway and Denmark"
_CALENDAR = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split())
# the forms of a country name that no suffix rule derives (``same_place``)
_IRREGULAR = tuple(frozenset(g.split()) for g in (
    "denmark danish dane danes", "sweden swedish swede swedes", "norway norwegian norwegians",
    "finland finnish finn finns", "netherlands dutch holland", "poland polish pole poles",
    "france french", "spain spanish spaniard spaniards", "switzerland swiss",
    "britain british uk", "england english", "scotland scottish scots", "wales welsh",
    "ireland irish", "portugal portuguese", "greece greek greeks", "belgium belgian belgians",
    "czechia czech", "turkey turkish"))
_PLACE_SUFFIXES = ("n", "an", "ian", "ese", "ic", "y", "s", "ns")  # Lithuania-n, German-y, Ital-ian
_METHOD = re.compile(r"\bhow\b|\bways? (?:to|of)\b", re.I)
# a question word or an auxiliary verb: a follow-up without one ("And in Denmark?") asks whatever
# the question before it asked, which ``signals`` does not see
_ASKS = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|can|could|"
                   r"do|does|did|has|have|had|will|would|should|may|must)\b", re.I)


def exact_terms(question: str) -> list[str]:
    """What a question names exactly: proper names of two or more capitalised words ("Mobile
    Heights", "Clusters of Sweden", "Östkust H2 Valley"; the first word of a sentence is not
    counted as capitalised, a possessive ends a name) and years ("2026"). In a question written in
    title case or capitals, capitals say nothing: only its years count."""
    shouting = _shouting(question)
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


def places(question: str, shape: str = "fact") -> list[str]:
    """The places a question asking for a fact is scoped to: a single capitalised word right after
    "in", "at", "from" ... ("in Denmark", "from Norway or Sweden"), not a sentence's first word,
    an acronym ("in the EU"), a month or the first word of a longer name ("in Mobile Heights" is
    ``exact_terms``'s). A question that asks how something is done names none: a method from
    another country still answers it. Nor does a follow-up that does not say what it asks ("And
    in Denmark?" may follow "How do clusters run matchmaking?")."""
    last = _last(question)
    if (_shouting(question) or (shape != "fact" and _METHOD.search(last))
            or not _ASKS.search(last)):
        return []
    tokens = _TOKEN.findall(question)
    out: list[str] = []
    first, scoped, last_place = True, False, False
    for i, tok in enumerate(tokens):
        possessive = _POSSESSIVE.search(tok)
        word = tok[:possessive.start()] if possessive else tok
        following = tokens[i + 1] if i + 1 < len(tokens) and not possessive else ""
        is_place = (scoped and not first and _place_like(word)
                    and not (following[:1].isupper() or following[:1].isdigit()))
        if is_place:
            out.append(word)
        scoped = (word.lower() in _SCOPE or (is_place and not possessive)
                  or (last_place and word.lower() in _LIST))
        last_place = is_place or (last_place and word.lower() in _LIST)
        first = tok in _SENTENCE_END or (first and not tok[0].isalnum())
    return out


def _last(question: str) -> str:
    """The last question of the text (a follow-up after its parent)."""
    parts = [p.strip() for p in re.findall(r"[^?]+\?|[^?]+$", question) if p.strip()]
    return parts[-1] if parts else question


def _shouting(question: str) -> bool:
    """Title case or capitals: most words after the first are capitalised."""
    rest = [w for w in _TOKEN.findall(question) if w[0].isalpha()][1:]
    return len(rest) >= 4 and sum(w[0].isupper() for w in rest) > len(rest) / 2


def _place_like(word: str) -> bool:
    return (len(word) > 1 and word[0].isupper() and word[1:] == word[1:].lower()
            and not any(c.isdigit() for c in word) and word.lower() not in _CALENDAR)


def same_place(a: str, b: str) -> bool:
    """Whether two words name the same place in any inflection: "Lithuania"/"Lithuanian",
    "Germany"/"German", "Italy"/"Italian", and the irregular "Denmark"/"Danish",
    "Netherlands"/"Dutch" (case-insensitive)."""
    a, b = a.lower(), b.lower()
    if a == b or any(a in group and b in group for group in _IRREGULAR):
        return True
    return _derives(a, b) or _derives(b, a)


def _holds_place(words: set[str], place: str) -> bool:
    """``same_place`` against a set of lower-cased words: only the irregular forms and the
    words that start like the place can match."""
    p = fold(place.lower())
    if p in words or any(p in group and group & words for group in _IRREGULAR):
        return True
    return any(same_place(p, w) for w in words if w[:3] == p[:3])


def _derives(a: str, b: str) -> bool:
    return len(a) >= 4 and any(b == stem + suffix for stem in (a, a[:-1])
                               for suffix in _PLACE_SUFFIXES)


def unmatched_share(terms: Sequence[str], where: Sequence[str], hits: Sequence[Hit],
                    citations: Sequence[Citation]) -> float:
    """The share of the exact ``terms`` (``exact_terms``) and places (``places``) that the
    answer's evidence does not hold; 0.0 when the question names nothing exactly. A term is held
    when its words are together in one passage read from a source (title, section, text or
    document fields):

    - a name or a place, by the answer's lead source, the best-ranked source it cites: a near
      miss may cite a passage that names the thing ("Clusters of Sweden exists to ...", "clusters
      in Germany and Poland") after leading with another organisation's fee or another country's
      figure, while an answer about the thing leads with it; a place in any inflection
      (``same_place``: "in Denmark" is held by "a Danish cluster");
    - a year, by any cited source (a list of projects funded in 2023 may lead with another year).
    """
    if not terms and not where:
        return 0.0
    cited = {c.source for c in citations}
    lead = next((h.source for h in hits if h.source in cited), None)
    read = [(h.source, set(tokenize(_evidence_text(h)))) for h in hits
            if terms and h.source in cited]
    missing = 0
    for term in terms:
        words = set(tokenize(term))
        year = _YEAR.match(term) is not None
        missing += not any(words <= p for source, p in read if year or source == lead)
    if where:
        lead_words = {fold(w) for h in hits if h.source == lead
                      for w in _WORD.findall(_evidence_text(h).lower())}
        missing += sum(not _holds_place(lead_words, place) for place in where)
    return missing / (len(terms) + len(where))


def _evidence_text(hit: Hit) -> str:
    fields = " ".join(str(v) for v in hit.metadata.values() if isinstance(v, (str, int)))
    return f"{hit.title} {hit.section or ''} {hit.text} {fields}"


