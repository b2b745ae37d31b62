"""The default answerer: grounded by construction. It picks the sentences of the top hits that
best answer the question and cites each one.

A sentence's score is a weighted sum of named features (``WEIGHTS``):

- ``lexical``, ``focus_lexical``: the idf-weighted share of the question's terms it uses, of the
  whole question and of its focus (the last question of a follow-up); terms the passage's title
  and section already share count for nothing: they are the topic, not the answer;
- ``answer_type``, ``counted``, ``number``: it holds the kind of answer the question asks for
  (an amount, a duration, a name: ``answer_type.py``), a number right before the counted thing
  ("how many companies" - "5 companies"), any figure at all;
- ``names_doc``: a question asking for a name ("which projects ...?") and a sentence naming its
  own document (the title up to its colon), e.g. "NordBatt Link was a 42-month project ...";
- ``emphasis``: the author set a phrase inside it in bold or italics ("pick **three to five
  challenges**"), which marks the key figure of a toolbox entry (final score only: in the
  preselection it cost a question its answer);
- ``lead_lexical``: like ``focus_lexical``, for what leads into it (the text before it on its
  line, or the line before it): a sentence that follows the one restating the question's
  situation ("When a CEO sends a junior manager to coaching ...") often holds the answer
  (final score only);
- ``hit_score``, ``rank``, ``intro``: how well its passage was retrieved, and whether the passage
  opens its document (a purpose section, a webinar's first minutes), which seldom holds specifics;
- ``length``; ``cosine``, ``focus_cosine``: its embedding's similarity to the question's and to the
  focus's.

A table row holding a figure ("| **Total** | **21 560** |") is a sentence, typed with its table's
header row ("| Cost item | EUR |": money); an answer quotes at most ``TABLE_ROWS`` rows of one
passage's tables. A label line ("Step 1 - AI readiness scan (free of charge)") is read together
with the sentence under it, which says what it stands for.

Scoring is two-stage: the cheap features keep the best ``PRESELECT`` sentences, and only those
get the cosine features. Their vectors were stored with their chunk at ingest (``kb.sentences``);
a store written by an older kb has none, and then these are embedded here. The weights were
fitted on the golden set's tune split (pairwise logistic regression: a sentence holding an
expected fact against one of the same question that does not; ``python -m eval.fit_answerer``
refits them), then checked on facts present. ``emphasis`` and ``lead_lexical`` were added later,
each with one weight swept on tune (facts present plateaus 0.4-2.0 and 0.4-1.0; 0.8 and 0.7
chosen), the others kept: a full refit with ``emphasis`` gained on tune but lost on held-out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from kb.answer.answer_type import PATTERNS, answer_type, focus
from kb.answer.citations import citation
from kb.lexical import LexicalIndex, tokenize
from kb.models import Citation, Hit
from kb.sentences import TABLE_ROW as _TABLE_ROW
from kb.sentences import candidates as answer_candidates
from kb.sentences import unpack

CHEAP = ("lexical", "focus_lexical", "answer_type", "counted", "number", "hit_score", "rank",
         "length", "intro", "names_doc", "emphasis", "lead_lexical")
WEIGHTS: dict[str, float] = {
    "lexical": 0.195, "focus_lexical": 1.041, "answer_type": 0.516, "counted": 0.61,
    "number": 0.545, "hit_score": 0.618, "rank": -0.063, "length": -0.193, "intro": -0.909,
    "names_doc": 0.296, "emphasis": 0.8, "lead_lexical": 0.7, "cosine": 0.5, "focus_cosine": 1.818,
}
# The preselection's own weights (cheap features only, fitted the same way): which sentences are
# worth embedding is a different question from which of them is best once embedded.
PRESELECT_WEIGHTS: dict[str, float] = {
    "lexical": 1.514, "focus_lexical": 6.804, "answer_type": 1.698, "counted": 2.228,
    "number": 2.209, "hit_score": 3.581, "rank": -0.197, "length": 0.27, "intro": -2.992,
}
# Sentences scored by cosine. With their vectors stored, scoring more is free, but it lost on
# tune: 14, 16, 20, 24, 48 and all with these weights each lost one tune question's facts
# (0.887 -> 0.873, held-out unchanged), and weights refitted on each pool did worse (tune 0.803
# at 24, 0.761 with all): the cheap preselection also keeps distractors out.
PRESELECT = 12
HITS_USED = 12
TABLE_ROWS = 2
_INTRO = re.compile(r"^\W*(?:purpose|background|introduction|context|about|overview)\b", re.I)
INTRO_SECONDS = 120.0  # the opening of a recording: welcome, introductions
# a figure or phrase the author set in bold or italics inside a sentence ("pick **three to five
# challenges**"), not a bold label opening it ("**Coaches:** a pool of ...")
_EMPHASIS = re.compile(r"(?<![*\w])\*{1,2}[^*\s][^*\n]*\*{1,2}(?![*\w])")


@dataclass
class Sentence:
    text: str
    hit_rank: int
    position: int
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    # stored at ingest (``kb.sentences``), else embedded when scored
    vector: np.ndarray | None = field(default=None, repr=False)

    def rescore(self, weights: dict[str, float] | None = None) -> float:
        weights = WEIGHTS if weights is None else weights
        self.score = sum(weights.get(k, 0.0) * v for k, v in self.features.items())
        return self.score


def answer(question: str, qvec: np.ndarray, hits: list[Hit], lexical: LexicalIndex, embedder,
           max_sentences: int = 4, asked: str | None = None) -> tuple[str, list[Citation], float]:
    """The answer text with ``[n]`` after each sentence, its citations, and the best sentence's
    cosine similarity to the question (a signal for abstention). ``question`` is what was
    searched (a follow-up combined with its parent); ``asked`` is the user's own words, the focus
    (default: the last question in ``question``)."""
    asked = (asked or focus(question)).strip()
    candidates = _candidates(question, hits, lexical, asked, dim=len(qvec))
    if not candidates:
        return "", [], 0.0
    pool = _preselect(candidates)
    _embed_missing(pool, embedder)
    vectors = np.stack([s.vector for s in pool])
    cosines = vectors @ qvec
    focused = _focus_vector(question, asked, embedder)
    focus_cosines = cosines if focused is None else vectors @ focused
    for s, cos, fcos in zip(pool, cosines, focus_cosines, strict=True):
        s.features["cosine"], s.features["focus_cosine"] = float(cos), float(fcos)
        s.rescore()
    best_cosine = float(cosines.max())
    pool.sort(key=lambda s: s.score, reverse=True)
    chosen: list[Sentence] = []
    for s in pool:
        if len(chosen) == max_sentences:
            break
        if not any(_similar(s.text, c.text) for c in chosen) \
                and _table_rows(s, chosen) < TABLE_ROWS:
            chosen.append(s)
    return _compose(chosen, hits) + (best_cosine,)


def _embed_missing(pool: list[Sentence], embedder) -> None:
    """Embed the sentences whose vectors were not stored (a store written by an older kb)."""
    missing = [s for s in pool if s.vector is None]
    if missing:
        vectors = embedder.embed_sentences([s.text for s in missing])
        for s, vec in zip(missing, vectors, strict=True):
            s.vector = np.asarray(vec, dtype=np.float32)


def _table_rows(s: Sentence, others: list[Sentence]) -> int:
    """How many rows of the same passage's tables ``others`` hold when ``s`` is a table row (0
    when it is not). An answer quotes at most ``TABLE_ROWS`` of them (more is the table itself,
    which its citation shows), and preselection keeps at most twice that, so that one table
    does not fill the sentences embedded."""
    if not _TABLE_ROW.match(s.text):
        return 0
    return sum(1 for c in others if c.hit_rank == s.hit_rank and _TABLE_ROW.match(c.text))


def _preselect(candidates: list[Sentence]) -> list[Sentence]:
    """The ``PRESELECT`` best candidates by their cheap score, at most ``2 * TABLE_ROWS`` rows
    of one passage's tables among them."""
    pool: list[Sentence] = []
    for s in sorted(candidates, key=lambda s: s.score, reverse=True):
        if len(pool) == PRESELECT:
            break
        if _table_rows(s, pool) < 2 * TABLE_ROWS:
            pool.append(s)
    return pool


