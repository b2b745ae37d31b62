"""How known a question's words are: to the store, and to the language.

A word the store never uses says that the question is about something else only when it is not
an ordinary word of the language: "How is the cluster board composed?" is answerable from a store
of ten documents that never writes "composed", while "Jupiter" or "Pippi Longstocking" in a store
about clusters is a question about something else. So a word counts as unknown when the store
does not hold it and it is rare in general English (``wordfreq``'s Zipf frequency below
``ORDINARY_ZIPF``) or written as a name (capitalised, not opening the question). This does not
depend on how big the store is: in a small store most ordinary words are unused.

``says_something`` asks it of a sentence: a short one (``TALK_WORDS``) whose every word is among
the language's most common ones ("That's what I wanted to share.", "I call this meeting to
order.") and that holds no figure is talk, not content, and is never quoted as an answer. (A
longer sentence of common words can say something: "Every company is asked to present its
experience at one member event, so that others can learn from it.")

``coverage`` asks the same of the passages an answer is read from: how much of the question they
hold, each word weighed by how rare it is in the language (``RARE_ZIPF``), so that "How many circles
to draw?" is covered by a passage on drawing circles even when no single sentence of it embeds
close to the question, and "How do I bake Swedish cinnamon buns?" is not covered by a passage on
Swedish clusters.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

# Zipf 3.0: one use per million words ("composed" 4.3, "worth" 5.2, "voucher" 3.5, "moons" 3.4;
# "longstocking" 2.0)
ORDINARY_ZIPF = 3.0
# A word's weight in ``coverage``: how rare it is in the language, 7 - Zipf ("the" 7.7, "cluster"
# 4.5, "circles" 4.3, "cinnamon" 3.6; an unlisted word 7), at least 0.5.
RARE_ZIPF = 7.0
# Zipf 5.0: one use per hundred thousand words ("share" 5.0, "pitfalls" 3.1, "weekly" 4.6); a
# sentence of at most TALK_WORDS words with no rarer word and no figure says nothing
COMMON_ZIPF = 5.0
TALK_WORDS = 10
_WORD = re.compile(r"[^\W_]+")
_FIGURE = re.compile(  # a number, a month: a figure or a date however common its words
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|million|half|twice|january|february|march|april|may|june|july|"
    r"august|september|october|november|december)\b", re.I)


# wordfreq's code for each language kb stems (kb.lexical.STEMMERS)
WORDFREQ = {"en": "en", "sv": "sv", "no": "nb", "da": "da", "fi": "fi", "de": "de"}


@lru_cache(maxsize=8192)
def zipf(word: str, language: str = "en") -> float:
    """``wordfreq``'s Zipf frequency of a word in a language (0.0 for a word it does not know).
    Its 'small' list holds the words used at least once per million (Zipf >= 3.0 =
    ``ORDINARY_ZIPF``), all that ``ordinary`` asks, and loads in a fraction of the time."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, WORDFREQ.get(language, "en"), wordlist="small")


def ordinary(word: str, language: str = "en") -> bool:
    """A common word of the language, written in lower case."""
    return word.islower() and zipf(word, language) >= ORDINARY_ZIPF


def unknown_share(text: str, lexical) -> float:
    """The share of the question's idf mass carried by words that are unknown (see the module's
    docstring) to ``lexical`` (a ``kb.lexical.SearchIndex``), in the store's language the
    question fits best (a Swedish question in a store with Swedish documents is read as
    Swedish); 0.0 for a question without content words."""
    return read(text, lexical)[0]


def read(text: str, lexical) -> tuple[float, str]:
    """``unknown_share`` of ``text``, and the store language it fits best (ties: the first of
    ``lexical.languages``)."""
    return min((_unknown_share(text, lexical, lang), lang) for lang in lexical.languages)


def says_something(sentence: str, language: str = "en") -> bool:
    """The sentence is longer than ``TALK_WORDS``, or holds a figure or a word less common than
    ``COMMON_ZIPF`` in its language."""
    return len(sentence.split()) > TALK_WORDS or _FIGURE.search(sentence) is not None or any(
        zipf(w, language) < COMMON_ZIPF for w in _WORD.findall(sentence.lower()))


def coverage(text: str, passages: list[str], language: str = "en") -> float:
    """The share of the question's words (stop words aside) that ``passages`` hold, each word
    weighed by how rare it is in ``language`` (``RARE_ZIPF`` - its Zipf frequency, at least
    0.5); 1.0 for a question without content words."""
    from kb.lexical import tokenize_as

    held = {t for p in passages for t in tokenize_as(p, language)}
    weights: dict[str, float] = {}  # stemmed term -> the weight of its rarest word
    for word in _WORD.findall(text.lower()):
        for term in tokenize_as(word, language):  # nothing for a stop word
            weights[term] = max(weights.get(term, 0.0), RARE_ZIPF - zipf(word, language), 0.5)
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in held) / total if total else 1.0


def _unknown_share(text: str, lexical, language: str) -> float:
    from kb.lexical import DEFAULT_LANGUAGE, stopwords, tokenize_as

    unseen = math.log(1.0 + (len(lexical) + 0.5) / 0.5)
    stop = stopwords(language)
    weights: dict[str, tuple[float, bool]] = {}
    for i, m in enumerate(_WORD.finditer(text)):
        word = m.group(0)
        if word.lower() in stop:
            continue
        terms = tokenize_as(word, language)
        if language != DEFAULT_LANGUAGE:
            terms = lexical.neighbours(terms)  # Nordic definite endings: "klustret" ~ "kluster"
        for term in terms:
            known = term in lexical.df
            if known:
                weights[term] = (lexical.idf(term), False)
            elif term not in weights:
                name = word[:1].isupper() and i > 0 and len(word) > 1  # not "I"
                stem = term.partition(":")[2] or term  # "webinars" -> "webinar"
                common = ordinary(word.lower(), language) or ordinary(stem, language)
                weights[term] = (unseen, name or not common)
    total = sum(w for w, _ in weights.values())
    return sum(w for w, unknown in weights.values() if unknown) / total if total else 0.0
