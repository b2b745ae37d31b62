"""Any BEIR-layout folder through kb: dense, BM25 and hybrid side by side, in the IR shapes.

Layout: ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl`` (``_id``, ``text``) and
``qrels/<split>.tsv`` (``query-id``, ``corpus-id``, ``score``, with a header line). The corpus is
indexed once into ``<store>/beir/<name>`` (one Document per corpus entry, its source the corpus id)
and reused; every run after the first only re-scores.

Tuning (``tune``) reads the *train* qrels only; ``run`` reports whichever split it is given, and the
test split is never tuned on.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eval.metrics import Qrels, Run, evaluate, first_distinct
from kb.embedding import Embedder
from kb.errors import UsageError
from kb.settings import Settings

# nDCG@10 (and Recall@100 where published) on the test split; see ../shared/eval-data/SOURCES.md.
PUBLISHED: dict[str, dict[str, dict[str, float]]] = {
    "scifact": {
        "BM25 (BEIR paper)": {"ndcg@10": 0.665, "recall@100": 0.908},
        "all-MiniLM-L6-v2 dense (MTEB)": {"ndcg@10": 0.645},
        "BM25 + cross-encoder rerank (BEIR paper)": {"ndcg@10": 0.688, "recall@100": 0.908},
    },
}
BEIR_METRICS = ("ndcg@10", "recall@100", "mrr@10")
DEPTH = 100
FUSIONS = ("convex", "minmax", "rrf")
SCOPES = ("chunk", "document")


@dataclass
class BeirData:
    name: str
    corpus: dict[str, dict[str, str]]  # cid -> {"title", "text"}
    queries: dict[str, str]  # qid -> text (only the queries judged in this split)
    relevant: Qrels  # qid -> {cid: grade}
    split: str = "test"


def load_beir(folder: str | Path, split: str = "test") -> BeirData:
    """Read a BEIR folder; only the queries that have judgements in ``split`` are kept."""
    folder = Path(folder)
    qrels_path = folder / "qrels" / f"{split}.tsv"
    for path in (folder / "corpus.jsonl", folder / "queries.jsonl", qrels_path):
        if not path.is_file():
            raise UsageError(f"{folder} is not a BEIR folder: {path.name} is missing "
                             "(expected corpus.jsonl, queries.jsonl and qrels/<split>.tsv)")
    corpus = {str(r["_id"]): {"title": r.get("title") or "", "text": r.get("text") or ""}
              for r in _jsonl(folder / "corpus.jsonl")}
    relevant = read_qrels(qrels_path)
    queries = {str(r["_id"]): r["text"] for r in _jsonl(folder / "queries.jsonl")
               if str(r["_id"]) in relevant}
    relevant = {q: docs for q, docs in relevant.items() if q in queries}
    return BeirData(folder.resolve().name.lower(), corpus, queries, relevant, split)


def read_qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        parts = line.split("\t")
        if len(parts) < 3 or (i == 0 and not parts[2].strip().lstrip("-").isdigit()):
            continue  # the header, or a blank line
        qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


# -- the cached store ------------------------------------------------------------------------------
def beir_settings(settings: Settings, name: str) -> Settings:
    """Settings for the dataset's own store: ``<store>/beir/<name>``, candidates enough for @100."""
    return settings.with_(store=Path(settings.store) / "beir" / name,
                          candidates=max(settings.candidates, DEPTH))


def documents(data: BeirData):
    from kb.models import Document, Unit

    for cid, row in data.corpus.items():
        text = row["text"].strip() or row["title"]
        yield Document(source=cid, kind="document", title=row["title"], units=[Unit(text=text)])


