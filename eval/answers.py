"""Checks on one answer's text and citations, shared by the golden set and the external sets.

Citations: the cited page or time, every ``[n]`` naming a listed citation and every snippet
verbatim stored text (``citation_problems``), every extractive sentence verbatim text of what it
cites (``ungrounded_sentences``), over the store's chunk texts (``ChunkTexts``).

An extractive answer is ``sentence [n] sentence [n] ...`` (a list or an outline puts its items on
lines of their own, each ending in its ``[n]``): its *sentences* are the spans that end in a
marker. Facts are matched case-insensitively with whitespace normalised (``normalise``) or, for
text nobody here wrote, word by word with punctuation ignored (``words``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

_MARKER = re.compile(r"\[(\d+)\]")
TIME_SLACK = 10.0  # seconds either side of a cited transcript window
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def words(text: str) -> str:
    """Lower-case words joined by single spaces, punctuation dropped ("EUR 4,500." -> "eur 4
    500")."""
    return " ".join(_WORD.findall(text.lower()))


def holds(fact: str, text: str, by_words: bool = False) -> bool:
    """``fact`` is in ``text``: a normalised substring, or (``by_words``) a run of whole words."""
    if by_words:
        return f" {words(fact)} " in f" {words(text)} "
    return normalise(fact) in normalise(text)


def answer_sentences(text: str, passages: Sequence[str] = ()) -> list[str]:
    """The spans of ``text`` that end in a citation marker, in order (markers removed); an answer
    without markers is one sentence. A ``[n]`` that the ``passages`` hold in the same place
    (a footnote mark in the source: "the ITER [1] project") is text, not a citation marker."""
    spans, start = [], 0
    for m in _MARKER.finditer(text):
        around = text[max(0, m.start() - 30):m.end() + 15]
        if passages and any(around in p for p in passages):
            continue
        span = _MARKER.sub("", text[start:m.start()])
        spans.append(re.sub(r"[ \t]{2,}", " ", span).strip())
        start = m.end()
    spans = [s for s in spans if s]
    if spans:
        return spans
    return [text.strip()] if text.strip() else []


def first_sentence(text: str, passages: Sequence[str] = ()) -> str:
    """The answer's first sentence: what a reader sees first. A heading line without a marker
    (an outline's title) belongs to the first marked span, so it counts with it."""
    spans = answer_sentences(text, passages)
    return spans[0] if spans else ""


def fact_first(facts: Sequence[str], text: str, by_words: bool = False,
               passages: Sequence[str] = ()) -> bool:
    """The first sentence holds at least one expected fact."""
    first = first_sentence(text, passages)
    return any(holds(f, first, by_words) for f in facts)


def facts_missing(facts: Sequence[str], text: str, by_words: bool = False) -> list[str]:
    return [f for f in facts if not holds(f, text, by_words)]


def cited_sources(citations: Iterable[Any]) -> list[str]:
    """Distinct cited sources in citation order."""
    return list(dict.fromkeys(c.source for c in citations))


def source_recall(expected: Sequence[str], citations: Iterable[Any]) -> float:
    """Share of the expected documents the answer cites (each counts once)."""
    if not expected:
        return 0.0
    cited = set(cited_sources(citations))
    return round(sum(1 for s in set(expected) if s in cited) / len(set(expected)), 4)


def sections_quoted(citations: Iterable[Any], section_of: Callable[[str], str | None],
                    sources: Sequence[str] | None = None) -> list[str]:
    """The sections (a chunk's ``section`` metadata) of the cited chunks, in citation order;
    with ``sources``, only the chunks of those documents."""
    out: list[str] = []
    for c in citations:
        chunk_id = getattr(c, "chunk_id", None)
        if not chunk_id or (sources and c.source not in sources):
            continue
        name = section_of(chunk_id)
        if name and name not in out:
            out.append(name)
    return out


_LABEL = re.compile(r"^\W*(?:\d+[.)]\s*)?(?:[A-Z][\w /&-]{0,30}:\s+)?")


def sections_in_text(text: str, citations: Sequence[Any], chunks: ChunkTexts,
                     sources: Sequence[str]) -> list[str]:
    """The sections of ``sources`` whose chunks hold an answer sentence verbatim (a leading bullet
    or "Label: " the answer added aside), read sentence by sentence through its ``[n]``: one
    citation may stand for a whole document, so its chunk alone does not say what was quoted."""
    by_n = {c.n: c for c in citations}
    parts = _MARKER.split(text)
    out: list[str] = []
    for sentence, n in zip(parts[0::2], parts[1::2], strict=False):
        cite, sentence = by_n.get(int(n)), sentence.strip()
        if not sentence or cite is None or cite.source not in sources:
            continue
        tries = {sentence, sentence.rstrip("."), _LABEL.sub("", sentence).rstrip(".")} - {""}
        for chunk_text, section in chunks.with_sections(cite.source):
            if section and any(t in chunk_text for t in tries):
                if section not in out:
                    out.append(section)
                break
    return out


def section_coverage(expected: Sequence[str], quoted: Sequence[str]) -> float:
    """Share of the expected sections among the quoted ones (case-insensitive)."""
    if not expected:
        return 0.0
    got = {normalise(q) for q in quoted}
    return round(sum(1 for s in expected if normalise(s) in got) / len(expected), 4)


# -- citations ------------------------------------------------------------------------------------
def cites_page(citations: Sequence[Any], sources: Sequence[str], page: int) -> bool:
    return any(c.source in sources and c.page == page for c in citations)


def cites_time(citations: Sequence[Any], sources: Sequence[str], ts: float,
               slack: float = TIME_SLACK) -> bool:
    """A citation of an expected source whose window, widened by ``slack``, contains ``ts``."""
    for c in citations:
        if c.source in sources and c.start is not None:
            end = c.end if c.end is not None else c.start
            if c.start - slack <= ts <= end + slack:
                return True
    return False


def citation_problems(text: str, citations: Sequence[Any],
                      chunk_texts: Callable[[str], list[str]]) -> list[str]:
    """Every ``[n]`` must name a listed citation; every snippet must be verbatim stored text."""
    from kb.answer.citations import markers

    listed = {c.n for c in citations}
    out = [f"marker [{n}] names no citation" for n in sorted(set(markers(text)) - listed)]
    for c in citations:
        if not any(c.snippet in chunk for chunk in chunk_texts(c.source)):
            out.append(f"snippet [{c.n}] is not verbatim text of {c.source}")
    return out


# a quote's label in answers about recordings: "00:12:45 Karin Holm: " (kb.answer.discussion)
_QUOTE_LABEL = re.compile(r"^\d{2}:\d{2}:\d{2} (?:[^:\n]{1,60}: )?")


def ungrounded_sentences(text: str, citations: Sequence[Any], chunks: ChunkTexts) -> list[str]:
    """Extractive answers are ``sentence [n] sentence [n] ...``: the sentences that are not
    verbatim text of their cited source, or, when the citation gives a page or a time span, of
    the passage the citation was taken from (else that page or time is not theirs). A shaped
    answer's labels are not quoted text: a list item's "- Title (fields): ", an outline's
    "Preparation: " or "Also in: Title: ", a quote's "00:12:45 Speaker: "; and a field line
    ("Typical cost: EUR 4 500") is grounded by the cited document's record."""
    from kb.answer.citations import MARKER

    by_n = {c.n: c for c in citations}
    parts = MARKER.split(text)  # [sentence, n, sentence, n, ..., tail]
    out = []
    for sentence, n in zip(parts[0::2], parts[1::2], strict=False):
        sentence = sentence.strip().splitlines()[-1].strip() if sentence.strip() else ""
        sentence, cite = _QUOTE_LABEL.sub("", sentence), by_n.get(int(n))
        if not sentence or cite is None:
            continue
        located = cite.page is not None or cite.start is not None
        if located and getattr(cite, "chunk_id", None):
            texts = [chunks.by_id(cite.chunk_id)]
            if cite.start is not None and cite.end is not None:  # a span of a recording
                texts += chunks.within(cite.source, cite.start, cite.end)
        else:
            texts = chunks(cite.source)
        if not any(_quoted(c, texts) for c in _unlabelled(sentence)) \
                and not chunks.holds_field(cite.source, sentence):
            out.append(sentence)
    return out


def _unlabelled(sentence: str) -> list[str]:
    """The sentence, and what follows each ": " in it (a label's end)."""
    body = sentence[2:] if sentence.startswith("- ") else sentence
    out, at = [body], body.find(": ")
    while at >= 0:
        out.append(body[at + 2:])
        at = body.find(": ", at + 2)
    return [c for c in out if c.strip()]


def _quoted(candidate: str, texts: list[str]) -> bool:
    return any(candidate in t or candidate.rstrip(".") in t for t in texts)


class ChunkTexts:
    """Stored chunk texts, read from the store's chunks collection once each: all of a source's
    (``chunks(source)``), or one by id (``chunks.by_id(chunk_id)``)."""

    def __init__(self, store) -> None:
        self.store = store
        self._cache: dict[str, list[str]] = {}
        self._ids: dict[str, str] = {}
        self._sections: dict[str, list[tuple[str, str | None]]] = {}
        self._times: dict[str, list[tuple]] = {}

    def __call__(self, source: str) -> list[str]:
        if source not in self._cache:
            got = self.store.get(where={"source": source})
            self._cache[source] = got["texts"]
            self._times[source] = [(m.get("start"), m.get("end")) for m in got["metadatas"]]
            self._ids.update(zip(got["ids"], self._cache[source], strict=True))
        return self._cache[source]

    def within(self, source: str, start: float, end: float) -> list[str]:
        """The texts of a recording's chunks that overlap (not just touch) [start, end]."""
        texts = self(source)
        return [t for t, (a, b) in zip(texts, self._times[source], strict=True)
                if a is not None and b is not None and a < end and start < b]

    def with_sections(self, source: str) -> list[tuple[str, str | None]]:
        """(text, ``section`` metadata) of each of the source's chunks."""
        if source not in self._sections:
            got = self.store.get(where={"source": source})
            self._sections[source] = [(t, (m or {}).get("section"))
                                      for t, m in zip(got["texts"], got["metadatas"], strict=True)]
        return self._sections[source]

    def holds_field(self, source: str, line: str) -> bool:
        """Whether ``line`` is "Label: value" with ``value`` a field of the source's record."""
        if ": " not in line:
            return False
        from kb.models import doc_id_for

        if not hasattr(self, "_records"):
            self._records = self.store.records()
        value = line.split(": ", 1)[1].strip()
        record = self._records.get(doc_id_for(source), {})
        return any(str(v).strip() == value for v in record.values())

    def by_id(self, chunk_id: str) -> str:
        if chunk_id not in self._ids:
            self._ids[chunk_id] = (self.store.get([chunk_id])["texts"] or [""])[0]
        return self._ids[chunk_id]

    def section(self, chunk_id: str) -> str | None:
        """The chunk's ``section`` metadata (a heading), or None."""
        metas = self.store.get([chunk_id]).get("metadatas") or [{}]
        return (metas[0] or {}).get("section")
