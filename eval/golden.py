"""The golden set: the project's own questions, run through the library as a user would.

A golden item (one JSON line in ``eval/golden/*.jsonl``)::

    {"id", "question", "sources": [source, ...], "page": int|null, "timestamp": seconds|null,
     "facts": [str, ...], "type": "answerable"|"out_of_scope", "split": "tune"|"heldout",
     "follow_up_of": id|null, "shape": "list"|"procedure"|null, "sections": [str, ...]}

``shape`` marks the questions whose answer is judged as a whole: a *list* question counts the
distinct ``sources`` the answer cites (list recall); a *procedure* question counts the
``sections`` of its method (a chunk's ``section`` metadata) the answer quotes (section coverage).

For each item: retrieval at document level (``search`` k=10, hits deduplicated by source in order)
scored on ``sources`` with ``eval.metrics``; ``ask`` for the answer (a follow-up gets the chain of
earlier turns as history), then facts present, page and timestamp accuracy, abstention, citation
validity and (extractive answers) sentence grounding; fact in the first sentence (the first
answer sentence holds an expected fact); list recall and section coverage for shaped questions.
Everything is reported for the tune split, the held-out split and all. The abstention signals
of each question, read from its ``Answer`` (``Answer.signals``: what ``ask`` decided on), are kept
for ``eval.calibration``, which reads the tune split only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from eval import answers as answers_mod
from eval.answers import (  # noqa: F401 (the checks on citations, re-exported for callers)
    TIME_SLACK,
    ChunkTexts,
    citation_problems,
    cites_page,
    cites_time,
    ungrounded_sentences,
)
from eval.metrics import evaluate
from kb.embedding import Embedder
from kb.errors import UsageError
from kb.models import Signals
from kb.settings import Settings

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
REPO_CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SPLITS = ("tune", "heldout", "all")
SEARCH_K = 10
RETRIEVAL = ("hit@1", "hit@5", "mrr@10", "ndcg@10", "recall@10")
SIGNALS = tuple(f.name for f in fields(Signals))  # kept on each QuestionResult under these names


@dataclass
class GoldenItem:
    id: str
    question: str
    sources: list[str]
    type: str = "answerable"
    split: str = "tune"
    page: int | None = None
    timestamp: float | None = None
    facts: list[str] = field(default_factory=list)
    follow_up_of: str | None = None
    shape: str | None = None  # "list" | "procedure": judged by list recall / section coverage
    sections: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return self.type == "answerable"


@dataclass
class QuestionResult:
    """What one golden question got, and what went wrong with it."""

    id: str
    split: str
    type: str
    question: str
    query: str  # what was searched: the question, or the standalone form of a follow-up
    expected: list[str]
    retrieved: list[str]  # sources, best first, deduplicated
    top_score: float  # the abstention signals: ``Answer.signals`` (kb.models.Signals)
    unknown_share: float
    best_sentence: float
    unmatched: float
    coverage: float
    answer: str
    abstained: bool
    cited: list[dict[str, Any]]
    facts_present: bool | None = None  # None: no facts to check
    missing_facts: list[str] = field(default_factory=list)
    facts_read: bool | None = None  # every fact is in the passages the answerer read
    fact_first: bool | None = None  # the first answer sentence holds an expected fact
    shape: str | None = None
    list_recall: float | None = None  # list questions: expected documents cited / expected
    section_coverage: float | None = None  # procedures: expected sections quoted / expected
    sections_quoted: list[str] = field(default_factory=list)
    sections_missing: list[str] = field(default_factory=list)
    page_ok: bool | None = None
    timestamp_ok: bool | None = None
    citations_ok: bool | None = None  # None: nothing cited
    citation_problems: list[str] = field(default_factory=list)
    grounded: bool | None = None  # extractive: each sentence is text of what its [n] cites
    ungrounded: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        out = []
        if self.type == "out_of_scope":
            if not self.abstained:
                out.append("answered an out-of-scope question")
        else:
            rank = next((i for i, s in enumerate(self.retrieved, 1) if s in self.expected), None)
            if rank is None or rank > 5:
                out.append(f"expected source not in top 5 (rank {rank or '>10'})")
            if self.abstained:
                out.append("abstained on an answerable question")
            if self.facts_present is False:
                where = ("in the passages read: sentence choice" if self.facts_read
                         else "not in the passages read: passage retrieval")
                out.append(f"missing facts {self.missing_facts} ({where})")
            if self.page_ok is False:
                out.append("expected page not cited")
            if self.timestamp_ok is False:
                out.append("expected timestamp not cited")
            if self.list_recall is not None and self.list_recall < 1:
                out.append(f"list cites {self.list_recall:.2f} of the expected documents")
            if self.sections_missing:
                out.append(f"procedure misses sections {self.sections_missing} "
                           f"(quotes {self.sections_quoted})")
        out.extend(self.citation_problems)
        out.extend(f"sentence not in the passage or source it cites: {s[:80]!r}"
                   for s in self.ungrounded)
        return out


# -- loading --------------------------------------------------------------------------------------
def golden_files(path: str | Path | None = None) -> list[Path]:
    """``path`` may be a .jsonl file or a folder of them; default: every ``eval/golden/*.jsonl``."""
    path = Path(path) if path else GOLDEN_DIR
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise UsageError(f"no golden set at {path} (expected a .jsonl file or a folder of them)")
    return files


def load_golden(path: str | Path | None = None) -> list[GoldenItem]:
    items: list[GoldenItem] = []
    known = {f.name for f in GoldenItem.__dataclass_fields__.values()}
    for file in golden_files(path):
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                items.append(GoldenItem(**{k: v for k, v in row.items() if k in known}))
            except (ValueError, TypeError) as exc:
                raise UsageError(f"{file}:{n}: not a golden item ({exc})") from exc
    _check(items)
    return items


def _check(items: list[GoldenItem]) -> None:
    ids = [i.id for i in items]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise UsageError(f"duplicate golden ids: {', '.join(dupes)}")
    for item in items:
        if item.follow_up_of and item.follow_up_of not in ids:
            raise UsageError(f"{item.id} follows up {item.follow_up_of!r}, which is not in the set")
        if item.type not in ("answerable", "out_of_scope"):
            raise UsageError(f"{item.id}: type must be answerable or out_of_scope, "
                             f"not {item.type!r}")
        if item.shape not in (None, "list", "procedure"):
            raise UsageError(f"{item.id}: shape must be list or procedure, not {item.shape!r}")
        if item.shape == "procedure" and not item.sections:
            raise UsageError(f"{item.id}: a procedure question names the sections it expects")
        if item.shape == "list" and len(item.sources) < 2:
            raise UsageError(f"{item.id}: a list question expects at least two sources")


# -- the checks on one answer ---------------------------------------------------------------------
def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def missing_facts(facts: Sequence[str], answer: str) -> list[str]:
    """The facts that are not a case-insensitive, whitespace-normalised substring of the answer."""
    text = normalise(answer)
    return [f for f in facts if normalise(f) not in text]


# -- running --------------------------------------------------------------------------------------
def golden_settings(settings: Settings) -> Settings:
    return settings.with_(store=Path(settings.store) / "eval-golden")


def prepare_store(settings: Settings, corpus: str | Path | None = None,
                  embedder: Embedder | None = None) -> dict:
    """Ingest the corpus (incrementally) into the golden store; returns the ingest report."""
    from ingest.pipeline import run

    corpus = Path(corpus) if corpus else REPO_CORPUS
    if not corpus.is_dir():
        raise UsageError(f"no corpus folder at {corpus} (give one with --corpus DIR)")
    report = run([corpus], settings, embedder=embedder)
    if report.failed:
        raise UsageError("the golden corpus did not ingest cleanly: "
                         + "; ".join(f"{f['source']}: {f['error']}" for f in report.failed))
    return report.to_dict()


def run_items(items: list[GoldenItem], kb, answers: bool = True) -> list[QuestionResult]:
    """Search and ``ask`` each item (a follow-up after its parent); with ``answers`` False only the
    retrieval and the abstention signals are kept, not the checks on the answer."""

    by_id = {i.id: i for i in items}
    done: dict[str, QuestionResult] = {}
    chunks = ChunkTexts(kb.retriever.store)

    def history(item: GoldenItem) -> list[tuple[str, str]]:
        chain: list[tuple[str, str]] = []
        parent = item.follow_up_of
        while parent:
            chain.insert(0, (by_id[parent].question, visit(by_id[parent]).answer))
            parent = by_id[parent].follow_up_of
        return chain

    def visit(item: GoldenItem) -> QuestionResult:
        if item.id not in done:
            turns = history(item)
            query = kb.standalone(item.question, turns)
            done[item.id] = score_item(item, query, turns, kb, chunks, answers)
        return done[item.id]

    return [visit(item) for item in items]


def passages_read(kb, query: str) -> list[str]:
    """The passages ``ask`` reads for ``query`` (its search depth): are the facts in them at all?"""
    from kb import api

    hits = kb.retriever.search(query, k=api.ANSWER_HITS, max_per_doc=api.ANSWER_PER_DOC)
    return [h.text for h in hits]


def score_item(item: GoldenItem, query: str, turns: list[tuple[str, str]], kb,
               chunks: ChunkTexts, answers: bool = True) -> QuestionResult:
    hits = kb.search(query, k=SEARCH_K)
    retrieved = list(dict.fromkeys(h.source for h in hits))
    answer = kb.ask(item.question, history=turns or None)
    sig = answer.signals or Signals()
    res = QuestionResult(
        id=item.id, split=item.split, type=item.type, question=item.question, query=query,
        expected=list(item.sources), retrieved=retrieved, **sig.to_dict(),
        answer=answer.text, abstained=answer.abstained,
        cited=[{"n": c.n, "source": c.source, "page": c.page, "start": c.start, "end": c.end}
               for c in answer.citations])
    if not answers:
        return res
    cites = answer.citations
    if item.answerable and item.facts:
        res.missing_facts = missing_facts(item.facts, answer.text)
        res.facts_present = not res.missing_facts
        read = passages_read(kb, query)
        res.fact_first = answers_mod.fact_first(item.facts, answer.text, passages=read)
        res.facts_read = not missing_facts(item.facts, "\n".join(read))
    if item.answerable and item.page is not None:
        res.page_ok = cites_page(cites, item.sources, int(item.page))
    if item.answerable and item.timestamp is not None:
        res.timestamp_ok = cites_time(cites, item.sources, float(item.timestamp))
    _shape_checks(item, res, cites, chunks)
    if cites or not answer.abstained:
        res.citation_problems = citation_problems(answer.text, cites, chunks)
        res.citations_ok = not res.citation_problems
    if cites and answer.mode == "extractive":
        res.ungrounded = ungrounded_sentences(answer.text, cites, chunks)
        res.grounded = not res.ungrounded
    return res


def _shape_checks(item: GoldenItem, res: QuestionResult, cites: list, chunks: ChunkTexts) -> None:
    """List recall (distinct expected documents cited) and procedure section coverage (the
    method's sections quoted: the sections of its own documents whose chunks hold an answer
    sentence, and those of the chunks its citations name)."""
    res.shape = item.shape
    if item.shape == "list":
        res.list_recall = answers_mod.source_recall(item.sources, cites)
    elif item.shape == "procedure":
        quoted = answers_mod.sections_in_text(res.answer, cites, chunks, item.sources)
        quoted += answers_mod.sections_quoted(cites, chunks.section, item.sources)
        res.sections_quoted = list(dict.fromkeys(quoted))
        res.section_coverage = answers_mod.section_coverage(item.sections, res.sections_quoted)
        got = {answers_mod.normalise(q) for q in res.sections_quoted}
        res.sections_missing = [x for x in item.sections if answers_mod.normalise(x) not in got]


def _mean(values: list[float | None]) -> tuple[float | None, int]:
    known = [v for v in values if v is not None]
    return (round(sum(known) / len(known), 4) if known else None), len(known)


# -- reporting ------------------------------------------------------------------------------------
def _share(values: list[bool | None]) -> tuple[float | None, int]:
    known = [v for v in values if v is not None]
    return (round(sum(known) / len(known), 4) if known else None), len(known)


def summarise(results: list[QuestionResult]) -> dict[str, Any]:
    """The metrics of one split: retrieval means over answerable questions, answer shares."""
    answerable = [r for r in results if r.type == "answerable"]
    oos = [r for r in results if r.type == "out_of_scope"]
    run = {r.id: r.retrieved for r in answerable}
    relevant = {r.id: set(r.expected) for r in answerable}
    scores = evaluate(run, relevant, ks=(1, 5, 10))
    out: dict[str, Any] = {"questions": len(results), "answerable": len(answerable),
                           "out_of_scope": len(oos)}
    out.update({m: round(scores[m], 4) for m in RETRIEVAL})
    for name, values in (("facts_present", [r.facts_present for r in answerable]),
                         ("fact_first", [r.fact_first for r in answerable]),
                         ("facts_read", [r.facts_read for r in answerable]),
                         ("page_accuracy", [r.page_ok for r in answerable]),
                         ("timestamp_accuracy", [r.timestamp_ok for r in answerable]),
                         ("citation_validity", [r.citations_ok for r in results]),
                         ("sentence_grounding", [r.grounded for r in results])):
        out[name], out[f"{name}_n"] = _share(values)
    out["list_recall"], out["list_n"] = _mean([r.list_recall for r in answerable])
    out["section_coverage"], out["procedure_n"] = _mean([r.section_coverage for r in answerable])
    out["abstention_oos"], _ = _share([r.abstained for r in oos])
    out["false_abstention"], _ = _share([r.abstained for r in answerable])
    return out


def report(results: list[QuestionResult]) -> dict[str, Any]:
    splits = {s: summarise([r for r in results if s == "all" or r.split == s]) for s in SPLITS}
    failures = [{"id": r.id, "split": r.split, "type": r.type, "question": r.question,
                 "query": r.query, "expected": r.expected, "retrieved": r.retrieved[:5],
                 "signals": {name: getattr(r, name) for name in SIGNALS},
                 "problems": r.problems(), "answer": r.answer[:400]}
                for r in results if r.problems()]
    return {"splits": splits, "failures": failures}


def run(settings: Settings, golden: str | Path | None = None, corpus: str | Path | None = None,
        embedder: Embedder | None = None, answers: bool = True) -> dict[str, Any]:
    """Ingest the corpus into ``<store>/eval-golden``, run every golden question, report."""
    from kb.api import KnowledgeBase

    items = load_golden(golden)
    gsettings = golden_settings(settings)
    ingest = prepare_store(gsettings, corpus, embedder)
    kb = KnowledgeBase(gsettings, embedder=embedder)
    results = run_items(items, kb, answers=answers)
    out = {"golden": [str(f) for f in golden_files(golden)], "store": str(gsettings.store),
           "documents": len(kb.docs()), "ingest": ingest,
           "settings": {"fusion": settings.fusion, "dense_weight": settings.dense_weight,
                        "abstain_threshold": settings.abstain_threshold,
                        "abstain_unknown": settings.abstain_unknown,
                        "abstain_sentence": settings.abstain_sentence,
                        "abstain_unmatched": settings.abstain_unmatched,
                        "abstain_coverage": settings.abstain_coverage,
                        "candidates": settings.candidates, "max_per_doc": settings.max_per_doc,
                        "mode": "llm" if settings.llm_enabled else "extractive"},
           **report(results)}
    out["results"] = [asdict(r) for r in results]
    return out
