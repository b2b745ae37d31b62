"""The sentences an answer can quote, scored, and the citations of the ones it quotes.

Every candidate sentence (``kb.sentences.quotable``) of the passages read is scored by one
rule: its embedding's cosine similarity to the question (the mean of its similarity to the
searched query and to the user's own words, which differ for a follow-up), plus small terms, each
one weight (measured in docs/decisions/14.md):

- ``LEXICAL``: the idf-weighted share of the question's own terms it holds beyond its passage's
  title and section (those name the topic that every sentence of the passage shares);
- ``PASSAGE``: how well its passage was retrieved, relative to the best passage;
- ``FIGURE``, ``TYPED``: it holds a figure, the type of answer asked for (``answer_type``: an
  amount, a duration, a date, a name, a number before the thing counted);
- ``LEAD``: the sentence before it is close to the question (it sets out the situation that
  this one answers); this ranks the sentences after the first only: the first sentence of an
  answer must answer on its own ("A full test costs ..." after "A quick test costs 25,000
  kronor." does not lead "How much does a quick test cost?");
- ``INTRO``: it opens its document (a purpose section, a recording's welcome), which seldom
  holds the specifics.

Sentence vectors were stored with their chunk at ingest (``kb.sentences``); a chunk from an
older store has them embedded here. Boilerplate (disclaimers, copyright and cookie notices,
navigation), talk that says nothing (``vocabulary.says_something``: "That's what I wanted to
share.") and questions are never answers.
``Citer`` numbers the sources in the order the answer quotes them, and makes each citation's
snippet the span of its chunk that the quoted sentences cover, so that it is verbatim stored text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kb.answer.answer_type import AnswerType
from kb.answer.citations import citation
from kb.answer.vocabulary import says_something
from kb.lexical import SearchIndex, tokenize
from kb.models import Citation, Hit
from kb.sentences import quotable, unpack

if TYPE_CHECKING:
    from kb.embedding import Embedder


# weights beside the cosine (each measured in docs/decisions/14.md)
LEXICAL = 0.5  # the question's own terms it holds
PASSAGE = 1.0  # its passage's retrieval score, relative to the best passage's
FIGURE = 0.2  # it holds a figure, when the question asks for one
TYPED = 0.2  # it holds the type of answer asked for (``answer_type``): an amount, a date, a name
INTRO = -0.4  # it opens its document (a purpose section, a recording's first minutes)
LEAD = 0.3  # the sentence before it is close to the question (it sets out the situation)
INTRO_SECONDS = 120.0
_FRAGMENT = re.compile(r"^[a-zåäö][^:\n|]*[^\W\d_]$")
_QUESTION = re.compile(r"\?[\"”')*]*$")
_INTRO = re.compile(r"^\W*(?:purpose|background|introduction|context|about|overview)\b", re.I)
_FIGURE = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"twenty|thirty|forty|fifty|hundred|thousand|million|half|twice|once)\b",
                     re.I)
_BOILERPLATE = re.compile(
    r"\b(?:disclaimer|all rights reserved|views (?:and opinions )?expressed|cookies?|"
    r"privacy (?:policy|notice)|terms of use|"
    r"skip to (?:main )?content|back to top|table of contents|for illustration only)\b|©|"
    r"\(c\) \d{4}|"
    r"\.{5,}|…{3,}|(?:\. ){5,}", re.I)  # the dot leaders of a table of contents


@dataclass
class Sentence:
    text: str
    hit: Hit
    offset: int  # in ``hit.text``
    cosine: float = 0.0  # to the searched query
    score: float = 0.0
    alone: float = 0.0  # the score without ``LEAD``: what the sentence says on its own
    vector: np.ndarray | None = field(default=None, repr=False)
    previous: Sentence | None = field(default=None, repr=False)  # the one before it, if kept


def is_boilerplate(sentence: str) -> bool:
    """A disclaimer, a copyright or cookie notice, navigation (a table of contents' line), or a
    fragment (the tail of a title broken over lines with the next heading glued to it:
    lower-case, no full stop, no label): never answer material."""
    return _BOILERPLATE.search(sentence) is not None or _FRAGMENT.match(sentence) is not None


def read(hits: list[Hit], terms: tuple[str, ...], lexical: SearchIndex, embedder: Embedder,
         qvec: np.ndarray, fvec: np.ndarray | None = None, figure: bool = False,
         wanted: AnswerType | None = None) -> list[Sentence]:
    """Every distinct candidate sentence of ``hits``, scored for the question (``qvec``: the
    searched query's vector, ``fvec``: the user's own words' when they differ; ``terms``: the
    user's own index terms; ``figure``: it asks for an amount, a count or a date; ``wanted``:
    the type of answer it asks for), best first: the best on its own (``Sentence.alone``), then
    the rest by their whole score. A question is not an answer (but it leads into one:
    ``LEAD``)."""
    out = _collect(hits, embedder, len(qvec))
    if not out:
        return []
    vectors = np.stack([s.vector for s in out])
    cos_q = vectors @ qvec
    cos = cos_q if fvec is None else (cos_q + vectors @ fvec) / 2
    lead = {id(s): float(c) for s, c in zip(out, cos, strict=True)}
    weights = {t: lexical.idf(t) for t in set(terms)}
    total = sum(weights.values()) or 1.0
    topics: dict[str, set[str]] = {}
    top = max((h.score for h in hits), default=1.0) or 1.0
    for s, cq, c in zip(out, cos_q, cos, strict=True):
        topic = topics.get(s.hit.chunk_id)
        if topic is None:
            topic = topics[s.hit.chunk_id] = set(tokenize(f"{s.hit.title} {s.hit.section or ''}"))
        held = set(tokenize(s.text)) - topic
        s.cosine = float(cq)
        s.score = float(c) + LEXICAL * sum(w for t, w in weights.items() if t in held) / total
        s.score += PASSAGE * s.hit.score / top + INTRO * _opens_document(s.hit)
        if figure and _FIGURE.search(s.text):
            s.score += FIGURE
        if wanted is not None:
            s.score += TYPED * wanted.match(s.text)
        s.alone = s.score
        s.score += LEAD * max(lead.get(id(s.previous), 0.0), 0.0)
    answers = [s for s in out if not _QUESTION.search(s.text)]
    answers.sort(key=lambda s: s.score, reverse=True)
    if answers:  # the first must answer on its own: LEAD only ranks the ones after it
        first = max(answers, key=lambda s: s.alone)
        answers.remove(first)
        answers.insert(0, first)
    return answers


def _collect(hits: list[Hit], embedder: Embedder, dim: int) -> list[Sentence]:
    """The distinct candidate sentences of the hits, each with its vector (stored, else
    embedded now) and the sentence before it in its passage."""
    out: list[Sentence] = []
    seen: set[str] = set()
    for hit in hits:
        heading = " ".join(f"{hit.title} {hit.section or ''}".lower().split())
        language = language_of(hit)
        found = quotable(hit.text)
        stored = unpack(hit.sentence_vectors, dim, len(found))
        previous = None
        for j, (offset, text) in enumerate(found):
            key = " ".join(text.lower().split())
            if key in seen or key in heading or is_boilerplate(text) \
                    or not says_something(text, language):
                continue
            seen.add(key)
            s = Sentence(text, hit, offset, vector=None if stored is None else stored[j],
                         previous=previous)
            out.append(s)
            previous = s
    _embed_missing(out, embedder)
    return out


def language_of(hit: Hit) -> str:
    """The language a passage's document is written in (detected at ingest), else English."""
    found = hit.metadata.get("language")
    found = found[0] if isinstance(found, list) and found else found
    return found if isinstance(found, str) and found else "en"


def _opens_document(hit: Hit) -> bool:
    """The opening of a document (its purpose or background, a recording's welcome) introduces
    the topic; it seldom holds the specific answer."""
    if hit.start is not None:
        return hit.start < INTRO_SECONDS
    return bool(hit.section and _INTRO.search(hit.section))


def _embed_missing(sentences: list[Sentence], embedder: Embedder) -> None:
    """Embed the sentences whose vectors were not stored (a store written by an older kb)."""
    missing = [s for s in sentences if s.vector is None]
    if missing:
        vectors = embedder.embed_sentences([s.text for s in missing])
        for s, vec in zip(missing, vectors, strict=True):
            s.vector = np.asarray(vec, dtype=np.float32)


def pick(ranked: list[Sentence], n: int, taken: list[Sentence] | None = None) -> list[Sentence]:
    """The ``n`` best sentences of ``ranked`` that repeat neither each other nor ``taken``."""
    chosen: list[Sentence] = []
    for s in ranked:
        if len(chosen) == n:
            break
        if not any(similar(s.text, c.text) for c in [*(taken or []), *chosen]):
            chosen.append(s)
    return chosen


def similar(a: str, b: str) -> bool:
    """Near-duplicates (the same point made twice, e.g. in a toolbox entry and its webinar)."""
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) >= 0.8


