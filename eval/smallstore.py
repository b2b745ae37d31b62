"""``kb eval --small-store``: the golden set asked of small stores instead of the whole corpus.

Each answerable question (with the questions it follows up) gets a store holding its own
documents plus ``OTHERS`` more of the corpus: those with the smallest sha1 of
``"<its documents>|<other source>"``, so the choice is fixed and differs between questions.
Questions with the same documents share a store. Each out-of-scope question is asked of one of
these stores in turn (by its position in the set). Reported: false abstentions (answerable
questions declined), out-of-scope questions declined, and facts present, over all small stores.

Every store ingests copies of the corpus files under ``<store>/eval-small/``; one
``MemoEmbedder`` embeds each chunk once for all of them.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval import golden
from eval.external import MemoEmbedder
from kb.settings import Settings

if TYPE_CHECKING:
    from kb.embedding import Embedder


OTHERS = 10


def corpus_sources(corpus: Path) -> list[str]:
    from ingest.loaders import supported

    return sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*")
                  if p.is_file() and supported(p) and p.name != "README.md")


def chain(item: golden.GoldenItem, by_id: dict[str, golden.GoldenItem]) -> list[golden.GoldenItem]:
    """The item after the questions it follows up, first question first."""
    out = [item]
    while out[0].follow_up_of:
        out.insert(0, by_id[out[0].follow_up_of])
    return out


def store_documents(own: list[str], every: list[str], others: int = OTHERS) -> list[str]:
    """``own`` plus the ``others`` other sources with the smallest sha1 of "own|source"."""
    key = ",".join(sorted(own))
    rest = sorted((s for s in every if s not in own),
                  key=lambda s: hashlib.sha1(f"{key}|{s}".encode()).hexdigest())
    return sorted(set(own) | set(rest[:others]))


def groups(items: list[golden.GoldenItem], every: list[str]) -> dict[tuple[str, ...], list]:
    """Store documents -> the question chains asked of that store."""
    by_id = {i.id: i for i in items}
    out: dict[tuple[str, ...], list[list[golden.GoldenItem]]] = {}
    for item in items:
        if not item.answerable:
            continue
        asked = chain(item, by_id)
        own = sorted({s for i in asked for s in i.sources})
        out.setdefault(tuple(store_documents(own, every)), []).append(asked)
    keys = list(out)
    for n, item in enumerate(i for i in items if not i.answerable):
        if keys:
            out[keys[n % len(keys)]].append([item])
    return out


def build_store(docs: tuple[str, ...], corpus: Path, root: Path, n: int, settings: Settings,
                embedder: Embedder) -> Settings:
    from ingest.pipeline import run

    folder = root / f"docs-{n:03d}"
    if folder.exists():
        shutil.rmtree(folder)
    for rel in docs:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / rel, folder / rel)
    ssettings = settings.with_(store=root / f"store-{n:03d}")
    report = run([folder], ssettings, embedder=embedder)
    if report.failed:
        raise RuntimeError(f"small store {n} did not ingest: {report.failed}")
    return ssettings


def run(settings: Settings, golden_path: str | Path | None = None,
        corpus: str | Path | None = None, embedder: Embedder | None = None,
        log: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    from kb.api import KnowledgeBase
    from kb.embedding import get_embedder

    corpus = Path(corpus) if corpus else golden.REPO_CORPUS
    items = golden.load_golden(golden_path)
    every = corpus_sources(corpus)
    memo = MemoEmbedder(embedder or get_embedder(settings))
    root = Path(settings.store) / "eval-small"
    results, stores = [], []
    t0 = time.perf_counter()
    for n, (docs, chains) in enumerate(groups(items, every).items()):
        kb = KnowledgeBase(build_store(docs, corpus, root, n, settings, memo), embedder=memo)
        asked = list({i.id: i for c in chains for i in c}.values())
        by_id = {r.id: r for r in golden.run_items(asked, kb)}
        targets = [c[-1].id for c in chains]
        results += [by_id[t] for t in targets]
        stores.append({"documents": len(docs), "questions": targets})
        log(f"small store {n + 1}: {len(docs)} documents, {len(targets)} questions")
    answerable = [r for r in results if r.type == "answerable"]
    oos = [r for r in results if r.type == "out_of_scope"]
    share = lambda xs: round(sum(xs) / len(xs), 4) if xs else None  # noqa: E731
    facts = [r.facts_present for r in answerable if r.facts_present is not None]
    return {"stores": len(stores), "others": OTHERS,
            "documents_per_store": sorted({s["documents"] for s in stores}),
            "answerable": len(answerable), "out_of_scope": len(oos),
            "false_abstention": share([r.abstained for r in answerable]),
            "false_abstentions": [r.id for r in answerable if r.abstained],
            "abstention_oos": share([r.abstained for r in oos]),
            "oos_answered": [r.id for r in oos if not r.abstained],
            "facts_present": share(facts),
            "heldout_false_abstention": share([r.abstained for r in answerable
                                               if r.split == "heldout"]),
            "seconds": round(time.perf_counter() - t0, 1), "store_list": stores,
            "declined": [{"id": r.id, "question": r.question,
                          "signals": {k: getattr(r, k) for k in golden.SIGNALS}}
                         for r in answerable if r.abstained]}
