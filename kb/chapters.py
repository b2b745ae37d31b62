"""Chapters of a recording: topical stretches found by comparing neighbouring windows (a
TextTiling-like method over embeddings), each titled by its most representative sentence.

For the gap after window ``i``, the similarity of the mean vector of the ``BLOCK`` windows before
it and of the ``BLOCK`` after it; a gap's depth is how far that similarity falls below the
highest similarity reachable by climbing left and right from it. Gaps deeper than mean - std / 2
of all depths (TextTiling's cutoff) end a chapter, deepest first, while every chapter keeps at
least ``MIN_WINDOWS`` windows and ``MIN_SECONDS`` seconds. A chapter's title is the sentence of
its most central window (closest to the chapter's mean vector) closest to that mean.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from kb.embedding import Embedder


# Chosen on QMSum (boundaries against the listed topics' starts, gain over evenly spaced ones,
# both halves of the meetings choose these; docs/decisions/18.md): about 5 chapters an hour.
BLOCK = 3
MIN_WINDOWS = 3
MIN_SECONDS = 480.0
TITLE_CHARS = 70
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_SPEAKER = re.compile(r"^[^:\n]{1,60}:\s+")
_FILLER = re.compile(r"^(?:(?:so|well|yeah|yes|okay|ok|um+|uh+|mm+|hmm+|and|but|right|now|i mean|"
                     r"you know|like)\b[\s,.]*)+", re.I)
_NOISE = re.compile(r"\{[^}]*\}|\[[^\]]*\]|<[^>]*>")  # {vocalsound}, [laughter], <tags>
_REPEAT = re.compile(r"\b(\w+)(?:\s*,?\s+\1\b)+", re.I)  # "I I I", "the , the"
_MIN_WORDS = 5


@dataclass
class Chapter:
    start: float
    end: float
    title: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def depths(vectors: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """The depth of each gap between neighbouring windows (``len(vectors) - 1`` gaps)."""
    n = len(vectors)
    if n < 2:
        return np.zeros(0, dtype=np.float32)
    sims = np.empty(n - 1, dtype=np.float32)
    for i in range(n - 1):
        left = vectors[max(0, i - block + 1):i + 1].mean(axis=0)
        right = vectors[i + 1:i + 1 + block].mean(axis=0)
        norm = float(np.linalg.norm(left) * np.linalg.norm(right)) or 1.0
        sims[i] = float(left @ right) / norm
    out = np.empty_like(sims)
    for i, s in enumerate(sims):
        out[i] = _climb(sims, i, -1) - s + _climb(sims, i, 1) - s
    return out


def _climb(sims: np.ndarray, i: int, step: int) -> float:
    """The highest similarity reached going from gap ``i`` in one direction while it rises."""
    best = sims[i]
    j = i + step
    while 0 <= j < len(sims) and sims[j] >= best:
        best = sims[j]
        j += step
    return float(best)


def boundaries(vectors: np.ndarray, starts: Sequence[float], ends: Sequence[float],
               min_windows: int = MIN_WINDOWS, min_seconds: float = MIN_SECONDS,
               block: int = BLOCK) -> list[int]:
    """Indexes of the windows that begin a chapter after the first (sorted)."""
    d = depths(np.asarray(vectors, dtype=np.float32), block)
    if not len(d):
        return []
    cutoff = float(d.mean() - d.std() / 2)
    cuts: list[int] = []
    for gap in sorted(range(len(d)), key=lambda g: -d[g]):
        if d[gap] <= 0 or d[gap] < cutoff:
            break
        begin = gap + 1
        edges = sorted([0, *cuts, begin, len(vectors)])
        if all(b - a >= min_windows and ends[b - 1] - starts[a] >= min_seconds
               for a, b in zip(edges, edges[1:], strict=False)):
            cuts.append(begin)
    return sorted(cuts)


def chapters(texts: Sequence[str], vectors: np.ndarray, starts: Sequence[float],
             ends: Sequence[float], embedder: Embedder) -> list[Chapter]:
    """The chapters of one recording from its windows in time order (text, vector, start, end).
    ``embedder.embed_sentences`` embeds the sentences of each chapter's central window."""
    if not len(texts):
        return []
    vectors = np.asarray(vectors, dtype=np.float32)
    edges = [0, *boundaries(vectors, starts, ends), len(texts)]
    out = []
    for a, b in zip(edges, edges[1:], strict=False):
        centre = vectors[a:b].mean(axis=0)
        central = a + int(np.argmax(vectors[a:b] @ centre))
        end = starts[b] if b < len(texts) else ends[b - 1]  # the next chapter's start
        out.append(Chapter(float(starts[a]), float(end), title(texts[central], centre, embedder)))
    return out


def title(text: str, centre: np.ndarray, embedder: Embedder) -> str:
    """The sentence of ``text`` closest to ``centre``, without its speaker and opening filler,
    cut to about ``TITLE_CHARS`` characters at a word."""
    sentences = [s for s in (_clean(x) for line in text.splitlines()
                             for x in _SENTENCE.split(_SPEAKER.sub("", line)))
                 if len(s.split()) >= _MIN_WORDS]
    if not sentences:
        return _cut(_clean(_SPEAKER.sub("", text.splitlines()[0] if text else "")))
    vecs = np.asarray(embedder.embed_sentences(sentences), dtype=np.float32)
    return _cut(sentences[int(np.argmax(vecs @ centre))])


def _clean(sentence: str) -> str:
    """A sentence without non-speech marks, stutters, opening filler and the spaces that
    tokenised transcripts put before punctuation ("I 'd , so")."""
    s = " ".join(_NOISE.sub(" ", sentence).split())
    s = re.sub(r" (?=[,.;:!?]|['’]\w)", "", s)
    s = _FILLER.sub("", _REPEAT.sub(r"\1", s)).strip(" ,")
    return s[:1].upper() + s[1:]


def _cut(sentence: str) -> str:
    sentence = sentence.rstrip(" .")
    if len(sentence) <= TITLE_CHARS:
        return sentence
    return sentence[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def dumps(found: Sequence[Chapter]) -> str:
    """Chapters as stored on a document record (a JSON string: records hold flat values)."""
    return json.dumps([c.to_dict() for c in found], ensure_ascii=False)


def loads(value: Any) -> list[Chapter]:
    """A record's chapters (a JSON string, or already a list), or [] when it has none."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    return [Chapter(float(c["start"]), float(c["end"]), str(c.get("title", "")))
            for c in value if isinstance(c, dict) and "start" in c and "end" in c]


def label(found: Sequence[Chapter], at: float | None) -> str | None:
    """'chapter 3 of 7: supplier qualification' for the chapter holding second ``at``."""
    if at is None or len(found) < 2:
        return None
    for n, c in enumerate(found, start=1):
        if at < c.end or n == len(found):
            return f"chapter {n} of {len(found)}: {c.title}"
    return None