def _focus_vector(question: str, asked: str, embedder) -> np.ndarray | None:
    """The embedding of the user's own question when it is not the whole query (a follow-up)."""
    if not WEIGHTS.get("focus_cosine"):
        return None
    return None if asked == question.strip() else embedder.embed_query(asked)


def _candidates(question: str, hits: list[Hit], lexical: LexicalIndex,
                asked: str, dim: int = 0) -> list[Sentence]:
    """Every sentence of the hits read, once, with its cheap features and score, and its vector
    when the hit's chunk has them stored (of ``dim`` dimensions: the question's)."""
    q_tokens = set(tokenize(question))
    q_weight = sum(lexical.idf(t) for t in q_tokens) or 1.0
    f_tokens = set(tokenize(asked))
    f_weight = sum(lexical.idf(t) for t in f_tokens) or 1.0
    wanted = answer_type(asked)
    top = hits[0].score if hits and hits[0].score > 0 else 1.0
    out: list[Sentence] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits[:HITS_USED]):
        # terms of the title and section are the topic every sentence of the chunk shares; the
        # terms a sentence adds beyond them are what makes it answer this question
        topic = set(tokenize(f"{hit.title} {hit.section or ''}"))
        intro = float(_is_intro(hit))
        name = hit.title.split(":")[0].strip().lower() if "name" in wanted.kinds else ""
        heading = " ".join(f"{hit.title} {hit.section or ''}".lower().split())
        sentences = answer_candidates(hit.text)
        stored = unpack(hit.sentence_vectors, dim, len(sentences))
        for j, (offset, text) in enumerate(sentences):
            key = " ".join(text.lower().split())
            if key in seen or key in heading:  # a heading repeated in the text says nothing new
                continue
            seen.add(key)
            terms = set(tokenize(text)) - topic
            typed = wanted.match(_with_table_header(hit.text, offset, text))
            s = Sentence(text, rank, offset, {
                "lexical": sum(lexical.idf(t) for t in q_tokens & terms) / q_weight,
                "focus_lexical": sum(lexical.idf(t) for t in f_tokens & terms) / f_weight,
                "answer_type": min(typed, 1.0),
                "counted": max(typed - 1.0, 0.0),
                "number": float(PATTERNS["figure"].search(text) is not None),
                "hit_score": hit.score / top,
                "rank": float(rank),
                "length": min(len(text.split()), 40) / 40,
                "intro": intro,
                "names_doc": float(bool(name) and name in text.lower()),
                "emphasis": float(_EMPHASIS.search(text, 1) is not None),
                "lead_lexical": sum(lexical.idf(t) for t in f_tokens & (set(tokenize(
                    _lead_in(hit.text, offset))) - topic)) / f_weight,
            }, vector=None if stored is None else stored[j])
            s.rescore(PRESELECT_WEIGHTS)
            out.append(s)
    return out


