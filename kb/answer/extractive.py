"""The default answerer: grounded by construction. It picks the sentences of the top hits that
best answer the question and cites each one.

Sentence scoring is two-stage so that a question never embeds every candidate sentence: a cheap
lexical pre-score (idf-weighted overlap with the question, plus the hit's own score) keeps the best
``PRESELECT`` sentences; only those are embedded and scored by cosine similarity to the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from kb.answer.citations import citation
from kb.lexical import LexicalIndex, tokenize
from kb.models import Citation, Hit

# Weights of the sentence score, chosen on the golden set's tune split (eval: facts present).
W_COSINE, W_SPECIFIC, W_HIT, W_RANK = 1.0, 0.3, 0.15, 0.01
PRESELECT = 16
HITS_USED = 12
_SENTENCE = re.compile(r"(?:[^\n.!?]|[.!?](?![\s\"”)]|$))*(?:[.!?]+[\"”)]?(?=\s|$)|\n|$)")
_SPEAKER = re.compile(r"^[A-ZÅÄÖ][\w.'’-]*(?:\s+[\w.'’-]+){0,4}:\s+")
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d+[.)])\s+")


@dataclass
class Sentence:
    text: str
    hit_rank: int
    position: int
    lexical: float = 0.0
    score: float = 0.0


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; every sentence is a verbatim span of ``text``."""
    out = []
    for m in _SENTENCE.finditer(text):
        span = m.group(0)
        stripped = span.strip()
        if not stripped:
            continue
        lead = len(span) - len(span.lstrip())
        sentence, start = stripped, m.start() + lead
        for pattern in (_SPEAKER, _BULLET):
            cut = pattern.match(sentence)
            if cut:
                sentence, start = sentence[cut.end():], start + cut.end()
        words = len(sentence.split())
        heading = sentence[-1:] not in ".!?:;)\"”" and words < 8
        if words >= 4 and not heading and not sentence.startswith(("#", "|---")):
            out.append((start, sentence))
    return out


def answer(question: str, qvec: np.ndarray, hits: list[Hit], lexical: LexicalIndex, embedder,
           max_sentences: int = 4) -> tuple[str, list[Citation], float]:
    """The answer text with ``[n]`` after each sentence, its citations, and the best sentence's
    cosine similarity to the question (a signal for abstention)."""
    q_tokens = set(tokenize(question))
    q_weight = sum(lexical.idf(t) for t in q_tokens) or 1.0
    top = hits[0].score if hits and hits[0].score > 0 else 1.0
    candidates: list[Sentence] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits[:HITS_USED]):
        # terms of the title and section are the topic every sentence of the chunk shares; the
        # terms a sentence adds beyond them are what makes it answer this question
        topic = set(tokenize(f"{hit.title} {hit.section or ''}"))
        for offset, text in split_sentences(hit.text):
            key = " ".join(text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            specific = q_tokens & set(tokenize(text)) - topic
            s = Sentence(text, rank, offset)
            s.lexical = sum(lexical.idf(t) for t in specific) / q_weight
            s.score = W_SPECIFIC * s.lexical + W_HIT * hit.score / top - W_RANK * rank
            candidates.append(s)
    if not candidates:
        return "", [], 0.0
    candidates.sort(key=lambda s: s.score, reverse=True)
    pool = candidates[:PRESELECT]
    cosines = embedder.embed_sentences([s.text for s in pool]) @ qvec
    for s, cos in zip(pool, cosines):
        s.score += W_COSINE * float(cos)
    pool.sort(key=lambda s: s.score, reverse=True)
    chosen: list[Sentence] = []
    chunk_of: dict[str, int] = {}
    for s in pool:
        if len(chosen) == max_sentences:
            break
        hit = hits[s.hit_rank]
        located = hit.page is not None or hit.start is not None
        if located and chunk_of.get(hit.source, s.hit_rank) != s.hit_rank:
            continue  # a page or a time span is cited: every sentence must come from that passage
        if not any(_similar(s.text, c.text) for c in chosen):
            chosen.append(s)
            chunk_of.setdefault(hit.source, s.hit_rank)
    return _compose(chosen, hits) + (float(cosines.max()),)


def _similar(a: str, b: str) -> bool:
    """Near-duplicates (the same point made twice, e.g. in a toolbox entry and its webinar)."""
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) >= 0.8


def _compose(chosen: list[Sentence], hits: list[Hit]) -> tuple[str, list[Citation]]:
    """Sentences in reading order (by source rank, then position); one citation per source."""
    chosen.sort(key=lambda s: (s.hit_rank, s.position))
    numbers: dict[str, int] = {}
    spans: dict[str, list[Sentence]] = {}
    parts = []
    for s in chosen:
        hit = hits[s.hit_rank]
        n = numbers.setdefault(hit.source, len(numbers) + 1)
        spans.setdefault(hit.source, []).append(s)
        text = s.text.rstrip()
        parts.append(f"{text} [{n}]")
    citations = []
    for source, n in numbers.items():
        best = max(spans[source], key=lambda s: s.score)  # its chunk gives the page or the time
        hit = hits[best.hit_rank]
        same_chunk = [s for s in spans[source] if s.hit_rank == best.hit_rank]
        start = same_chunk[0].position
        end = max(s.position + len(s.text) for s in same_chunk)
        citations.append(citation(n, hit, hit.text[start:end]))
    return " ".join(parts), citations
