"""Answers shaped for recordings, chosen by the question: a whole discussion
(``kb.answer.discussion``) or a named speaker's words (``kb.answer.quotes``). ``ask`` calls
``shape`` after retrieval; None means the usual extractive answer stands."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.answer import discussion, quotes
from kb.models import Citation, Hit


@dataclass
class Shaped:
    text: str
    citations: list[Citation]
    sources: list[Hit]  # what an LLM reads instead of the hits: the whole span first


def search_query(question: str) -> str:
    """What to search for: a discussion's topic ("Summarize the discussion about X" -> X)."""
    return discussion.discussion_topic(question) or question


def shape(question: str, qvec: np.ndarray, hits: list[Hit], speakers: list[str],
          embedder) -> Shaped | None:
    if discussion.discussion_topic(question):
        spans = discussion.merge_spans(hits)
        if spans:
            chosen = discussion.key_sentences(spans[0], qvec, embedder)
            if chosen:
                text, cite = discussion.compose(spans[0], chosen)
                rest = [h for h in hits if h not in spans[0].hits]
                return Shaped(text, [cite], [discussion.span_hit(spans[0]), *rest[:5]])
    if speakers:
        said = quotes.speaker_quotes(hits, speakers, qvec, embedder)
        if said:
            text, cites = quotes.compose_quotes(said)
            return Shaped(text, cites, hits[:6])
    return None