def source_key(hit: Hit) -> str:
    """What one citation stands for: a whole document, or one passage when the citation names a
    page or a time span (two pages of one report are two citations)."""
    located = hit.page is not None or hit.start is not None
    return f"{hit.source}#{hit.chunk_id}" if located else hit.source


class Citer:
    """Numbers sources in the order an answer quotes them; one citation per source (per passage
    for a located source), its snippet the span its quoted sentences cover in the best chunk."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._quoted: dict[str, list[Sentence]] = {}

    def cite(self, s: Sentence) -> int:
        key = source_key(s.hit)
        self._quoted.setdefault(key, []).append(s)
        return self._numbers.setdefault(key, len(self._numbers) + 1)

    def marked(self, s: Sentence) -> str:
        """The sentence with its ``[n]``."""
        return f"{s.text.rstrip()} [{self.cite(s)}]"

    def citations(self) -> list[Citation]:
        out = []
        for key, n in self._numbers.items():
            quoted = self._quoted[key]
            best = max(quoted, key=lambda s: s.score)
            same = sorted((s for s in quoted if s.hit.chunk_id == best.hit.chunk_id),
                          key=lambda s: s.offset)
            end = max(s.offset + len(s.text) for s in same)
            out.append(citation(n, best.hit, best.hit.text[same[0].offset:end]))
        return out
