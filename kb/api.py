"""The knowledge base: search, ask, similar and docs over one store. The CLI and the app
call this."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from kb.answer import abstain, compose, extractive, recording
from kb.answer.abstain import ABSTAIN_TEXT  # noqa: F401 (re-exported: callers import it from here)
from kb.answer.citations import citation, keep_valid_markers, markers, renumber
from kb.answer.compose import Draft
from kb.answer.question import Question, analyse
from kb.errors import KBError, UsageError
from kb.lexical import tokenize
from kb.models import CATEGORIES, KINDS, Answer, DocInfo, Filters, Hit, doc_id_for
from kb.settings import Settings
from kb.speakers import named_speakers

if TYPE_CHECKING:
    from kb.embedding import Embedder


ANSWER_HITS = 12  # passages the answerer reads: deeper into the best documents than a
ANSWER_PER_DOC = 8  # result list, because the answering sentence is often a few chunks in
LIST_HITS = 24  # a list answer reads more documents (two passages of each at most)
_ANAPHORA = re.compile(r"\b(it|its|it's|they|them|their|this|that|these|those|there|he|she|"
                       r"his|her|one|ones)\b", re.I)
_ELLIPSIS = re.compile(r"^\s*(and|but|also|what about|how about|so|then)\b", re.I)

_DECLINED = re.compile(r"nothing on this|do(?:es)? not (?:contain|mention|say)"
                       r"|no information", re.I)

History = Sequence[Any]
MAX_K = 100  # the most hits one search or similar call may ask for
MAX_TURNS = 10  # the most earlier turns of a conversation a follow-up looks at


class KnowledgeBase:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self._embedder = embedder
        self._retriever = None
        self._llm = None
        self._lock = threading.Lock()

    # -- lazily built parts ----------------------------------------------------------------------
    @property
    def embedder(self):
        if self._embedder is None:
            from kb.embedding import get_embedder

            self._embedder = get_embedder(self.settings)
        return self._embedder

    @property
    def retriever(self):
        with self._lock:
            if self._retriever is None:
                from kb.retrieval import Retriever
                from kb.store import Store

                store = Store(self.settings)
                store.check_settings(dim=self.embedder.dim)
                self._retriever = Retriever(store, self.embedder, self.settings)
            return self._retriever

    @property
    def llm(self):
        if self._llm is None and self.settings.llm_enabled:
            from kb.answer.llm import make_llm

            self._llm = make_llm(self.settings)
        return self._llm

    def refresh(self) -> None:
        """See an ingest this process just ran at the next search, not up to a second later
        (BM25 and the chunk table are re-checked against the store at most once a second)."""
        if self._retriever is not None:
            self._retriever.lexical.expire()

    def warm_up(self) -> None:
        """Load the model, open the store, BM25 and the chunk table, and (in a store big enough
        for Chroma's HNSW) the HNSW index, now rather than at the first question: one search."""
        self.retriever.search("warm up", k=1)

    # -- the public operations -------------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: Filters | dict | None = None) -> list[Hit]:
        query = checked_text(query, self.settings.max_question_chars, "query")
        check_k(k)
        speakers = named_speakers(query, self.retriever.known_speakers())
        hits = self.retriever.search(query, k=k, filters=checked_filters(filters),
                                     speakers=speakers)
        return label_chapters(hits, self.retriever.records())

    def similar(self, source: str, k: int = 5) -> list[Hit]:
        if not isinstance(source, str) or not source.strip():
            raise UsageError("give the source path of a stored document (see 'kb docs')")
        check_k(k)
        doc_id = doc_id_for(source)
        if doc_id not in self.retriever.records():
            raise KBError(f"no document with source {source!r} in the store (see 'kb docs')")
        return self.retriever.similar(doc_id, k=k)

    def docs(self) -> list[DocInfo]:
        from kb.store import Store

        return Store(self.settings).documents()

    def ask(self, question: str, history: History | None = None,
            filters: Filters | dict | None = None, stated_filters: bool = True) -> Answer:
        *_, result = self.ask_stream(question, history, filters, stated_filters)
        assert isinstance(result, Answer)
        return result

    def ask_stream(self, question: str, history: History | None = None,
                   filters: Filters | dict | None = None,
                   stated_filters: bool = True) -> Iterator[str | Answer]:
        """Partial answer texts while an LLM streams, then the final, validated ``Answer``.

        Four steps: analyse the question once, retrieve with it (and the filters it states,
        unless ``stated_filters`` is False: the user removed them), compose the answer for its
        shape, judge abstention once from the answer's signals."""
        limit = self.settings.max_question_chars
        question = checked_text(question, limit, "question")
        filters = checked_filters(filters)
        turns = [(q[:limit], a[:limit]) for q, a in normalise_history(history)[-MAX_TURNS:]]
        llm, lexical = self.llm, self.retriever.lexical.get()
        query = recording.search_query(self.standalone(question, turns))
        q = analyse(question, query, self.retriever.records(), lexical)
        qvec = self.embedder.embed_query(q.query)
        hits, applied = self._retrieve(q, qvec, filters, stated_filters)
        draft, ranked = self._compose(q, qvec, hits, lexical)
        sig = abstain.signals(q, hits, ranked, draft.citations)
        if not draft.text or abstain.reason(sig, self.settings) is not None:
            yield abstain.abstained(question, sig, shape=draft.shape)
            return
        answer = Answer(question=question, text=draft.text, citations=draft.citations,
                        signals=sig, shape=draft.shape, filters_applied=applied,
                        items=draft.items)
        if llm is None:
            yield answer
            return
        yield from self._llm_answer(llm, q, draft.sources or hits[:6], answer)

    def _retrieve(self, q: Question, qvec, given: Filters | None,
                  stated: bool = True) -> tuple[list[Hit], list[str]]:
        """The passages to answer from, and the filters the question states that were applied
        (none when they would leave nothing). A list reads more documents, fewer of each."""
        k, per_doc = (LIST_HITS, 2) if q.shape == "list" else (ANSWER_HITS, ANSWER_PER_DOC)

        def search(f: Filters | None) -> list[Hit]:
            return self.retriever.search(q.query, k=k, filters=f, qvec=qvec,
                                         max_per_doc=per_doc, speakers=list(q.speakers))

        if q.filters is not None and stated:
            hits = search(merge_filters(q.filters, given))
            if hits:
                return hits, list(q.filter_labels)
        return search(given), []

    def _compose(self, q: Question, qvec, hits: list[Hit], lexical) -> tuple[Draft, list]:
        """The answer in the question's shape, and the scored sentences it was made from. A
        question naming speakers is read for what it asks them about (``Question.words``:
        "What did Ingrid Haugland say about costs?" -> "costs"), not for the name and "say",
        which bring sentences that talk about talking ("Let me say something about ...")."""
        if q.speakers and q.shape != "list" and q.words.strip():
            qvec = self.embedder.embed_query(q.words)
        fvec = self.embedder.embed_query(q.focus) if q.focus != q.query else None
        ranked = extractive.read(hits, q.focus_terms, lexical, self.embedder, qvec, fvec,
                                 q.asks_figure, q.wanted)
        shaped = recording.shape(q, qvec, hits, self.embedder)
        if shaped is not None:  # a whole discussion, or a named speaker's words
            return shaped, ranked
        shape, records = q.answer_shape, self.retriever.records()
        if shape == "procedure":
            entry = self._method_entry(hits, lexical, records)
            if entry:
                sentences = extractive.read(entry, q.focus_terms, lexical, self.embedder,
                                            qvec, fvec, q.asks_figure, q.wanted)
                return compose.procedure(sentences, ranked, q.focus, records), ranked
            shape = "passage"
        if shape == "list":
            return compose.listing(ranked, hits, records), ranked
        if shape == "fact":
            return compose.fact(ranked, q.focus, records, q.kinds), ranked
        return compose.passage(ranked, self.settings.answer_sentences), ranked

    def _method_entry(self, hits: list[Hit], lexical, records) -> list[Hit]:
        """Every passage of the best-ranked document among the first three that is laid out
        as a method (``compose.is_method``), marked with its document's flags from ``records``;
        none when there is none."""
        for doc_id in list(dict.fromkeys(h.doc_id for h in hits))[:3]:
            passages = document_hits(lexical, doc_id, next(h.score for h in hits
                                                           if h.doc_id == doc_id))
            if compose.is_method([h.section for h in passages]):
                from kb.retrieval import flagged

                return flagged(passages, records)
        return []

    def standalone(self, question: str, history: History | None = None) -> str:
        """What ``ask`` searches for: a follow-up made standalone with the conversation (by the
        LLM when one is configured, else with the previous question's terms)."""
        turns = normalise_history(history)
        if not turns:
            return question
        llm = self.llm
        if llm is not None:
            from kb.answer.llm import condense

            return condense(llm, question, turns)
        return combine_follow_up(question, turns[-1][0])

    def _llm_answer(self, llm, q: Question, hits: list[Hit],
                    fallback: Answer) -> Iterator[str | Answer]:
        from kb.answer.llm import stream_answer

        text = ""
        for delta in stream_answer(llm, q.query, hits, fallback.shape):
            text += delta
            yield text
        valid = set(range(1, len(hits) + 1))
        text = keep_valid_markers(text, valid)
        used = list(dict.fromkeys(n for n in markers(text) if n in valid))
        if not used:
            declined = _DECLINED.search(text)
            yield abstain.abstained(q.text, fallback.signals, mode="llm", shape=fallback.shape) \
                if declined else fallback
            return
        cites = [citation(new, hits[old - 1], hits[old - 1].text)
                 for new, old in enumerate(used, start=1)]
        yield Answer(question=q.text, text=renumber(text, used), citations=cites, mode="llm",
                     signals=fallback.signals, shape=fallback.shape,
                     filters_applied=fallback.filters_applied)


def document_hits(lexical, doc_id: str, score: float) -> list[Hit]:
    """Every passage of one document, in its order, from the chunk table (scored ``score``)."""
    import numpy as np

    from kb.retrieval import _hit

    if lexical.table is None:  # no chunk table beside this BM25 index: no whole document
        return []
    rows = [int(i) for i in np.nonzero(lexical.mask({doc_id}))[0]]
    hits = [_hit(lexical.ids[i], score, *lexical.table.row(i)) for i in rows]
    return sorted(hits, key=lambda h: int(h.chunk_id.rsplit(":", 1)[1]))


def merge_filters(stated: Filters, given: Filters | None) -> Filters:
    """The filters a question states, with those the caller gave winning where both set one."""
    values = {k: v for k, v in vars(stated).items() if v not in (None, "", [])}
    if given is not None:
        values.update({k: v for k, v in vars(given).items() if v not in (None, "", [])})
    return Filters(**values)


def checked_text(text: Any, limit: int, what: str = "question") -> str:
    """The question (or query) stripped; refused at once if it is not text, is empty or is longer
    than ``limit`` characters (``KB_MAX_QUESTION_CHARS``), before any work is done on it."""
    if not isinstance(text, str):
        raise UsageError(f"the {what} must be text, not {type(text).__name__}")
    if len(text) > limit:
        raise UsageError(f"the {what} is too long: {len(text):,} characters; the limit is "
                         f"{limit:,} (KB_MAX_QUESTION_CHARS)")
    text = text.strip()
    if not text:
        raise UsageError(f"the {what} is empty")
    return text


def check_k(k: Any) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise UsageError(f"k must be a whole number from 1 to {MAX_K}, not {k!r}"[:120])


def checked_filters(filters: Filters | dict | None) -> Filters | None:
    """Filters with a known kind and category; an unknown one is an error, not 'no results'."""
    try:
        f = Filters.of(filters)
    except TypeError as exc:
        raise UsageError(f"unknown filter ({exc})") from None
    if f is None:
        return None
    for name, allowed in (("kind", KINDS), ("category", CATEGORIES)):
        value = getattr(f, name)
        for v in value if isinstance(value, list) else [value]:
            if v not in (None, "") and v not in allowed:
                raise UsageError(f"unknown {name} {str(v)[:60]!r} (expected one of: "
                                 f"{', '.join(allowed)})")
    return f
def label_chapters(hits: list[Hit], records: dict[str, dict[str, Any]]) -> list[Hit]:
    """Each timed hit of a recording with chapters gets ``metadata["chapter"]``: 'chapter 3 of
    7: supplier qualification'."""
    from kb.chapters import label, loads

    for h in hits:
        found = loads(records.get(h.doc_id, {}).get("chapters"))
        where = label(found, h.start)
        if where:
            h.metadata["chapter"] = where
    return hits


def normalise_history(history: History | None) -> list[tuple[str, str]]:
    """(question, answer) pairs from tuples or from chat messages ({"role", "content"})."""
    if not history:
        return []
    turns: list[tuple[str, str]] = []
    pending: str | None = None
    for item in history:
        if isinstance(item, dict):
            content = item.get("content")
            if isinstance(content, list):
                content = " ".join(str(c.get("text", "")) if isinstance(c, dict) else str(c)
                                   for c in content)
            if item.get("role") == "user":
                pending = str(content or "")
            elif item.get("role") == "assistant" and pending is not None:
                turns.append((pending, str(content or "")))
                pending = None
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            turns.append((str(item[0] or ""), str(item[1] or "")))
    if pending is not None:
        turns.append((pending, ""))
    return turns


def combine_follow_up(question: str, previous: str) -> str:
    """A follow-up that leans on the previous question ("What does it cost?") borrows its terms."""
    content = tokenize(question)
    if len(content) <= 3 or _ANAPHORA.search(question) or _ELLIPSIS.search(question):
        return f"{previous} {question}"
    return question
