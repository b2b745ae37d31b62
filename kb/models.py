"""kb's own types. Callers of the library (CLI, app, eval) see these and nothing deeper."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("toolbox", "report", "transcript", "document")
CATEGORIES = ("event", "service", "long-term initiative", "tool")


def doc_id_for(source: str) -> str:
    """A stable document id from its source path (the same file always gets the same id)."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]


@dataclass
class Unit:
    """A located piece of a document: a page, a section, a transcript cue, a slide or a sheet's
    row. ``ocr``: the text was read from the page's image; ``fields``: a row's columns."""

    text: str
    page: int | None = None
    section: str | None = None
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    slide: int | None = None
    sheet: str | None = None
    row: int | None = None
    ocr: bool = False
    fields: dict[str, Any] | None = None


@dataclass
class Document:
    """One loaded file: its units in reading order, and its document-level metadata."""

    source: str
    kind: str
    title: str
    units: list[Unit]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return doc_id_for(self.source)


@dataclass
class Chunk:
    """What is stored and searched: verbatim ``text`` from the source, plus where it came from."""

    id: str
    doc_id: str
    text: str
    metadata: dict[str, Any]

    @property
    def embed_text(self) -> str:
        """The text that is embedded and indexed: the title (and section) first, then the
        passage."""
        return embed_text(self.metadata, self.text)


def embed_text(meta: dict[str, Any], text: str | None) -> str:
    """The one formula for what a chunk's vector and its BM25 entry are made from: its heading,
    a newline, its text (ingest embeds it; BM25 is rebuilt from stored chunks with it)."""
    return heading(meta) + "\n" + (text or "")


def heading(meta: dict[str, Any]) -> str:
    title = meta.get("title") or ""
    section = meta.get("section")
    return f"{title} — {section}" if section and section != title else title


@dataclass
class Hit:
    """One search result: a stored chunk and its fused score."""

    doc_id: str
    chunk_id: str
    source: str
    title: str
    kind: str
    text: str
    score: float
    page: int | None = None
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    section: str | None = None
    slide: int | None = None
    sheet: str | None = None
    row: int | None = None
    ocr: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    # the chunk's answer-sentence vectors as stored (``kb.sentences``), for the answerer only:
    # never shown, compared or serialised
    sentence_vectors: str | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("sentence_vectors")
        return d


@dataclass
class Citation:
    """A numbered source of an answer; ``snippet`` is verbatim text of the stored chunk."""

    n: int
    source: str
    title: str
    kind: str
    snippet: str
    score: float
    page: int | None = None
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    chunk_id: str | None = None
    slide: int | None = None
    sheet: str | None = None
    row: int | None = None
    ocr: bool = False
    illustrative: bool = False  # its document is an invented example (metadata ``illustrative``)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("chunk_id")
        return d


@dataclass(frozen=True)
class Signals:
    """What ``ask`` decides abstention on (``kb.answer.abstain`` holds the rule).

    ``top_score``: the best hit's fused score; ``unknown_share``: the share of the question's idf
    mass in terms the collection never uses; ``best_sentence``: the best candidate answer
    sentence's cosine similarity to the question (0.0 when there is none); ``unmatched``: the
    share of the names, places and years the question states that the answer's sources do not
    hold (names and places: its lead source; years: any cited source; 0.0 when it states none);
    ``coverage``: the share of the question's words, each weighed by how rare it is in the
    language, that the first passages read hold (``kb.answer.vocabulary.coverage``)."""

    top_score: float = 0.0
    unknown_share: float = 1.0
    best_sentence: float = 0.0
    unmatched: float = 0.0
    coverage: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class Item:
    """One entry of a list answer (a document) or of a procedure's outline (a section): its
    title, the fields that identify it, its quoted sentence and that sentence's citation ``n``."""

    title: str
    sentence: str
    n: int
    fields: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation]
    abstained: bool = False
    mode: str = "extractive"
    signals: Signals | None = None  # None: not computed (e.g. an answer made outside ``ask``)
    shape: str = "passage"  # fact, procedure, list or passage (``kb.answer.question``)
    filters_applied: list[str] = field(default_factory=list)  # "kind: report", ...
    items: list[Item] = field(default_factory=list)  # for lists and procedures

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "shape": self.shape,
            "filters_applied": list(self.filters_applied),
            "items": [i.to_dict() for i in self.items],
            "citations": [c.to_dict() for c in self.citations],
        }


@dataclass
class Filters:
    """Search filters; every given field must match. Years select documents overlapping the
    range."""

    kind: str | list[str] | None = None
    category: str | list[str] | None = None
    tags: list[str] | None = None
    coordinator: str | None = None
    contributed_by: str | None = None
    organisation: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    sources: list[str] | None = None
    language: str | list[str] | None = None  # ISO 639-1 codes ("sv"), as detected at ingest
    speaker: str | list[str] | None = None  # transcript chunks in which one of them speaks

    @classmethod
    def of(cls, value: Filters | dict[str, Any] | None) -> Filters | None:
        if value is None or isinstance(value, Filters):
            return value
        return cls(**{k: v for k, v in value.items() if v not in (None, "", [])})

    def is_empty(self) -> bool:
        return all(v in (None, "", []) for v in asdict(self).values())


@dataclass
class DocInfo:
    """A stored document as listed by ``kb docs``."""

    doc_id: str
    source: str
    kind: str
    title: str
    chunks: int
    path: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "title": self.title,
                "chunks": self.chunks, "doc_id": self.doc_id, **self.metadata}


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # left out by a folder's .kbignore
    failed: list[dict[str, str]] = field(default_factory=list)
    # metadata values dropped or kept as text (ingest.metadata): {"source", "warning"}
    warnings: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
