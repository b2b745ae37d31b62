"""Benchmark stores of a given size, grown from real text and cached.

A store of N chunks holds the starter corpus plus sentence-sized passages (1-3 sentences, about
30-60 tokens) of real text: EU call topics (descriptions and objectives) and SciFact abstracts
from ``../shared/eval-data``. Passages are short on purpose: embedding 100,000 chunks of 200
tokens would take about two hours on two cores; short texts embed about ten times faster. Every
passage is its own unit, so it becomes exactly one chunk; one topic or abstract is one document.

The passages come in a fixed order (first every passage with sentence boundaries as found, then a
second pass over the same sentences shifted by one sentence, which gives different, overlapping
passages once the first pass is used up), so a smaller store is a prefix of a bigger one. Stores
live in ``<store>/bench/<size>`` and grow incrementally: a 100,000 store starts as a copy of the
10,000 one and only the new documents are embedded.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kb.embedding import Embedder
from kb.models import Document, Unit
from kb.settings import Settings

EVAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval-data"
READY = "bench-ready.json"
MIN_WORDS, MAX_WORDS, MAX_SENTENCES, LONGEST_SENTENCE, MAX_PAIR_WORDS = 22, 45, 3, 90, 80
PASSES = ("grouped", "pairs", "singles")

_HEADER = re.compile(r"(Objective|Scope|Expected Outcomes?|Expected Impacts?|Specific conditions)"
                     r"\s*:\s*")
_GLUED = re.compile(r"(?<=[a-z0-9)][.!?])(?=[A-Z])")
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n+")


@dataclass
class Source:
    """One real document to draw passages from: its id, title and sentences."""

    key: str
    title: str
    sentences: list[str]


def prose_sentences(text: str) -> list[str]:
    """Sentences of plain prose, with glued headers ("Scope:The ...") and sentences separated."""
    text = _HEADER.sub("\n", text or "")
    text = _GLUED.sub(" ", text)
    out = []
    for piece in _BOUNDARY.split(text):
        words = piece.split()
        if len(words) < 4 or len(words) > LONGEST_SENTENCE:
            continue
        out.append(" ".join(words))
    return out


def passages(sentences: list[str], shift: int = 0) -> list[str]:
    """Consecutive sentences grouped into passages of 1-3 sentences (about 22-45 words)."""
    out: list[str] = []
    current: list[str] = []
    words = 0
    for sentence in sentences[shift:]:
        n = len(sentence.split())
        if current and (words + n > MAX_WORDS or len(current) == MAX_SENTENCES):
            out.append(" ".join(current))
            current, words = [], 0
        current.append(sentence)
        words += n
        if words >= MIN_WORDS:
            out.append(" ".join(current))
            current, words = [], 0
    if current:
        out.append(" ".join(current))
    return out


def real_sources(data: Path = EVAL_DATA) -> list[Source]:
    """EU call topics and SciFact abstracts, interleaved (one topic, then about eight abstracts)."""
    eu, sci = [], []
    topics = data / "eu-call-topics" / "eu_ft_call_topics_open.jsonl"
    if topics.is_file():
        for line in topics.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            text = "\n".join(row.get(k) or "" for k in ("description", "objectives"))
            eu.append(Source(f"eu/{row['reference']}", row.get("title") or row["reference"],
                             prose_sentences(text)))
    corpus = data / "scifact" / "corpus.jsonl"
    if corpus.is_file():
        for line in corpus.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            sci.append(Source(f"scifact/{row['_id']}", row.get("title") or row["_id"],
                              prose_sentences(row.get("text") or "")))
    if not eu and not sci:
        raise FileNotFoundError(f"no EU topics or SciFact corpus under {data}")
    step = max(1, round(len(sci) / max(len(eu), 1)))
    out: list[Source] = []
    for i in range(max(len(eu), -(-len(sci) // step))):
        out.extend(eu[i:i + 1])
        out.extend(sci[i * step:(i + 1) * step])
    return out


def windows(sentences: list[str], mode: str) -> list[str]:
    """Passages of one pass: ``grouped`` (1-3 sentences, see ``passages``), ``pairs`` (every two
    consecutive sentences) or ``singles`` (every sentence of 8 words or more)."""
    if mode == "grouped":
        return passages(sentences)
    if mode == "pairs":
        pairs = (f"{a} {b}" for a, b in zip(sentences, sentences[1:], strict=False))
        return [p for p in pairs if len(p.split()) <= MAX_PAIR_WORDS]
    return [s for s in sentences if len(s.split()) >= 8]


def passage_documents(sources: list[Source]) -> Iterator[Document]:
    """Documents of one passage per unit, in passes (see ``PASSES``); a passage seen before
    (boilerplate repeated across topics, or a pair that is also a grouped passage) is left out."""
    seen: set[str] = set()
    for mode in PASSES:
        tag = "" if mode == "grouped" else f"#{mode}"
        for src in sources:
            units = []
            for text in windows(src.sentences, mode):
                key = text.lower()
                if key not in seen:
                    seen.add(key)
                    units.append(Unit(text=text))
            if units:
                yield Document(source=f"bench/{src.key}{tag}", kind="document", title=src.title,
                               units=units, metadata={"bench": True})


def documents_for(chunks: int, sources: list[Source]) -> list[Document]:
    """The first documents whose passages add up to ``chunks``; the last one is cut to fit."""
    out: list[Document] = []
    total = 0
    for doc in passage_documents(sources):
        if total >= chunks:
            break
        take = min(len(doc.units), chunks - total)
        if take < len(doc.units):
            doc = Document(doc.source, doc.kind, doc.title, doc.units[:take], doc.metadata)
        out.append(doc)
        total += take
    return out


def available_passages(sources: list[Source]) -> int:
    return sum(len(d.units) for d in passage_documents(sources))


# -- building stores ------------------------------------------------------------------------------
def store_path(settings: Settings, size: int) -> Path:
    return settings.store / "bench" / str(size)


def ready_info(path: Path) -> dict | None:
    try:
        return json.loads((path / READY).read_text())
    except (OSError, ValueError):
        return None


def build_stores(settings: Settings, sizes: list[int], corpus: Path, embedder: Embedder,
                 data: Path = EVAL_DATA, log=print) -> dict[int, dict]:
    """Each size's store (built or reused): ``{size: ready info}``. Sizes are built smallest
    first; each starts from a copy of the biggest smaller one already built."""
    from ingest.pipeline import run

    sources = None
    done: dict[int, dict] = {}
    for size in sorted(sizes):
        path = store_path(settings, size)
        info = ready_info(path)
        if info and info.get("corpus") == str(corpus.resolve()):
            s = settings.with_(store=path, chroma_url=None)
            report = run([corpus], s, embedder=embedder)
            if report.added or report.updated or report.removed:  # the corpus changed
                info.update(chunks=_count(s), corpus_chunks=_corpus_chunks(s, corpus))
                (path / READY).write_text(json.dumps(info, indent=2))
            done[size] = info
            continue
        sources = sources or real_sources(data)
        smaller = [s for s in done if s < size]
        if smaller and not path.exists():
            log(f"bench: store {size}: starting from a copy of store {max(smaller)}")
            shutil.copytree(store_path(settings, max(smaller)), path)
            (path / READY).unlink(missing_ok=True)
        s = settings.with_(store=path, chroma_url=None)
        started = time.perf_counter()
        corpus_report = run([corpus], s, embedder=embedder)
        corpus_chunks = _corpus_chunks(s, corpus)
        docs = documents_for(max(size - corpus_chunks, 0), sources)
        want = sum(len(d.units) for d in docs)
        log(f"bench: store {size}: corpus {corpus_chunks} chunks + {want} passages "
            f"({len(docs)} documents); embedding what is new ...")
        report = _write_in_parts(docs, s, embedder, log)
        info = {"size": size, "chunks": _count(s), "corpus_chunks": corpus_chunks,
                "passages": want, "documents": len(docs), "corpus": str(corpus.resolve()),
                "new_chunks": report["chunks"] + corpus_report.chunks,
                "build_seconds": round(time.perf_counter() - started, 1),
                "passages_available": available_passages(sources)}
        (path / READY).write_text(json.dumps(info, indent=2))
        done[size] = info
    return done


def _write_in_parts(docs: list[Document], settings: Settings, embedder: Embedder, log,
                    part_chunks: int = 10_000) -> dict:
    """write_documents in parts of about ``part_chunks`` passages, so a long build reports progress
    and an interrupted one keeps what it finished (the ingest is incremental). Each part ends with
    a BM25 rebuild over the whole store, hence parts this big."""
    from ingest.pipeline import write_documents

    total = sum(len(d.units) for d in docs)
    chunks, seen, started = 0, 0, time.perf_counter()
    part: list[Document] = []
    in_part = 0
    for i, doc in enumerate(docs):
        part.append(doc)
        in_part += len(doc.units)
        if in_part < part_chunks and i + 1 < len(docs):
            continue
        report = write_documents(part, settings, embedder=embedder)
        chunks += report.chunks
        seen += in_part
        part, in_part = [], 0
        rate = chunks / max(time.perf_counter() - started, 1e-9)
        left = (total - seen) / rate if rate and chunks else 0
        log(f"bench:   {seen}/{total} passages ({chunks} embedded, {rate:.0f}/s, "
            f"about {left / 60:.0f} min left)")
    return {"chunks": chunks}


def _count(settings: Settings) -> int:
    from kb.store import Store

    return Store(settings).count()


def _corpus_chunks(settings: Settings, corpus: Path) -> int:
    from kb.store import Store

    root = str(corpus.resolve())
    return sum(int(r.get("chunks", 0)) for r in Store(settings).records().values()
               if r.get("root") == root)


def main(argv: list[str] | None = None) -> int:
    """``python -m eval.grow STORE SIZE...``: build (or reuse) the benchmark stores."""
    import argparse

    import kb  # noqa: F401  (offline environment first)
    from kb.embedding import get_embedder

    p = argparse.ArgumentParser(prog="python -m eval.grow", description=main.__doc__)
    p.add_argument("store")
    p.add_argument("sizes", nargs="+", type=int)
    p.add_argument("--corpus", default=str(Path(__file__).resolve().parents[1] / "corpus"))
    p.add_argument("--batch-size", type=int, default=128, help="encode batch for the passages")
    p.add_argument("--backend", choices=["torch", "onnx"], default="torch",
                   help="onnx: the same vectors (max difference ~1e-7) for about half the CPU")
    args = p.parse_args(argv)
    settings = Settings(store=Path(args.store))
    if args.backend == "onnx":
        from kb.embedding_onnx import OnnxEmbedder

        embedder = OnnxEmbedder(settings.embed_model)
    else:
        embedder = get_embedder(settings)
    with short_text_batches(embedder, args.batch_size):
        info = build_stores(settings, args.sizes, Path(args.corpus), embedder,
                            log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(info, indent=2))
    return 0


class short_text_batches:
    """Bigger encode batches while growing stores from short passages (faster; same vectors)."""

    def __init__(self, embedder: Embedder, batch_size: int) -> None:
        self.embedder, self.batch_size = embedder, batch_size
        self.old = getattr(embedder, "batch_size", None)

    def __enter__(self) -> None:
        if self.old is not None:
            self.embedder.batch_size = self.batch_size

    def __exit__(self, *exc) -> None:
        if self.old is not None:
            self.embedder.batch_size = self.old


if __name__ == "__main__":
    sys.exit(main())
