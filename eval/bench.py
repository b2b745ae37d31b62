"""``kb bench``: speed, memory and load, each ratio measured side by side in one run.

Sections (each records the load average before and after it, and when it ran):

- ``throughput``: the raw encoder (sentence-transformers' ``SentenceTransformer.encode``, torch, on
  the corpus' stored chunk texts, the same ``title — section\\ntext`` strings kb embeds) and kb's
  own configured encoder alone on the same texts, against ``kb ingest`` of the corpus into a fresh
  store (model already loaded), with and without answer-sentence vectors, alternately, three times,
  best of each; then the re-ingest of the unchanged corpus as a fraction of the first ingest.
- ``latency``: ``search`` and ``ask`` p50/p95 at each store size (see ``eval.grow``), ~50 golden
  questions run once untimed (the page cache warm), then several times with the query-embedding
  cache cleared before every call, beside the bare encoder (``_model.encode([q])``) timed in the
  same loop.
- ``memory``: peak RSS (``VmHWM`` of a child process) of ingesting the corpus and of a
  KnowledgeBase that answered every golden question; ``bigfiles`` adds a 10 MB text file and a
  500-page PDF (real EU-topic text).
- ``peer``: the plain llama-index pipeline (SimpleDirectoryReader + VectorStoreIndex over a fresh
  Chroma collection, same model, default settings) against kb: ingest time and hit@5.
- ``onnx``: torch / onnx / onnx-int8 throughput, single-query latency and vector differences;
  ``scifact`` adds dense nDCG@10 on SciFact for each (minutes per backend).
- ``load``: concurrent gradio_client clients against ``app.py`` (see ``eval.loadtest``).

Results are merged into ``eval/results/bench.json`` (a section not run keeps its earlier result,
with its own date and load).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kb.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "eval" / "results" / "bench.json"
DEFAULT_SECTIONS = ("throughput", "latency", "memory", "peer", "onnx")
QUICK_SECTIONS = ("throughput", "latency")
ALL_SECTIONS = (*DEFAULT_SECTIONS, "bigfiles", "scifact", "load")
MB = 1024 * 1024
MEMORY_NOTE = "peak RSS (VmHWM) of a fresh child process doing only that, imports included"


# -- small measuring tools ------------------------------------------------------------------------
def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - started


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank, as latency reports usually give it)."""
    import math

    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def latency_ms(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(pct(values, 50) * 1000, 1), "p95_ms": round(pct(values, 95) * 1000, 1),
            "n": len(values)}


def clear_query_cache(embedder) -> None:
    cache = getattr(embedder, "_cache", None)
    if cache is not None:
        cache.clear()


def bare_encode(embedder, texts: list[str]):
    """The encoder without kb around it: sentence-transformers' ``encode`` (or ONNX's)."""
    model = getattr(embedder, "_model", None)
    if model is not None:
        return model.encode(texts, batch_size=32, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)
    return embedder.encode(texts)


