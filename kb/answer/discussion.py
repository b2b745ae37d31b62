"""Whole discussions in recordings: "Summarize the discussion about X", "What was decided about
X?" ask about a stretch of a meeting, not a sentence.

- ``discussion_topic`` says whether a question has that shape, and what it is about;
- ``merge_spans`` merges the strong retrieved windows (``RELATIVE``) of one recording that touch
  or lie within ``GAP_SECONDS`` of each other into spans (00:12:30-00:21:10), best span first;
- ``key_sentences`` picks the ``KEY_SENTENCES`` sentences of a span closest to the question and
  returns them in time order, each with its own time and speaker;
- ``compose`` writes them as ``00:13:05 Karin Holm: sentence [1]`` lines, citing the span once;
- ``span_hit`` is the whole span as one source, for an LLM.

All are pure functions of ``Hit``s (their text, times and ``times``/``speakers`` metadata from
``ingest.chunking``) and an embedder with ``embed_sentences``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kb.answer.citations import hh_mm_ss
from kb.answer.extractive import language_of
from kb.answer.vocabulary import says_something
from kb.models import Citation, Hit
from kb.sentences import split_sentences, vectors_of
from kb.speakers import as_list

if TYPE_CHECKING:
    from kb.embedding import Embedder


GAP_SECONDS = 60.0
# Only windows scoring at least this share of the best hit's score form spans: chosen on QMSum's
# "summarize the discussion" queries, best on both halves of the meetings (docs/decisions/18.md).
RELATIVE = 0.8
KEY_SENTENCES = 4
MIN_WORDS = 6

_TOPIC = r"(?P<topic>.+?)\s*[?.!]*\s*$"
_SHAPES = (
    re.compile(r"^\s*(?:please\s+|can you\s+|could you\s+)?(?:summari[sz]e|sum up|recap|give "
               r"(?:me\s+)?(?:a|an)\s+(?:summary|overview|recap)\s+of)\s+(?:the\s+|their\s+|our\s+)?"
               r"(?:\w+\s+)?(?:discussion|debate|conversation|talk|exchange|part|session)s?\s+"
               r"(?:about|on|of|regarding|around|concerning)\s+" + _TOPIC, re.I),
    re.compile(r"^\s*what\s+(?:was|were|has been|have been|did\s+(?:they|we|the\s+\w+(?:\s+\w+)?"
               r"|\w+))\s+(?:decided|agreed|concluded|decide|agree|conclude)(?:\s+(?:up)?on|\s+about"
               r"|\s+regarding|\s+concerning|\s+for)?\s+" + _TOPIC, re.I),
    re.compile(r"^\s*how\s+did\s+the\s+(?:discussion|debate|conversation)\s+(?:about|on|of)\s+"
               + _TOPIC, re.I),
)


def discussion_topic(question: str) -> str | None:
    """What a question about a whole discussion is about ("Summarize the discussion about the
    budget" -> "the budget"), or None when it has another shape."""
    for shape in _SHAPES:
        m = shape.match(question)
        if m and m.group("topic").strip():
            return m.group("topic").strip()
    return None


@dataclass
class Span:
    """Neighbouring windows of one recording, merged."""

    hits: list[Hit]
    start: float
    end: float
    score: float

    @property
    def lead(self) -> Hit:
        return self.hits[0]


def merge_spans(hits: list[Hit], gap: float = GAP_SECONDS,
                relative: float = RELATIVE) -> list[Span]:
    """Spans of the timed hits (recordings) that score at least ``relative`` x the best hit,
    best first: windows of one recording whose times touch, overlap or lie within ``gap``
    seconds are one span; a span scores the sum of its windows' scores (a long discussion that
    many windows match outranks one stray window)."""
    best = max((h.score for h in hits), default=0.0)
    by_doc: dict[str, list[Hit]] = {}
    for h in hits:
        if h.start is not None and h.page is None and h.score >= relative * best:
            by_doc.setdefault(h.doc_id, []).append(h)
    spans = []
    for doc_hits in by_doc.values():
        doc_hits.sort(key=lambda h: h.start)
        current = [doc_hits[0]]
        for h in doc_hits[1:]:
            if h.start <= _end(current) + gap:
                current.append(h)
            else:
                spans.append(_span(current))
                current = [h]
        spans.append(_span(current))
    return sorted(spans, key=lambda s: -s.score)


def _end(hits: list[Hit]) -> float:
    return max(h.end if h.end is not None else h.start for h in hits)


def _span(hits: list[Hit]) -> Span:
    return Span(hits, float(hits[0].start), float(_end(hits)), round(sum(h.score for h in hits), 6))


@dataclass
class Line:
    """One speaker line of a window: its start, speaker, text, and the window it came from."""

    start: float
    speaker: str | None
    text: str
    hit: Hit = field(repr=False)


def lines(hit: Hit) -> list[Line]:
    """A window's lines with their start times (``times`` metadata; else shared out by words over
    the window) and speakers (a line names its speaker when the speaker changes)."""
    raw = [x for x in hit.text.split("\n") if x.strip()]
    times = [float(t) for t in as_list(hit.metadata.get("times"))]
    if len(times) != len(raw):
        times = _shared_out(raw, float(hit.start or 0.0), float(hit.end or hit.start or 0.0))
    known = set(as_list(hit.metadata.get("speakers"))) | ({hit.speaker} if hit.speaker else set())
    out, speaker = [], None
    for text, t in zip(raw, times, strict=True):
        head, sep, rest = text.partition(": ")
        if sep and head in known:
            speaker, text = head, rest
        out.append(Line(t, speaker, text, hit))
    return out


def _shared_out(raw: list[str], start: float, end: float) -> list[float]:
    words = [len(x.split()) for x in raw]
    total, done, out = max(sum(words), 1), 0, []
    for w in words:
        out.append(start + (end - start) * done / total)
        done += w
    return out


def span_lines(span: Span) -> list[Line]:
    """The span's lines in time order, each once (overlapping windows repeat lines)."""
    seen, out = set(), []
    for line in sorted((x for h in span.hits for x in lines(h)), key=lambda x: x.start):
        key = (round(line.start, 1), line.text)
        if key not in seen:
            seen.add(key)
            out.append(line)
    return out


@dataclass
class Quote:
    """A sentence said at ``start`` by ``speaker``, verbatim text of ``hit``."""

    start: float
    speaker: str | None
    text: str
    hit: Hit


def sentences(span_lines_: list[Line]) -> list[Quote]:
    """The answerable sentences of these lines (``kb.sentences``): of at least ``MIN_WORDS``,
    and saying something (``vocabulary.says_something``: not "That's what I wanted to
    share.")."""
    return [Quote(line.start, line.speaker, s, line.hit) for line in span_lines_
            for _, s in split_sentences(line.text)
            if len(s.split()) >= MIN_WORDS and says_something(s, language_of(line.hit))]


def key_sentences(span: Span, qvec: np.ndarray, embedder: Embedder,
                  n: int = KEY_SENTENCES) -> list[Quote]:
    """The ``n`` sentences of the span most similar to the question, in time order."""
    pool = sentences(span_lines(span))
    if not pool:
        return []
    cos = vectors_of([(q.hit, q.text) for q in pool], embedder) @ qvec
    chosen = np.argsort(-cos, kind="stable")[:n]
    return [pool[int(i)] for i in sorted(chosen, key=lambda i: pool[int(i)].start)]


def label(q: Quote) -> str:
    """``00:13:05 Karin Holm: `` (or just the time when the speaker is unknown)."""
    return f"{hh_mm_ss(q.start)} {q.speaker}: " if q.speaker else f"{hh_mm_ss(q.start)} "


def compose(span: Span, quotes: list[Quote], n: int = 1) -> tuple[str, Citation]:
    """The quotes as ``label sentence [n]`` lines, and the one citation of the whole span (its
    snippet the first quote, verbatim text of ``chunk_id``, the window it comes from)."""
    text = "\n".join(f"{label(q)}{q.text} [{n}]" for q in quotes)
    lead = quotes[0].hit if quotes else span.lead
    snippet = quotes[0].text if quotes else lead.text
    cite = Citation(n=n, source=lead.source, title=lead.title, kind=lead.kind, snippet=snippet,
                    score=round(span.score, 4), start=span.start, end=span.end,
                    chunk_id=lead.chunk_id)
    return text, cite


def span_hit(span: Span) -> Hit:
    """The whole span as one source (for an LLM): its lines in time order, labelled."""
    body = "\n".join(f"[{hh_mm_ss(x.start)}] {x.speaker + ': ' if x.speaker else ''}{x.text}"
                     for x in span_lines(span))
    lead = span.lead
    return Hit(doc_id=lead.doc_id, chunk_id=lead.chunk_id, source=lead.source, title=lead.title,
               kind=lead.kind, text=body, score=span.score, start=span.start, end=span.end,
               metadata=dict(lead.metadata))