def _lead_in(text: str, offset: int) -> str:
    """What leads into the sentence at ``offset``: the text before it on its line, or, when it
    opens a line, the last non-empty line before it (an inline heading, "Step 1 - AI readiness
    scan (free of charge)", or the sentence that sets out the situation it answers)."""
    line_start = text.rfind("\n", 0, offset) + 1
    if text[line_start:offset].strip():
        return text[line_start:offset]
    end = line_start - 1
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        if text[start:end].strip():
            return text[start:end]
        end = start - 1
    return ""


def _with_table_header(text: str, offset: int, sentence: str) -> str:
    """A table row read with its table's header row, which names what its figures are ("| Cost
    item | EUR |" makes "| **Total** | **21 560** |" an amount of money); other sentences as they
    are."""
    if not _TABLE_ROW.match(sentence):
        return sentence
    header, end = sentence, offset
    while end > 0:
        start = text.rfind("\n", 0, end - 1) + 1
        line = text[start:end].strip()
        if not line.startswith("|"):
            break
        if not line.startswith("|-"):
            header = line
        end = start
    return sentence if header == sentence else f"{header} {sentence}"


def _is_intro(hit: Hit) -> bool:
    """The opening of a document (its purpose or background, a webinar's welcome) introduces the
    topic; it seldom holds the specific answer."""
    if hit.start is not None:
        return hit.start < INTRO_SECONDS
    return bool(hit.section and _INTRO.search(hit.section))


def _similar(a: str, b: str) -> bool:
    """Near-duplicates (the same point made twice, e.g. in a toolbox entry and its webinar)."""
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) >= 0.8


def _source_key(hit: Hit) -> str:
    """What one citation stands for: a whole document, or one passage when the citation names a
    page or a time span (two pages of one report are two citations)."""
    located = hit.page is not None or hit.start is not None
    return f"{hit.source}#{hit.chunk_id}" if located else hit.source


def _compose(chosen: list[Sentence], hits: list[Hit]) -> tuple[str, list[Citation]]:
    """Sentences in reading order (by source rank, then position); one citation per source (per
    passage for located sources)."""
    chosen.sort(key=lambda s: (s.hit_rank, s.position))
    numbers: dict[str, int] = {}
    spans: dict[str, list[Sentence]] = {}
    parts = []
    for s in chosen:
        key = _source_key(hits[s.hit_rank])
        n = numbers.setdefault(key, len(numbers) + 1)
        spans.setdefault(key, []).append(s)
        parts.append(f"{s.text.rstrip()} [{n}]")
    citations = []
    for key in numbers:
        best = max(spans[key], key=lambda s: s.score)  # its chunk gives the snippet
        hit = hits[best.hit_rank]
        same_chunk = [s for s in spans[key] if s.hit_rank == best.hit_rank]
        start = same_chunk[0].position
        end = max(s.position + len(s.text) for s in same_chunk)
        citations.append(citation(numbers[key], hit, hit.text[start:end]))
    return " ".join(parts), citations