def ensure_index(data: BeirData, settings: Settings, embedder: Embedder | None = None,
                 log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Index the corpus unless the cached store already holds every document of it."""
    from kb.store import Store

    store_settings = beir_settings(settings, data.name)
    store = Store(store_settings)
    done = sum(1 for r in store.records().values() if r.get("state") == "done")
    if done == len(data.corpus):
        return {"cached": True, "documents": done, "chunks": store.count(), "seconds": 0.0}
    from ingest.pipeline import write_documents

    if log:
        log(f"indexing {len(data.corpus)} documents of {data.name} into {store_settings.store} "
            f"({done} already there); this takes a while once, later runs reuse it")
    report = write_documents(documents(data), store_settings, embedder=embedder)
    return {"cached": False, "documents": len(data.corpus), "chunks": Store(store_settings).count(),
            "seconds": report.seconds}


# -- the three modes ------------------------------------------------------------------------------
def mode_settings(settings: Settings) -> dict[str, Settings]:
    """dense = cosine only, bm25 = lexical only, hybrid = the configured fusion and weight."""
    return {
        "dense": settings.with_(dense_weight=1.0, fusion="convex", fusion_scope="chunk"),
        "bm25": settings.with_(dense_weight=0.0, fusion="convex", fusion_scope="chunk"),
        "hybrid": settings,
    }


def _retrievers(settings: Settings, embedder: Embedder | None = None) -> dict[str, Any]:
    from kb.api import KnowledgeBase
    from kb.retrieval import Retriever

    base = KnowledgeBase(settings, embedder=embedder).retriever  # checks model and chunking
    return {mode: Retriever(base.store, base.embedder, s) for mode, s in
            mode_settings(settings).items()}


def query_vectors(queries: dict[str, str], embedder: Embedder) -> dict[str, np.ndarray]:
    """One ``embed_query`` per query, as ``kb search`` embeds it. Not one batch: the int8 ONNX
    backend quantizes activations per batch, so a query's vector depends on its batch-mates
    (cosine to its own single-query vector down to 0.98; SciFact test nDCG@10 moves by ~0.003)."""
    return {qid: embedder.embed_query(text) for qid, text in queries.items()}


def document_run(retriever, queries: dict[str, str], qvecs: dict[str, np.ndarray],
                 k: int = DEPTH) -> Run:
    """qid -> ranked corpus ids: one hit per document (``max_per_doc=1``), so sources are unique."""
    return {qid: [h.source for h in retriever.search(text, k=k, max_per_doc=1, qvec=qvecs[qid])]
            for qid, text in queries.items()}


def run(folder: str | Path, settings: Settings, split: str = "test",
        embedder: Embedder | None = None,
        log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Index (once) and score the three modes on ``split``; the JSON shape of ``kb eval --beir``."""
    data = load_beir(folder, split)
    index = ensure_index(data, settings, embedder, log)
    retrievers = _retrievers(beir_settings(settings, data.name), embedder)
    qvecs = query_vectors(data.queries, retrievers["hybrid"].embedder)
    modes, seconds = {}, {}
    for mode, retriever in retrievers.items():
        started = time.perf_counter()
        ranking = document_run(retriever, data.queries, qvecs)
        seconds[mode] = round(time.perf_counter() - started, 2)
        scores = evaluate(ranking, data.relevant, ks=(1, 5, 10, 100))
        modes[mode] = {m: round(scores[m], 4) for m in BEIR_METRICS}
    return {
        "dataset": data.name, "split": split, "queries": len(data.queries),
        "documents": len(data.corpus), "chunks": index["chunks"],
        "hybrid_config": {"fusion": settings.fusion, "fusion_scope": settings.fusion_scope,
                          "dense_weight": settings.dense_weight},
        "modes": modes, "published": PUBLISHED.get(data.name, {}),
        "index": index, "search_seconds": seconds,
    }


# -- tuning on the train qrels --------------------------------------------------------------------
@dataclass
class Pool:
    """One query's candidates with both scores, the way ``Retriever.search`` gathers them."""

    sources: list[str]
    dense: np.ndarray
    lexical: np.ndarray
    lexical_max: float
    extra: dict[str, Any] = field(default_factory=dict)


def candidate_pool(retriever, query: str, qvec: np.ndarray, k: int = DEPTH) -> Pool:
    """The candidate step of ``kb.retrieval.Retriever.search`` (no filters), so that many fusion
    settings can be scored from one retrieval. ``tests/eval`` checks it ranks the same."""
    pool = retriever.scored_pool(query, qvec, max(retriever.settings.candidates, k * 3))
    records = retriever.records()
    return Pool(sources=[records.get(d, {}).get("source", d) for d in pool.doc_ids],
                dense=pool.dense, lexical=pool.lexical, lexical_max=pool.lexical_max)


def rank_pool(pool: Pool, weight: float, method: str, k: int = DEPTH,
              scope: str = "chunk") -> list[str]:
    """Fuse with ``kb.fusion.fuse_scoped`` and keep each document's best chunk, in order."""
    from kb.fusion import fuse_scoped

    if not pool.sources:
        return []
    fused = fuse_scoped(pool.dense, pool.lexical, pool.lexical_max, weight, method, scope,
                        pool.sources)
    return first_distinct([pool.sources[i] for i in np.argsort(-fused, kind="stable")], k)


def weights(step: float = 0.1) -> list[float]:
    return [round(i * step, 2) for i in range(int(round(1 / step)) + 1)]


def tune(folder: str | Path, settings: Settings, split: str = "train",
         embedder: Embedder | None = None,
         log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Sweep fusion scope x fusion x dense_weight on ``split`` (train: tuning never reads the
    test qrels)."""
    if split == "test":
        raise UsageError("tuning on the test split would report a tuned-on number; "
                         "use --split train")
    data = load_beir(folder, split)
    index = ensure_index(data, settings, embedder, log)
    retriever = _retrievers(beir_settings(settings, data.name), embedder)["hybrid"]
    qvecs = query_vectors(data.queries, retriever.embedder)
    pools = {qid: candidate_pool(retriever, text, qvecs[qid]) for qid, text in data.queries.items()}
    rows = []
    for scope in SCOPES:
        for method in FUSIONS:
            for w in weights() if method != "rrf" else [None]:
                ranking = {qid: rank_pool(p, w if w is not None else 0.5, method, scope=scope)
                           for qid, p in pools.items()}
                scores = evaluate(ranking, data.relevant, ks=(1, 5, 10, 100))
                rows.append({"fusion": method, "fusion_scope": scope, "dense_weight": w,
                             **{m: round(scores[m], 4) for m in BEIR_METRICS}})
    best = max(rows, key=lambda r: (r["ndcg@10"], r["recall@100"]))
    return {"dataset": data.name, "split": split, "queries": len(data.queries),
            "chunks": index["chunks"], "rows": rows, "best": best,
            "configured": {"fusion": settings.fusion, "fusion_scope": settings.fusion_scope,
                           "dense_weight": settings.dense_weight}}


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