def child(kind: str, *args: str, timeout: float = 3600) -> dict:
    """``python -m eval.bench --child KIND ARGS`` to the end: its JSON answer, which includes its
    own peak RSS (``VmHWM``) as ``peak_rss_mb``."""
    cmd = [sys.executable, "-m", "eval.bench", "--child", kind, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"bench child {kind} failed ({proc.returncode}): {proc.stderr[-1500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """This process's RSS high-water mark: ``VmHWM`` (Linux), else ``ru_maxrss``. Not
    ``ru_maxrss`` first: Linux carries it over ``exec`` from the forking parent, so a child of a
    big process would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# -- the run --------------------------------------------------------------------------------------
class Bench:
    def __init__(self, settings: Settings, corpus: Path, quick: bool, repeats: int,
                 questions: int, log: Callable[[str], None], data: Path | None = None) -> None:
        from eval.grow import EVAL_DATA

        self.settings = settings
        self.corpus = corpus.resolve()
        self.data = data or EVAL_DATA
        self.root = settings.store / "bench"
        self.quick = quick
        self.repeats = repeats
        self.n_questions = questions
        self.log = log
        self._embedder = None
        self._scratch_cleared = False
        self.results: dict[str, Any] = {}

    @property
    def embedder(self):
        if self._embedder is None:
            from kb.embedding import get_embedder

            self._embedder = get_embedder(self.settings)
        return self._embedder

    def scratch(self) -> Path:
        """A new, empty store folder (chromadb keeps a client per path for the whole process, so
        a folder is never deleted and reused); earlier runs' scratch folders are removed."""
        import tempfile

        parent = self.root / "scratch"
        if not self._scratch_cleared:
            shutil.rmtree(parent, ignore_errors=True)
            self._scratch_cleared = True
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="ingest-", dir=parent))

    def local(self, path: Path) -> Settings:
        return self.settings.with_(store=path, chroma_url=None)

    def questions(self) -> list[str]:
        """Golden questions (no follow-ups), spread over every golden file."""
        from eval.golden import load_golden

        items = [i for i in load_golden() if not i.follow_up_of]
        step = max(1, len(items) // self.n_questions)
        return [i.question for i in items[::step]][:self.n_questions]

    def corpus_store(self) -> Settings:
        """The corpus ingested into ``<store>/bench/corpus`` (incremental: kept between runs)."""
        from ingest.pipeline import run

        s = self.local(self.root / "corpus")
        report = run([self.corpus], s, embedder=self.embedder)
        if report.failed:
            self.log(f"bench: {len(report.failed)} corpus files failed: {report.failed[:3]}")
        return s

    def corpus_texts(self) -> list[str]:
        """What kb embeds for each chunk of the corpus: heading + newline + text."""
        from kb.models import heading
        from kb.store import Store

        texts = []
        for _ids, docs, metas in Store(self.corpus_store()).iter_chunks():
            texts.extend(heading(m) + "\n" + (d or "") for d, m in zip(docs, metas, strict=True))
        return texts

    def section(self, name: str, fn: Callable[[], dict]) -> None:
        self.log(f"bench: {name} ...")
        before = load_avg()
        started = time.perf_counter()
        result = fn()
        result["load_before"], result["load_after"] = before, load_avg()
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.results[name] = result
        self.log(f"bench: {name} done in {result['seconds']:.0f} s (load {before[0]} -> "
                 f"{result['load_after'][0]})")

    # -- 1, 2: throughput and re-ingest -----------------------------------------------------------
    def throughput(self) -> dict:
        """kb's ingest of the corpus against two encoders on the same chunk texts, alternately,
        best of each. ``raw`` is the issue's reference, sentence-transformers' own
        ``SentenceTransformer.encode`` (torch, its default backend, batch 32): what a user gets
        without kb. ``encoder`` is kb's configured encoder alone (onnx-int8 by default), so
        ingest/encoder is what kb costs beyond its own encoder. The ingest runs twice, with the
        answer-sentence vectors (``KB_SENTENCE_VECTORS``) and without, so one run shows what they
        cost. The target reads ingest/raw with the configured setting."""
        from ingest.pipeline import run
        from kb.embedding import get_embedder

        texts = self.corpus_texts()
        library = get_embedder(self.settings.with_(embed_backend="torch"))
        raw, encoder, ingest, other, reingest = [], [], [], [], []
        on = self.settings.sentence_vectors
        for trial in range(1 if self.quick else 3):
            raw.append(len(texts) / timed(bare_encode, library, texts))
            encoder.append(raw[-1] if library is self.embedder
                           else len(texts) / timed(bare_encode, self.embedder, texts))
            s = self.local(self.scratch())
            first = run([self.corpus], s, embedder=self.embedder)
            ingest.append(first.chunks / first.seconds)
            again = run([self.corpus], s, embedder=self.embedder)
            reingest.append({"first_s": first.seconds, "again_s": again.seconds,
                             "fraction": round(again.seconds / first.seconds, 4),
                             "unchanged": again.unchanged, "chunks": first.chunks})
            flipped = run([self.corpus], self.local(self.scratch()).with_(sentence_vectors=not on),
                          embedder=self.embedder)
            other.append(flipped.chunks / flipped.seconds)
            state = ("on", "off") if on else ("off", "on")
            self.log(f"bench:   trial {trial + 1}: SentenceTransformer.encode {raw[-1]:.1f} "
                     f"chunks/s, kb's encoder {encoder[-1]:.1f} chunks/s, ingest "
                     f"{ingest[-1]:.1f} chunks/s (sentence vectors {state[0]}; {other[-1]:.1f} "
                     f"{state[1]}), re-ingest {again.seconds:.2f} s")
        best = min(reingest, key=lambda r: r["fraction"])
        with_sv, without_sv = (ingest, other) if on else (other, ingest)

        def ratios(reference: list[float]) -> dict[str, float]:
            return {"with_sentence_vectors": round(max(with_sv) / max(reference), 3),
                    "without_sentence_vectors": round(max(without_sv) / max(reference), 3)}

        return {"chunks": len(texts), "trials": len(raw), "sentence_vectors": on,
                "backend": self.settings.embed_backend,
                "raw_chunks_per_s": [round(x, 2) for x in raw], "raw_best": round(max(raw), 2),
                "encoder_chunks_per_s": [round(x, 2) for x in encoder],
                "encoder_best": round(max(encoder), 2),
                "ingest_chunks_per_s": [round(x, 2) for x in ingest],
                "ingest_best": round(max(ingest), 2),
                "ingest_other_chunks_per_s": [round(x, 2) for x in other],
                "ingest_other_best": round(max(other), 2),
                "ratio_ingest_raw": round(max(ingest) / max(raw), 3),
                "ratios_to_raw": ratios(raw), "ratios_to_encoder": ratios(encoder),
                "kb_ingest_best_s": round(min(r["first_s"] for r in reingest), 2),
                "reingest": reingest, "reingest_fraction": best["fraction"],
                "note": "raw: SentenceTransformer.encode (torch, batch 32) on the stored chunk "
                        "texts; encoder: kb's configured encoder alone on the same texts; ingest: "
                        "ingest.pipeline.run into a fresh store, model loaded, with the configured "
                        "KB_SENTENCE_VECTORS and with the other value; alternately, best of each"}

    # -- 3: latency at store sizes ----------------------------------------------------------------
    def latency(self, sizes: list[int]) -> dict:
        from eval.grow import build_stores, short_text_batches, store_path
        from kb.api import KnowledgeBase

        with short_text_batches(self.embedder, 128):
            infos = build_stores(self.settings, sizes, self.corpus, self.embedder, self.data,
                                 log=self.log)
        questions = self.questions()
        rows = {}
        for size in sorted(sizes):
            kb_ = KnowledgeBase(self.local(store_path(self.settings, size)), embedder=self.embedder)
            kb_.warm_up()
            rows[str(size)] = {"chunks": infos[size]["chunks"], "load_before": load_avg(),
                               **self._time_queries(kb_, questions), "load_after": load_avg()}
            self.log(f"bench:   {size}: {rows[str(size)]}")
        return {"sizes": rows, "questions": len(questions), "repeats": self.repeats,
                "backend": self.settings.embed_backend,
                "stores": {str(k): v for k, v in infos.items()},
                "note": "after one untimed pass over the questions (page cache warm); "
                        "query-embedding cache cleared before every encoder/search/ask call "
                        "(search_cached: the same query again, its embedding cached); store "
                        "text: the corpus plus real passages of 1-3 sentences (EU call topics, "
                        "SciFact abstracts), shorter than kb's 200-token chunks so that 100k "
                        "embed in reasonable time (see eval/grow.py)"}

    def _time_queries(self, kb_, questions: list[str]) -> dict:
        """Steady-state latency: one untimed pass over the questions first, so that the pages of
        the store files they read are in the OS page cache, as on a server that has been up a
        while (cold, a big store's first reads of a chunk's row come from disk)."""
        emb = kb_.embedder
        for q in questions:
            kb_.ask(q)
        times: dict[str, list[float]] = {"encoder": [], "search": [], "search_cached": [],
                                         "ask": []}
        for _ in range(self.repeats):
            for q in questions:
                times["encoder"].append(timed(bare_encode, emb, [q]))
                clear_query_cache(emb)
                times["search"].append(timed(kb_.search, q, k=10))
                times["search_cached"].append(timed(kb_.search, q, k=10))
                clear_query_cache(emb)
                times["ask"].append(timed(kb_.ask, q))
        return {name: latency_ms(v) for name, v in times.items()}

    # -- 4: memory --------------------------------------------------------------------------------
    def memory(self) -> dict:
        import tempfile

        out: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
            out["ingest_corpus"] = child("ingest", str(Path(tmp) / "store"), str(self.corpus))
        self.corpus_store()
        out["serve_kb"] = child("serve", str(self.root / "corpus"))
        out["note"] = MEMORY_NOTE
        return out

    def big_files(self) -> dict:
        """Peak RSS of ingesting a 10 MB text file and a 500-page PDF, each into a new store."""
        import tempfile

        from eval.grow import EVAL_DATA

        out: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
            txt, pdf = make_big_text(Path(tmp) / "big.txt"), make_big_pdf(Path(tmp) / "big.pdf")
            for name, path in (("ingest_10mb_txt", txt), ("ingest_500_page_pdf", pdf)):
                self.log(f"bench:   {name} ({path.stat().st_size / MB:.1f} MB) ...")
                got = child("ingest", str(Path(tmp) / f"store-{name}"), str(path),
                            timeout=4 * 3600)
                out[name] = {**got, "file_mb": round(path.stat().st_size / MB, 1)}
        out["note"] = f"{MEMORY_NOTE}; text: EU call topics and SciFact from {EVAL_DATA}"
        return out

    # -- 5: the llama-index peer ------------------------------------------------------------------
    def peer(self) -> dict:
        import tempfile

        from eval.golden import load_golden

        items = [i for i in load_golden() if i.answerable and not i.follow_up_of]
        kb_hits = self._kb_hit5(items)
        with tempfile.TemporaryDirectory(prefix="kb-peer-") as tmp:
            got = child("peer", str(self.corpus), tmp)
        kb_ingest = self.results.get("throughput", {}).get("kb_ingest_best_s")
        if kb_ingest is None:
            from ingest.pipeline import run

            s = self.local(self.scratch())
            kb_ingest = run([self.corpus], s, embedder=self.embedder).seconds
        return {"questions": len(items), "kb": {"ingest_s": kb_ingest, "hit@5": kb_hits},
                "llama_index": got,
                "note": "answerable golden questions without follow-ups; hit@5: an expected "
                        "source among the first 5 distinct source files of the top-10 results"}

    def _kb_hit5(self, items) -> float:
        from kb.api import KnowledgeBase

        kb_ = KnowledgeBase(self.corpus_store(), embedder=self.embedder)
        hits = 0
        for item in items:
            sources = list(dict.fromkeys(h.source for h in kb_.search(item.question, k=10)))
            hits += any(s in item.sources for s in sources[:5])
        return round(hits / len(items), 3)

    # -- 6: ONNX ----------------------------------------------------------------------------------
    def onnx(self) -> dict:
        import numpy as np

        texts = self.corpus_texts()
        questions = self.questions()
        models = backends(self.settings)
        speed: dict[str, list[float]] = {b: [] for b in models}
        vectors = {}
        for _ in range(2):
            for name, emb in models.items():
                started = time.perf_counter()
                vectors[name] = bare_encode(emb, texts)
                speed[name].append(len(texts) / (time.perf_counter() - started))
        single: dict[str, list[float]] = {b: [] for b in models}
        for _ in range(self.repeats):
            for q in questions:
                for name, emb in models.items():
                    single[name].append(timed(bare_encode, emb, [q]))
        ref = vectors["torch"]
        out = {}
        for name in models:
            v = vectors[name]
            out[name] = {"passages_per_s": round(max(speed[name]), 2),
                         "trials": [round(x, 2) for x in speed[name]],
                         "query": latency_ms(single[name]),
                         "max_abs_diff": float(np.abs(v - ref).max()),
                         "min_cosine": round(float((v * ref).sum(1).min()), 5)}
        return {"backends": out, "texts": len(texts),
                "note": f"corpus chunk texts (as embedded), batch "
                        f"{self.settings.embed_batch_size}; single query: one golden question, "
                        "bare encode"}

    def scifact(self) -> dict:
        return scifact_quality(self.settings, self.root / "scifact", self.log)

    # -- 7: load ----------------------------------------------------------------------------------
    def load(self) -> dict:
        from eval.loadtest import run_loadtest

        self.corpus_store()
        return run_loadtest(self.settings, self.root / "corpus", self.corpus, self.questions(),
                            quick=self.quick, log=self.log)


def backends(settings: Settings) -> dict[str, Any]:
    """The three backends of the configured model, each loaded by name (the default is one of
    them: never assume which)."""
    from kb.embedding import BACKENDS, get_embedder

    return {name: get_embedder(settings.with_(embed_backend=name)) for name in BACKENDS}


def scifact_quality(settings: Settings, cache: Path, log) -> dict:
    """Dense nDCG@10 on SciFact (test) for each backend; corpus vectors cached per backend."""
    import numpy as np

    from eval.beir import load_beir
    from eval.grow import EVAL_DATA
    from eval.metrics import evaluate

    data = load_beir(EVAL_DATA / "scifact", "test")
    ids = list(data.corpus)
    texts = [f"{d['title']} {d['text']}".strip() for d in data.corpus.values()]
    qids = list(data.queries)
    cache.mkdir(parents=True, exist_ok=True)
    out, corpora, queried = {}, {}, {}

    def ndcg(queries, docs) -> dict[str, float]:
        scores = queries @ docs.T
        run = {q: [ids[j] for j in np.argsort(-scores[i])[:100]] for i, q in enumerate(qids)}
        return evaluate(run, data.relevant, ks=(10, 100))

    for name, emb in backends(settings).items():
        path = cache / f"{name}-corpus.npy"
        seconds = None
        if path.is_file():
            docs = np.load(path)
        else:
            log(f"bench:   scifact: encoding {len(texts)} abstracts with {name} ...")
            started = time.perf_counter()
            docs = bare_encode(emb, texts)
            seconds = time.perf_counter() - started
            np.save(path, docs)
        queries = bare_encode(emb, [data.queries[q] for q in qids])
        corpora[name], queried[name] = docs, queries
        metrics = ndcg(queries, docs)
        out[name] = {"ndcg@10": round(metrics["ndcg@10"], 4),
                     "recall@100": round(metrics["recall@100"], 4),
                     "abstracts_per_s": round(len(texts) / seconds, 2) if seconds else None,
                     "load_after": load_avg()}
        log(f"bench:   scifact {name}: {out[name]}")
    ref = out["torch"]["ndcg@10"]
    for name in out:
        out[name]["delta_ndcg@10"] = round(out[name]["ndcg@10"] - ref, 4)
        out[name]["keeps_quality"] = abs(out[name]["ndcg@10"] - ref) <= 0.005
    # A store written by one backend is searched with another's query vectors: does it cost?
    mixed = {f"queries {q} / corpus {d}": round(ndcg(queried[q], corpora[d])["ndcg@10"], 4)
             for q in queried for d in corpora if q != d}
    return {"backends": out, "mixed_ndcg@10": mixed, "queries": len(qids), "documents": len(ids),
            "note": "dense only: title + ' ' + abstract, exact dot-product search"}


# -- big files ------------------------------------------------------------------------------------
def _real_paragraphs() -> list[str]:
    from eval.grow import EVAL_DATA

    out = []
    topics = EVAL_DATA / "eu-call-topics" / "eu_ft_call_topics_open.jsonl"
    for line in topics.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        fields = (row.get("title"), row.get("description"), row.get("objectives"))
        out.extend(t for t in fields if t)
    for line in (EVAL_DATA / "scifact" / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out.append(f"{row.get('title', '')}. {row.get('text', '')}")
    return out


def make_big_text(path: Path, size: int = 10 * MB) -> Path:
    """About ``size`` bytes of real text (EU topics, then SciFact abstracts), paragraph per line."""
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Benchmark text: EU call topics and SciFact abstracts\n\n")
        while written < size:
            for para in _real_paragraphs():
                fh.write(para + "\n\n")
                written += len(para.encode()) + 2
                if written >= size:
                    break
    return path


def make_big_pdf(path: Path, pages: int = 500) -> Path:
    """A ``pages``-page PDF with a real text layer (EU topic text, 50 lines of 95 characters)."""
    import textwrap

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    lines = [line for para in _real_paragraphs()[:3000]
             for line in textwrap.wrap(para.encode("latin-1", "replace").decode("latin-1"), 95)]
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle("Benchmark PDF: EU call topics")
    for page in range(pages):
        text = c.beginText(40, 800)
        text.setFont("Helvetica", 9)
        for line in lines[page * 50:(page + 1) * 50]:
            text.textLine(line)
        c.drawText(text)
        c.showPage()
    c.save()
    return path


# -- children (run by ``child``) ------------------------------------------------------------------
def _child(argv: list[str]) -> int:
    import kb  # noqa: F401  (offline environment first)

    kind, args = argv[0], argv[1:]
    if kind == "ingest":
        from ingest.pipeline import run

        # KB_* settings apply (KB_EMBED_BATCH_SIZE=32 kb bench --only bigfiles compares batches)
        report = run([Path(a) for a in args[1:]], Settings.from_env(store=Path(args[0])))
        out = {"seconds": report.seconds, "chunks": report.chunks, "failed": len(report.failed)}
    elif kind == "serve":
        out = _serve_child(Path(args[0]))
    elif kind == "peer":
        out = llama_index_baseline(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(f"unknown child {kind!r}")
    print(json.dumps({**out, "peak_rss_mb": peak_rss_mb()}))
    return 0


def _serve_child(store: Path) -> dict:
    from eval.golden import load_golden
    from kb.api import KnowledgeBase

    kb_ = KnowledgeBase(Settings(store=store))
    kb_.warm_up()
    items = load_golden()
    for item in items:
        kb_.search(item.question)
        kb_.ask(item.question)
    return {"questions": len(items)}


def llama_index_baseline(corpus: Path, tmp: Path) -> dict:
    """The pipeline a user would otherwise write: default reader, default index, same model and
    a fresh Chroma collection; its ingest time and hit@5 on the golden questions."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from eval.golden import load_golden
    from kb.embedding import resolve_model_path
    from kb.settings import DEFAULT_MODEL

    LlamaSettings.llm = None
    LlamaSettings.embed_model = HuggingFaceEmbedding(model_name=resolve_model_path(DEFAULT_MODEL),
                                                     device="cpu")
    LlamaSettings.embed_model.get_text_embedding("warm up")
    client = chromadb.PersistentClient(path=str(tmp / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection("peer_baseline", embedding_function=None)
    started = time.perf_counter()
    documents = SimpleDirectoryReader(str(corpus), recursive=True).load_data()
    store = ChromaVectorStore(chroma_collection=collection)
    storage = StorageContext.from_defaults(vector_store=store)
    index = VectorStoreIndex.from_documents(documents, storage_context=storage)
    seconds = time.perf_counter() - started
    retriever = index.as_retriever(similarity_top_k=10)
    items = [i for i in load_golden() if i.answerable and not i.follow_up_of]
    by_file = by_node = 0
    for item in items:
        files = [_relative(n.node.metadata.get("file_path"), corpus)
                 for n in retriever.retrieve(item.question)]
        by_file += any(f in item.sources for f in list(dict.fromkeys(files))[:5])
        by_node += any(f in item.sources for f in files[:5])
    return {"ingest_s": round(seconds, 2), "documents": len(documents),
            "chunks": collection.count(), "hit@5": round(by_file / len(items), 3),
            "hit@5_top5_nodes": round(by_node / len(items), 3),
            "pipeline": "SimpleDirectoryReader(corpus, recursive=True) + VectorStoreIndex "
                        "(default SentenceSplitter 1024/200) + ChromaVectorStore; "
                        "HuggingFaceEmbedding(local path); Settings.llm=None"}


def _relative(path: str | None, root: Path) -> str:
    try:
        return Path(path or "").resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


# -- targets, table, results file -----------------------------------------------------------------
def targets(sections: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured value and whether it was met (None: not measured)."""
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, target: str, met: bool | None) -> None:
        out.append({"name": name, "value": value, "target": target, "met": met})

    t = sections.get("throughput")
    if t:
        add("ingest / SentenceTransformer.encode throughput", t["ratio_ingest_raw"], ">= 0.8",
            t["ratio_ingest_raw"] >= 0.8)
        add("re-ingest of an unchanged corpus / first ingest", t["reingest_fraction"], "< 0.05",
            t["reingest_fraction"] < 0.05)
    for key, lat in latency_sections(sections):
        backend = lat.get("backend") or key.partition("-")[2] or "default backend"
        sizes = lat.get("sizes", {})
        ten, hundred = sizes.get("10000"), sizes.get("100000")
        if ten:
            ratio = ten["search"]["p95_ms"] / ten["encoder"]["p95_ms"]
            add(f"search p95 / encoder p95 at 10,000 chunks ({backend})", round(ratio, 2),
                "<= 1.5", ratio <= 1.5)
            ratio = ten["ask"]["p95_ms"] / ten["search"]["p95_ms"]
            add(f"ask p95 / search p95 at 10,000 chunks ({backend})", round(ratio, 2), "<= 3",
                ratio <= 3)
        if ten and hundred:
            ratio = hundred["search"]["p95_ms"] / ten["search"]["p95_ms"]
            add(f"search p95 100,000 / 10,000 chunks ({backend})", round(ratio, 2), "<= 2",
                ratio <= 2)
    for key in ("memory", "bigfiles"):
        for name, row in (sections.get(key) or {}).items():
            if isinstance(row, dict) and "peak_rss_mb" in row:
                add(f"peak RSS {key}/{name} (MB)", row["peak_rss_mb"], "< 1536",
                    row["peak_rss_mb"] < 1536)
    for name, row in ((sections.get("scifact") or {}).get("backends") or {}).items():
        if name != "torch":
            add(f"SciFact nDCG@10 {name} - torch", row["delta_ndcg@10"], "within 0.005",
                row["keeps_quality"])
    return out


def _load(r: dict) -> str:
    before, after = r.get("load_before"), r.get("load_after")
    return f"{before[0]:.1f}->{after[0]:.1f}" if before and after else ""


def table(data: dict[str, Any]) -> str:
    s = data.get("sections", {})
    rows: list[tuple[str, str, str]] = []
    if t := s.get("throughput"):
        best = f"best of {t.get('trials', 2)}"
        own = f"kb's encoder ({t.get('backend', 'configured')}) {t.get('encoder_best', '-')}"
        other = (f" ({t['ingest_other_best']} with KB_SENTENCE_VECTORS="
                 f"{int(not t['sentence_vectors'])})" if "ingest_other_best" in t else "")
        rows += [("throughput", f"SentenceTransformer.encode {t['raw_best']} chunks/s, {own} "
                  f"chunks/s, kb ingest {t['ingest_best']} chunks/s{other} ({t['chunks']} "
                  f"chunks, {best})", _load(t)),
                 ("", f"ingest/raw {t['ratio_ingest_raw']}; re-ingest "
                  f"{t['reingest_fraction']:.1%} of the first ingest", "")]
        for name, key in (("raw", "ratios_to_raw"), ("kb's encoder", "ratios_to_encoder")):
            if r := t.get(key):
                rows.append(("", f"ingest/{name} with answer-sentence vectors "
                             f"{r['with_sentence_vectors']}, without "
                             f"{r['without_sentence_vectors']} (KB_SENTENCE_VECTORS="
                             f"{int(t['sentence_vectors'])} configured)", ""))
    for key, lat in latency_sections(s):
        rows.append((key, f"ms p50/p95 ({lat.get('backend', 'torch')}): encoder | search | "
                     "search (cached) | ask", _load(lat)))
        for size, r in lat["sizes"].items():
            cells = " | ".join(f"{r[k]['p50_ms']:.0f}/{r[k]['p95_ms']:.0f}"
                               for k in ("encoder", "search", "search_cached", "ask"))
            rows.append((f"  {int(size):,}", f"{r['chunks']:,} chunks: {cells}", _load(r)))
    for key in ("memory", "bigfiles"):
        if m := s.get(key):
            rows.append((key, ", ".join(f"{k} {v['peak_rss_mb']:.0f} MB" for k, v in m.items()
                                        if isinstance(v, dict) and "peak_rss_mb" in v), _load(m)))
    if p := s.get("peer"):
        li = p["llama_index"]
        rows.append(("peer", f"kb ingest {p['kb']['ingest_s']} s, hit@5 {p['kb']['hit@5']} | "
                     f"llama-index ingest {li['ingest_s']} s, hit@5 {li['hit@5']} "
                     f"({li['chunks']} chunks)", _load(p)))
    if o := s.get("onnx"):
        for name, r in o["backends"].items():
            rows.append((f"onnx {name}", f"{r['passages_per_s']} passages/s, query "
                         f"{r['query']['p50_ms']:.0f}/{r['query']['p95_ms']:.0f} ms, max diff "
                         f"{r['max_abs_diff']:.1e}", _load(o)))
    if sf := s.get("scifact"):
        rows += [(f"scifact {n}", f"nDCG@10 {r['ndcg@10']} ({r['delta_ndcg@10']:+.4f}), "
                  f"{r['abstracts_per_s'] or '-'} abstracts/s", _load(sf))
                 for n, r in sf["backends"].items()]
        if mixed := sf.get("mixed_ndcg@10"):
            rows.append(("scifact mixed", f"nDCG@10 {min(mixed.values())}-{max(mixed.values())} "
                         f"over {len(mixed)} query/corpus backend pairs", ""))
    if ld := s.get("load"):
        for name, r in ld.get("scenarios", {}).items():
            rows.append((f"load {name}", r.get("summary", ""), _load(r)))
    width = max((len(r[0]) for r in rows), default=10)
    lines = [f"kb bench ({data.get('machine', {}).get('cpus')} cores; load = 1-min average "
             "before->after)"]
    lines += [f"{a:<{width}}  {b}" + (f"   [load {c}]" if c else "") for a, b, c in rows]
    lines.append("targets:")
    for t in data.get("targets", []):
        mark = {True: "MET ", False: "MISS", None: "n/a "}[t["met"]]
        lines.append(f"  {mark} {t['name']}: {t['value']} (target {t['target']})")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for pkg in ("torch", "sentence-transformers", "onnxruntime", "chromadb", "llama-index-core"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {"cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), **versions}


def save(path: Path, results: dict[str, Any], argv: list[str]) -> dict[str, Any]:
    """Merge this run's sections into the results file (others keep their earlier values)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data.setdefault("sections", {}).update(results)
    data["machine"] = machine()
    data["targets"] = targets(data["sections"])
    data["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    data.setdefault("runs", []).append({"at": data["updated_at"], "argv": argv,
                                        "sections": sorted(results)})
    data["runs"] = data["runs"][-20:]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return data


# -- entry points ---------------------------------------------------------------------------------
def add_arguments(p: argparse.ArgumentParser) -> None:
    """The bench options (``kb bench`` shares them)."""
    p.add_argument("--sizes", help="store sizes in chunks (default 1000,10000,100000; "
                                   "--quick: 1000)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: throughput and latency only, small sizes, fewer queries")
    p.add_argument("--only", help=f"comma-separated sections: {', '.join(ALL_SECTIONS)}")
    p.add_argument("--big-files", action="store_true", help="also the 10 MB text / 500-page PDF "
                                                             "memory runs (about 30+ min)")
    p.add_argument("--scifact", action="store_true",
                   help="also SciFact nDCG@10 for torch/onnx/onnx-int8 (minutes per backend)")
    p.add_argument("--load", action="store_true", help="also the concurrent-client load test")
    p.add_argument("--corpus", help="corpus folder (default: corpus/ of this checkout)")
    p.add_argument("--eval-data", help="the folder with eu-call-topics/ and scifact/ "
                                       "(default ../shared/eval-data)")
    p.add_argument("--repeats", type=int, help="runs of the question set (default 3; quick 1)")
    p.add_argument("--questions", type=int, help="golden questions used (default 50; quick 10)")
    p.add_argument("--out", help="results file (default eval/results/bench.json; "
                                 "quick: bench-quick.json)")


def chosen_sections(args: argparse.Namespace) -> list[str]:
    if getattr(args, "only", None):
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = set(names) - set(ALL_SECTIONS)
        if unknown:
            from kb.errors import UsageError

            raise UsageError(f"unknown bench sections {sorted(unknown)}; known: {ALL_SECTIONS}")
        return names
    names = list(QUICK_SECTIONS if args.quick else DEFAULT_SECTIONS)
    for flag, name in (("big_files", "bigfiles"), ("scifact", "scifact"), ("load", "load")):
        if getattr(args, flag, False):
            names.append(name)
    return names


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    """``kb bench``: run the chosen sections, merge them into the results file, print the table."""
    quick = bool(getattr(args, "quick", False))
    sizes_arg = getattr(args, "sizes", None)
    if not sizes_arg or (quick and sizes_arg == "1000,10000,100000"):
        sizes_arg = "1000" if quick else "1000,10000,100000"
    sizes = [int(x) for x in sizes_arg.split(",") if x.strip()]
    corpus = Path(getattr(args, "corpus", None) or ROOT / "corpus")
    out = Path(getattr(args, "out", None) or RESULTS.with_name("bench-quick.json" if quick
                                                              else "bench.json"))
    bench = Bench(settings, corpus, quick, getattr(args, "repeats", None) or (1 if quick else 3),
                  getattr(args, "questions", None) or (10 if quick else 50),
                  log=lambda m: print(m, file=sys.stderr, flush=True),
                  data=Path(args.eval_data) if getattr(args, "eval_data", None) else None)
    names = chosen_sections(args)
    runners: dict[str, Callable[[], dict]] = {
        "throughput": bench.throughput, "latency": lambda: bench.latency(sizes),
        "memory": bench.memory, "peer": bench.peer, "onnx": bench.onnx,
        "bigfiles": bench.big_files, "scifact": bench.scifact,
        "load": bench.load}
    for name in names:
        bench.section(name, runners[name])
        save(out, {_key(name, settings): bench.results[name]}, sys.argv[1:])
    data = json.loads(out.read_text()) if out.is_file() else {}
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(table(data))
        print(f"\nresults: {out}")
    return 0


def _key(section: str, settings: Settings) -> str:
    """Latency measured with a backend other than the default is kept beside it
    (``latency-torch``), not in its place."""
    if section == "latency" and settings.embed_backend != Settings().embed_backend:
        return f"latency-{settings.embed_backend}"
    return section


def latency_sections(sections: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(k, v) for k, v in sections.items() if k == "latency" or k.startswith("latency-")]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    import kb  # noqa: F401  (offline environment first)

    p = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__.splitlines()[0])
    add_arguments(p)
    p.add_argument("--store", help="store folder; benchmark stores go to <store>/bench (KB_STORE)")
    p.add_argument("--json", action="store_true", help="print the results JSON")
    args = p.parse_args(argv)
    return run_bench(args, Settings.from_env(store=args.store))


if __name__ == "__main__":
    sys.exit(main())
