"""``kb eval --external DIR``: kb's answers on material nobody here wrote, beside a plain baseline.

For each set of ``eval.external_sets`` the documents are ingested into
``<store>/eval-external/<set>`` and every question goes through ``KnowledgeBase.ask``. In the same
run, the *baseline* reads the same hits that ``ask`` reads (``Retriever.search`` at the answerer's
depth, ``kb.api.ANSWER_HITS`` / ``ANSWER_PER_DOC``), splits them with kb's own sentence splitter,
ranks the sentences by MiniLM cosine to the question (kb's embedder) and keeps as many as kb's
answer has (``eval.answers.answer_sentences``; the configured ``answer_sentences`` when kb
abstains). Both are scored on:

* ``fact``: every expected fact is in the answer (word runs, punctuation ignored);
* ``first``: kb's first sentence holds a fact, against the single top-cosine sentence;
* ``read``: the hits hold the fact at all (the ceiling of both);
* kb's ``abstained`` and ``cites_source`` (it cites an expected document).

Both answer the same questions, so the summary also counts the questions only one of them gets
right (``fact_kb_only``, ``fact_base_only``; the same for ``first``) and the two-sided sign
test's p-value on those counts: a difference of a few questions is not a difference.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from eval import answers
from eval.external_sets import SETS, ExternalQuestion, ExternalSet, build
from kb.settings import Settings

if TYPE_CHECKING:
    from kb.embedding import Embedder


LIMIT = 200  # questions per set: every one the procedures make (80, 169 and 25 today)


@dataclass
class ExternalResult:
    id: str
    kind: str
    question: str
    facts: list[str]
    sources: list[str]
    answer: str
    baseline: list[str]  # the baseline's sentences, best first
    abstained: bool
    sentences: int  # kb's answer sentences (the baseline's length)
    kb_fact: bool
    kb_first: bool
    base_fact: bool
    base_first: bool
    read: bool  # the hits hold every fact
    cites_source: bool
    shape: str | None = None


class MemoEmbedder:
    """An embedder that remembers every text it embedded, so that stores sharing documents embed
    each chunk once (the small-store variants ingest the same files many times)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self._docs: dict[str, np.ndarray] = {}
        self._sents: dict[str, np.ndarray] = {}

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def _memo(self, memo: dict[str, np.ndarray], fn: Callable, texts: list[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in memo))
        if todo:
            memo.update(zip(todo, np.asarray(fn(todo), dtype=np.float32), strict=True))
        if not texts:
            return np.zeros((0, self.inner.dim), dtype=np.float32)
        return np.stack([memo[t] for t in texts])

    def embed_documents(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self._memo(self._docs, self.inner.embed_documents, list(texts))

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        fn = getattr(self.inner, "embed_sentences", self.inner.embed_documents)
        return self._memo(self._sents, fn, list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def baseline_sentences(question: str, hits: list[Any], embedder: Embedder, n: int) -> list[str]:
    """The ``n`` sentences of ``hits`` most like the question by cosine, best first."""
    from kb.sentences import split_sentences

    pool = list(dict.fromkeys(s for h in hits for _, s in split_sentences(h.text)))
    if not pool or n < 1:
        return []
    fn = getattr(embedder, "embed_sentences", embedder.embed_documents)
    vecs = np.asarray(fn(pool), dtype=np.float32)
    q = np.asarray(embedder.embed_query(question), dtype=np.float32)
    sims = vecs @ q / (np.linalg.norm(vecs, axis=1) * np.linalg.norm(q) + 1e-9)
    order = np.argsort(-sims, kind="stable")[:n]
    return [pool[i] for i in order]


def answer_hits(kb, question: str) -> list[Any]:
    """The passages ``ask`` reads for ``question``."""
    from kb import api

    return kb.retriever.search(question, k=getattr(api, "ANSWER_HITS", 12),
                               max_per_doc=getattr(api, "ANSWER_PER_DOC", 8))


def score(q: ExternalQuestion, kb, default_n: int) -> ExternalResult:
    hits = answer_hits(kb, q.question)
    ans = kb.ask(q.question)
    passages = [h.text for h in hits]
    kb_sents = [] if ans.abstained else answers.answer_sentences(ans.text, passages)
    n = len(kb_sents) or default_n
    base = baseline_sentences(q.question, hits, kb.embedder, n)
    text = "" if ans.abstained else ans.text
    return ExternalResult(
        id=q.id, kind=q.kind, question=q.question, facts=q.facts, sources=q.sources,
        answer=ans.text, baseline=base, abstained=ans.abstained, sentences=len(kb_sents),
        kb_fact=not answers.facts_missing(q.facts, text, by_words=True),
        kb_first=bool(text) and answers.fact_first(q.facts, text, True, passages),
        base_fact=bool(base) and not answers.facts_missing(q.facts, " ".join(base), True),
        base_first=bool(base) and any(answers.holds(f, base[0], True) for f in q.facts),
        read=not answers.facts_missing(q.facts, "\n".join(passages), True),
        cites_source=any(c.source in q.sources for c in ans.citations),
        shape=getattr(ans, "shape", None))


def summarise(results: list[ExternalResult]) -> dict[str, Any]:
    n = len(results)

    def share(key: str) -> float | None:
        return round(sum(bool(getattr(r, key)) for r in results) / n, 4) if n else None

    out: dict[str, Any] = {"questions": n}
    for key in ("kb_fact", "base_fact", "kb_first", "base_first", "read", "abstained",
                "cites_source"):
        out[key] = share(key)
    out["mean_sentences"] = round(sum(r.sentences for r in results) / n, 2) if n else None
    for what in ("fact", "first"):
        kb_only = sum(getattr(r, f"kb_{what}") and not getattr(r, f"base_{what}") for r in results)
        base_only = sum(getattr(r, f"base_{what}") and not getattr(r, f"kb_{what}")
                        for r in results)
        out[f"{what}_kb_only"], out[f"{what}_base_only"] = kb_only, base_only
        out[f"{what}_sign_p"] = sign_test(kb_only, base_only)
    out["kb_beats_baseline"] = n > 0 and out["kb_fact"] > out["base_fact"]
    out["first_at_least_baseline"] = n > 0 and out["kb_first"] >= out["base_first"]
    return out


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test (scipy's binomial test at 1/2): the chance of a split at least
    this uneven between ``wins`` and ``losses`` if either side were equally likely to win."""
    from scipy.stats import binomtest

    return round(float(binomtest(wins, wins + losses, 0.5).pvalue), 4) if wins + losses else 1.0


def prepare(ext: ExternalSet, settings: Settings,
            embedder: Embedder | None = None) -> tuple[Settings, dict]:
    """Write the set's rendered files (if any) beside its store and ingest them (incrementally)."""
    from ingest.pipeline import run

    root = Path(settings.store) / "eval-external"
    ssettings = settings.with_(store=root / ext.name)
    folder = ext.folder
    if folder is None:
        folder = root / f"{ext.name}-docs"
        for rel, text in ext.files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
    report = run([folder], ssettings, embedder=embedder)
    return ssettings, report.to_dict()


def run(name: str, data: str | Path, settings: Settings, embedder: Embedder | None = None,
        limit: int = LIMIT,
        log: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    """Build, ingest and score one external set; the ``external-<name>.json`` content."""
    from kb.api import KnowledgeBase

    ext = build(name, data, limit)
    t0 = time.perf_counter()
    ssettings, ingest = prepare(ext, settings, embedder)
    log(f"{name}: {len(ext.questions)} questions, ingest {time.perf_counter() - t0:.0f} s")
    kb = KnowledgeBase(ssettings, embedder=embedder)
    t1 = time.perf_counter()
    results = [score(q, kb, settings.answer_sentences) for q in ext.questions]
    kinds = sorted({r.kind for r in results})
    return {"set": name, "store": str(ssettings.store), "documents": len(kb.docs()),
            "notes": ext.notes, "ingest": ingest, "seconds": round(time.perf_counter() - t1, 1),
            "baseline": "same hits as ask, same number of sentences, ranked by MiniLM cosine",
            "summary": summarise(results),
            "by_kind": {k: summarise([r for r in results if r.kind == k]) for k in kinds},
            "results": [asdict(r) for r in results]}


def set_names(chosen: str | None) -> list[str]:
    return list(SETS) if not chosen or chosen == "all" else [s.strip() for s in chosen.split(",")]
