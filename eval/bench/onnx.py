"""``onnx``: torch / onnx / onnx-int8 throughput, single-query latency and vector differences.
``scifact``: dense nDCG@10 on SciFact for each backend (minutes per backend)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eval.bench.base import Benchmark, Context, Row, Target, target
from eval.bench.measure import bare_encode, latency_ms, load_avg, load_change, timed
from kb.embedding import Embedder
from kb.settings import Settings


def backends(settings: Settings) -> dict[str, Embedder]:
    """The three backends of the configured model, each loaded by name (the default is one of
    them: never assume which)."""
    from kb.embedding import BACKENDS, get_embedder

    return {name: get_embedder(settings.with_(embed_backend=name)) for name in BACKENDS}


class Onnx(Benchmark):
    name = "onnx"

    def run(self, ctx: Context) -> dict[str, Any]:
        import numpy as np

        texts, questions = ctx.corpus_texts(), ctx.questions()
        models = backends(ctx.settings)
        speed: dict[str, list[float]] = {b: [] for b in models}
        vectors = {}
        for _ in range(2):
            for name, emb in models.items():
                started = time.perf_counter()
                vectors[name] = bare_encode(emb, texts)
                speed[name].append(len(texts) / (time.perf_counter() - started))
        single: dict[str, list[float]] = {b: [] for b in models}
        for _ in range(ctx.repeats):
            for q in questions:
                for name, emb in models.items():
                    single[name].append(timed(bare_encode, emb, [q]))
        ref = vectors["torch"]
        out = {name: {"passages_per_s": round(max(speed[name]), 2),
                      "trials": [round(x, 2) for x in speed[name]],
                      "query": latency_ms(single[name]),
                      "max_abs_diff": float(np.abs(vectors[name] - ref).max()),
                      "min_cosine": round(float((vectors[name] * ref).sum(1).min()), 5)}
               for name in models}
        return {"backends": out, "texts": len(texts),
                "note": f"corpus chunk texts (as embedded), batch "
                        f"{ctx.settings.embed_batch_size}; single query: one golden question, "
                        "bare encode"}

    def table(self, o: dict[str, Any], key: str) -> list[Row]:
        return [(f"onnx {name}", f"{r['passages_per_s']} passages/s, query "
                 f"{r['query']['p50_ms']:.0f}/{r['query']['p95_ms']:.0f} ms, max diff "
                 f"{r['max_abs_diff']:.1e}", load_change(o)) for name, r in o["backends"].items()]


class SciFact(Benchmark):
    name = "scifact"

    def run(self, ctx: Context) -> dict[str, Any]:
        return scifact_quality(ctx.settings, ctx.root / "scifact", ctx.log, ctx.data)

    def table(self, sf: dict[str, Any], key: str) -> list[Row]:
        rows = [(f"scifact {n}", f"nDCG@10 {r['ndcg@10']} ({r['delta_ndcg@10']:+.4f}), "
                 f"{r['abstracts_per_s'] or '-'} abstracts/s", load_change(sf))
                for n, r in sf["backends"].items()]
        if mixed := sf.get("mixed_ndcg@10"):
            rows.append(("scifact mixed", f"nDCG@10 {min(mixed.values())}-{max(mixed.values())} "
                         f"over {len(mixed)} query/corpus backend pairs", ""))
        return rows

    def targets(self, sf: dict[str, Any], key: str) -> list[Target]:
        return [target(f"SciFact nDCG@10 {name} - torch", row["delta_ndcg@10"], "within 0.005",
                       row["keeps_quality"])
                for name, row in (sf.get("backends") or {}).items() if name != "torch"]


def scifact_quality(settings: Settings, cache: Path, log, data: Path | None = None) -> dict:
    """Dense nDCG@10 on SciFact (test) for each backend; corpus vectors cached per backend."""
    import numpy as np

    from eval.beir import load_beir
    from eval.grow import EVAL_DATA
    from eval.metrics import evaluate

    beir = load_beir((data or EVAL_DATA) / "scifact", "test")
    ids = list(beir.corpus)
    texts = [f"{d['title']} {d['text']}".strip() for d in beir.corpus.values()]
    qids = list(beir.queries)
    cache.mkdir(parents=True, exist_ok=True)
    out, corpora, queried = {}, {}, {}

    def ndcg(queries, docs) -> dict[str, float]:
        scores = queries @ docs.T
        run = {q: [ids[j] for j in np.argsort(-scores[i])[:100]] for i, q in enumerate(qids)}
        return evaluate(run, beir.relevant, ks=(10, 100))

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
        queries = bare_encode(emb, [beir.queries[q] for q in qids])
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
