"""The knowledge base: search, ask, similar and docs over one store. The CLI and the app
call this."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from kb.answer import abstain, extractive, recording
from kb.answer.abstain import ABSTAIN_TEXT  # noqa: F401 (re-exported: callers import it from here)
from kb.answer.citations import citation, keep_valid_markers, markers, renumber
from kb.errors import KBError, UsageError
from kb.lexical import tokenize
from kb.models import Answer, DocInfo, Filters, Hit, doc_id_for
from kb.settings import Settings
from kb.speakers import named_speakers

ANSWER_HITS = 12  # passages the answerer reads: deeper into the best documents than a
ANSWER_PER_DOC = 8  # result list, because the answering sentence is often a few chunks in
_ANAPHORA = re.compile(r"\b(it|its|it's|they|them|their|this|that|these|those|there|he|she|"
                       r"his|her|one|ones)\b", re.I)
_ELLIPSIS = re.compile(r"^\s*(and|but|also|what about|how about|so|then)\b", re.I)

_DECLINED = re.compile(r"nothing on this|do(?:es)? not (?:contain|mention|say)"
                       r"|no information", re.I)

History = Sequence[Any]


class KnowledgeBase:
    def __init__(self, settings: Settings | None = None, embedder=None) -> None:
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
        if k < 1:
            raise UsageError("k must be at least 1")
        speakers = named_speakers(query, self.retriever.known_speakers())
        hits = self.retriever.search(query, k=k, filters=Filters.of(filters), speakers=speakers)
        return label_chapters(hits, self.retriever.records())

    def similar(self, source: str, k: int = 5) -> list[Hit]:
        doc_id = doc_id_for(source)
        if doc_id not in self.retriever.records():
            raise KBError(f"no document with source {source!r} in the store (see 'kb docs')")
        return self.retriever.similar(doc_id, k=k)

    def docs(self) -> list[DocInfo]:
        from kb.store import Store

        return Store(self.settings).documents()

    def ask(self, question: str, history: History | None = None,
            filters: Filters | dict | None = None) -> Answer:
        *_, result = self.ask_stream(question, history, filters)
        assert isinstance(result, Answer)
        return result

    def ask_stream(self, question: str, history: History | None = None,
                   filters: Filters | dict | None = None) -> Iterator[str | Answer]:
        """Partial answer texts while an LLM streams, then the final, validated ``Answer``."""
        question = question.strip()
        if not question:
            raise UsageError("the question is empty")
        turns = normalise_history(history)
        llm = self.llm
        query = self._standalone(question, turns, llm)
        # recordings (h18): a discussion's topic is searched; named speakers' turns preferred
        speakers = named_speakers(question, self.retriever.known_speakers())
        query = recording.search_query(query)
        qvec = self.embedder.embed_query(query)
        hits = self.retriever.search(query, k=ANSWER_HITS, filters=Filters.of(filters), qvec=qvec,
                                     max_per_doc=ANSWER_PER_DOC, speakers=speakers)
        lexical = self.retriever.lexical.get()
        text, cites, best = extractive.answer(query, qvec, hits, lexical, self.embedder,
                                              self.settings.answer_sentences, asked=question)
        # every signal is computed for every question, so the answer reports all of them
        # a discussion's signals are those of its topic ("summarize the discussion" is no term
        # of the collection)
        sig = abstain.signals(recording.search_query(question), hits, lexical, best, cites)
        if not hits or abstain.reason(sig, self.settings) is not None:
            yield abstain.abstained(question, sig)
            return
        sources = hits[:6]
        shaped = recording.shape(question, qvec, hits, speakers, self.embedder)
        if shaped is not None:  # a whole discussion, or a named speaker's words
            text, cites, sources = shaped.text, shaped.citations, shaped.sources
        fallback = Answer(question=question, text=text, citations=cites, signals=sig)
        if llm is None:
            yield fallback
            return
        yield from self._llm_answer(llm, question, query, sources, fallback)

    # -- helpers ---------------------------------------------------------------------------------
    def _standalone(self, question: str, turns: list[tuple[str, str]], llm) -> str:
        if not turns:
            return question
        if llm is not None:
            from kb.answer.llm import condense

            return condense(llm, question, turns)
        return combine_follow_up(question, turns[-1][0])

    def _llm_answer(self, llm, question: str, query: str, hits: list[Hit],
                    fallback: Answer) -> Iterator[str | Answer]:
        from kb.answer.llm import stream_answer

        text = ""
        for delta in stream_answer(llm, query, hits):
            text += delta
            yield text
        valid = set(range(1, len(hits) + 1))
        text = keep_valid_markers(text, valid)
        used = list(dict.fromkeys(n for n in markers(text) if n in valid))
        if not used:
            declined = _DECLINED.search(text)
            yield abstain.abstained(question, fallback.signals, mode="llm") if declined \
                else fallback
            return
        cites = [citation(new, hits[old - 1], hits[old - 1].text)
                 for new, old in enumerate(used, start=1)]
        yield Answer(question=question, text=renumber(text, used), citations=cites, mode="llm",
                     signals=fallback.signals)


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
