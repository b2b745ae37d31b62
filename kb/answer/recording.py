"""Answers shaped for recordings, chosen by the question: a whole discussion
(``kb.answer.discussion``) or a named speaker's words (``kb.answer.quotes``). ``ask`` calls
``shape`` after retrieval; None means the answer of the question's shape stands."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kb.answer import discussion, quotes
from kb.answer.compose import Draft
from kb.models import Hit

if TYPE_CHECKING:
    from kb.answer.question import Question
    from kb.embedding import Embedder


def search_query(question: str) -> str:
    """What to search for: a discussion's topic ("Summarize the discussion about X" -> X)."""
    return discussion.discussion_topic(question) or question


def shape(q: Question, qvec: np.ndarray, hits: list[Hit], embedder: Embedder) -> Draft | None:
    """A whole discussion's key sentences ("summarize the discussion about X"), or a named
    speaker's words; None when the question asks neither or the passages hold neither."""
    if q.shape == "discussion":
        spans = discussion.merge_spans(hits)
        if spans:
            chosen = discussion.key_sentences(spans[0], qvec, embedder)
            if chosen:
                text, cite = discussion.compose(spans[0], chosen)
                rest = [h for h in hits if h not in spans[0].hits]
                return Draft(text, [cite], shape="discussion",
                             sources=[discussion.span_hit(spans[0]), *rest[:5]])
    if q.speakers and q.shape != "list":  # "which webinars did X host?" lists documents
        said = quotes.speaker_quotes(hits, list(q.speakers), qvec, embedder)
        if said:
            text, cites = quotes.compose_quotes(said)
            return Draft(text, cites, shape="passage", sources=hits[:6])
    return None
