"""Answer sentences: the one splitter shared by ingest and the answerer, and each chunk's stored
sentence vectors.

The extractive answerer (``kb.answer.extractive``) scores the sentences of the passages it reads
by their embedding's similarity to the question. Embedding them at question time was about two
thirds of an ``ask``, so ingest embeds every chunk's candidate sentences (``quotable``: the
sentences the answerer reads, label lines joined to the sentence under them) with the answerer's
own call (``embed_sentences``) and stores them in the chunk's metadata (``SENTENCE_KEY``: int8,
base64): they are written and deleted with their chunk and come back with its text. A chunk
without them (a store written by an older kb) has its sentences embedded at question time.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from kb.embedding import Embedder

# Bump the number when ``quotable`` changes what it returns: vectors stored by another splitter
# are then never read against the wrong sentences (the answerer embeds instead).
SENTENCE_KEY = "kb_sv2"

_SENTENCE = re.compile(r"(?:[^\n.!?]|[.!?](?![\s\"”)]|$))*(?:[.!?]+[\"”)]?(?=\s|$)|\n|$)")
_SPEAKER = re.compile(r"^[A-ZÅÄÖ][\w.'’-]*(?:\s+[\w.'’-]+){0,4}:\s+")
# a list item's mark: a dash, star or number, or a bullet glyph (a PDF's symbol-font bullets are
# private-use characters, often with no space after them)
_BULLET = re.compile(r"^\s*(?:(?:[-*•–]|\d+[.)])\s+|[▪◦●■□➢➤►◆‣⁃∙✓✔\ue000-\uf8ff]\s*)")
# "Funding: SEK 2 480 000", "**Project duration:** February 2024 - January 2027",
# "Stiftelsen IMIT - coordinator": a short line without a full stop that still states a fact
_FIELD = re.compile(r"^\W{0,2}[\w ()/'’&-]{2,40}?(?::\W{0,2}|\s[-–]\s)\s*\S")
_AMOUNT_FIRST = re.compile(r"\W{0,2}(?:EUR|SEK|NOK|DKK|USD|GBP|[€$£])\s?\d")
# a table row holding a figure is a record, like a field: "| **Total** | **21 560** |"
TABLE_ROW = re.compile(r"^\|.*\d.*\|$")


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
        is_field = _FIELD.match(sentence) is not None or TABLE_ROW.match(sentence) is not None
        for pattern in (_SPEAKER, _BULLET):
            cut = pattern.match(sentence)
            if cut and not (pattern is _SPEAKER and is_field and _is_value(sentence[cut.end():])):
                sentence, start = sentence[cut.end():], start + cut.end()
        words = len(sentence.split())
        heading = sentence[-1:] not in ".!?:;)\"”" and words < 8
        if sentence.startswith(("#", "|---")):
            continue
        if (words >= 4 and not heading) or (is_field and words >= 2):
            out.append((start, sentence))
    return out


def _is_value(rest: str) -> bool:
    """The rest of a "Label: rest" line is a field's value (keep the label), not a speaker's
    sentence (drop the speaker's name): a short phrase without a full stop, or a short one that
    opens with an amount of money ("Total: EUR 26 000.")."""
    short = len(rest.split()) < 8
    return short and (rest[-1:] not in ".!?" or _AMOUNT_FIRST.match(rest) is not None)


def quotable(text: str) -> list[tuple[int, str]]:
    """The sentences of a passage an answer may quote, (offset, text): each label line
    ("Step 1 - AI readiness scan (free of charge)") read together with the sentence on the line
    under it, which says what it stands for; the last line of a list of names stays as is (the
    line before it looks like a label as well)."""
    sentences = split_sentences(text)
    out = []
    for i, (offset, sentence) in enumerate(sentences):
        nxt = sentences[i + 1] if i + 1 < len(sentences) else None
        prev = sentences[i - 1] if i else None
        if nxt and _is_label(sentence) and nxt[1][-1:] in ".!?" \
                and _next_line(text, offset + len(sentence), nxt[0]) \
                and not (prev and _is_label(prev[1])
                         and _next_line(text, prev[0] + len(prev[1]), offset)):
            sentence = text[offset:nxt[0] + len(nxt[1])]
        out.append((offset, sentence))
    return out


def _next_line(text: str, end: int, start: int) -> bool:
    """Whether the text from ``end`` to ``start`` is only a line break (and spaces)."""
    gap = text[end:start]
    return gap.strip() == "" and "\n" in gap


def _is_label(sentence: str) -> bool:
    """A short line that names something without saying it: it opens like a title and has no
    full stop, comma or "Label: value" (not the tail of a sentence broken over lines)."""
    return (sentence[:1].isupper() or sentence[:1].isdigit()) and len(sentence.split()) <= 12 \
        and not any(c in sentence for c in ".!?:;,") and not TABLE_ROW.match(sentence)


# -- stored vectors -------------------------------------------------------------------------------
def embed_quotable(embedder: Embedder, texts: list[str]) -> list[np.ndarray]:
    """The vectors of every passage's ``quotable``, one (sentences, dim) array per passage,
    from one ``embed_sentences`` call (the answerer's) over the distinct sentences of them all."""
    per_text = [[s for _, s in quotable(t)] for t in texts]
    distinct = list(dict.fromkeys(s for sentences in per_text for s in sentences))
    if not distinct:
        return [np.zeros((0, getattr(embedder, "dim", 0)), dtype=np.float32) for _ in texts]
    vectors = np.asarray(embedder.embed_sentences(distinct), dtype=np.float32)
    row = {s: i for i, s in enumerate(distinct)}
    return [vectors[[row[s] for s in sentences]] if sentences
            else np.zeros((0, vectors.shape[1]), dtype=np.float32) for sentences in per_text]


def pack(vectors: np.ndarray) -> str:
    """Unit vectors as int8, each scaled to its largest component (only the direction matters:
    ``unpack`` normalises again), base64: 512 characters a sentence for a 384-dim model."""
    if not len(vectors):
        return ""
    peak = np.abs(vectors).max(axis=1, keepdims=True)
    q = np.round(vectors / np.maximum(peak, 1e-12) * 127).astype(np.int8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def unpack(packed: object, dim: int, count: int) -> np.ndarray | None:
    """The unit vectors of ``count`` sentences, or None when ``packed`` does not hold exactly
    that many vectors of ``dim`` (none stored, or stored for other sentences)."""
    if not packed or not isinstance(packed, str) or count <= 0:
        return None
    try:
        raw = np.frombuffer(base64.b64decode(packed, validate=True), dtype=np.int8)
    except ValueError:
        return None
    if raw.size != dim * count:
        return None
    v = raw.reshape(count, dim).astype(np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def vectors_of(pairs: list[tuple[object, str]], embedder: Embedder) -> np.ndarray:
    """The unit vectors of sentences of stored passages, ``(hit, sentence)`` pairs (a hit: a
    ``kb.models.Hit``): each sentence's vector as ingest stored it with its passage when it is
    one of the passage's ``quotable``, the others embedded now, in one call."""
    dim = getattr(embedder, "dim", 0)
    stored: dict[tuple[int, str], np.ndarray] = {}
    for hit in {id(h): h for h, _ in pairs}.values():
        found = [s for _, s in quotable(hit.text)]
        vectors = unpack(getattr(hit, "sentence_vectors", None), dim, len(found))
        if vectors is not None:
            stored.update({(id(hit), s): v for s, v in zip(found, vectors, strict=True)})
    missing = list(dict.fromkeys(s for h, s in pairs if (id(h), s) not in stored))
    fresh = dict(zip(missing, np.asarray(embedder.embed_sentences(missing), dtype=np.float32),
                     strict=True)) if missing else {}
    rows = [stored.get((id(h), s), fresh.get(s)) for h, s in pairs]
    return np.stack(rows) if rows else np.zeros((0, dim), dtype=np.float32)
