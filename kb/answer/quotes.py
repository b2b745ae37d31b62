"""Answers that quote a named speaker: the sentences that speaker says in the retrieved windows
that best match the question, each as ``00:12:45 Karin Holm: sentence [n]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kb.answer.citations import citation
from kb.answer.discussion import Quote, label, lines, sentences
from kb.models import Citation, Hit
from kb.sentences import vectors_of

if TYPE_CHECKING:
    from kb.embedding import Embedder


QUOTES = 3


def speaker_quotes(hits: list[Hit], speakers: list[str], qvec: np.ndarray, embedder: Embedder,
                   n: int = QUOTES) -> list[Quote]:
    """Up to ``n`` sentences the speakers say in the timed hits, the most similar to the question
    first (each sentence once)."""
    wanted = {s.lower() for s in speakers}
    seen, pool = set(), []
    for h in hits:
        if h.start is None:
            continue
        for q in sentences(lines(h)):
            key = (round(q.start, 1), q.text)
            if q.speaker and q.speaker.lower() in wanted and key not in seen:
                seen.add(key)
                pool.append(q)
    if not pool:
        return []
    cos = vectors_of([(q.hit, q.text) for q in pool], embedder) @ qvec
    return [pool[i] for i in np.argsort(-cos, kind="stable")[:n]]


def compose_quotes(quotes: list[Quote]) -> tuple[str, list[Citation]]:
    """The quotes as labelled lines, one citation per window quoted (in order of first use)."""
    numbers: dict[str, int] = {}
    cites: list[Citation] = []
    parts = []
    for q in quotes:
        if q.hit.chunk_id not in numbers:
            numbers[q.hit.chunk_id] = len(numbers) + 1
            cites.append(citation(numbers[q.hit.chunk_id], q.hit, q.text))
        parts.append(f"{label(q)}{q.text} [{numbers[q.hit.chunk_id]}]")
    return "\n".join(parts), cites
