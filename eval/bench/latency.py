"""``latency``: ``search`` and ``ask`` p50/p95 at each store size (see ``eval.grow``).

About 50 golden questions run once untimed (the page cache warm), then several times with the
query-embedding cache cleared before every call, beside the bare encoder (``_model.encode([q])``)
timed in the same loop. Run with another backend than the default (``KB_EMBED_BACKEND=torch``),
the section is kept beside the default's as ``latency-<backend>``.
"""

from __future__ import annotations

from typing import Any

from eval.bench.base import Benchmark, Context, Row, Target, target
from eval.bench.measure import (
    bare_encode,
    clear_query_cache,
    latency_ms,
    load_avg,
    load_change,
    timed,
)

CALLS = ("encoder", "search", "search_cached", "ask")


class Latency(Benchmark):
    name = "latency"

    def run(self, ctx: Context) -> dict[str, Any]:
        from eval.grow import build_stores, short_text_batches, store_path
        from kb.api import KnowledgeBase

        with short_text_batches(ctx.embedder, 128):
            infos = build_stores(ctx.settings, ctx.sizes, ctx.corpus, ctx.embedder, ctx.data,
                                 log=ctx.log)
        questions = ctx.questions()
        rows = {}
        for size in sorted(ctx.sizes):
            kb_ = KnowledgeBase(ctx.local(store_path(ctx.settings, size)), embedder=ctx.embedder)
            kb_.warm_up()
            rows[str(size)] = {"chunks": infos[size]["chunks"], "load_before": load_avg(),
                               **time_queries(kb_, questions, ctx.repeats),
                               "load_after": load_avg()}
            ctx.log(f"bench:   {size}: {rows[str(size)]}")
        return {"sizes": rows, "questions": len(questions), "repeats": ctx.repeats,
                "backend": ctx.settings.embed_backend,
                "stores": {str(k): v for k, v in infos.items()},
                "note": "after one untimed pass over the questions (page cache warm); "
                        "query-embedding cache cleared before every encoder/search/ask call "
                        "(search_cached: the same query again, its embedding cached); store "
                        "text: the corpus plus real passages of 1-3 sentences (EU call topics, "
                        "SciFact abstracts), shorter than kb's 200-token chunks so that 100k "
                        "embed in reasonable time (see eval/grow.py)"}

    def table(self, lat: dict[str, Any], key: str) -> list[Row]:
        rows = [(key, f"ms p50/p95 ({lat.get('backend', 'torch')}): encoder | search | "
                 "search (cached) | ask", load_change(lat))]
        for size, r in lat["sizes"].items():
            cells = " | ".join(f"{r[k]['p50_ms']:.0f}/{r[k]['p95_ms']:.0f}" for k in CALLS)
            rows.append((f"  {int(size):,}", f"{r['chunks']:,} chunks: {cells}", load_change(r)))
        return rows

    def targets(self, lat: dict[str, Any], key: str) -> list[Target]:
        backend = lat.get("backend") or key.partition("-")[2] or "default backend"
        sizes = lat.get("sizes", {})
        ten, hundred = sizes.get("10000"), sizes.get("100000")
        out = []
        if ten:
            ratio = ten["search"]["p95_ms"] / ten["encoder"]["p95_ms"]
            out.append(target(f"search p95 / encoder p95 at 10,000 chunks ({backend})",
                              round(ratio, 2), "<= 1.5", ratio <= 1.5))
            ratio = ten["ask"]["p95_ms"] / ten["search"]["p95_ms"]
            out.append(target(f"ask p95 / search p95 at 10,000 chunks ({backend})",
                              round(ratio, 2), "<= 3", ratio <= 3))
        if ten and hundred:
            ratio = hundred["search"]["p95_ms"] / ten["search"]["p95_ms"]
            out.append(target(f"search p95 100,000 / 10,000 chunks ({backend})",
                              round(ratio, 2), "<= 2", ratio <= 2))
        return out

    def plot(self, lat: dict[str, Any], ax: Any) -> bool:
        sizes = sorted(lat.get("sizes", {}), key=int)
        if not sizes:
            return False
        for call in CALLS:
            ax.plot([int(s) for s in sizes], [lat["sizes"][s][call]["p95_ms"] for s in sizes],
                    marker="o", label=call)
        ax.set(xscale="log", xlabel="chunks in the store", ylabel="p95 ms",
               title=f"latency ({lat.get('backend', '')})")
        ax.legend()
        return True


def time_queries(kb_: Any, questions: list[str], repeats: int) -> dict[str, dict[str, float]]:
    """Steady-state latency: one untimed pass over the questions first, so that the pages of
    the store files they read are in the OS page cache, as on a server that has been up a
    while (cold, a big store's first reads of a chunk's row come from disk)."""
    emb = kb_.embedder
    for q in questions:
        kb_.ask(q)
    times: dict[str, list[float]] = {name: [] for name in CALLS}
    for _ in range(repeats):
        for q in questions:
            times["encoder"].append(timed(bare_encode, emb, [q]))
            clear_query_cache(emb)
            times["search"].append(timed(kb_.search, q, k=10))
            times["search_cached"].append(timed(kb_.search, q, k=10))
            clear_query_cache(emb)
            times["ask"].append(timed(kb_.ask, q))
    return {name: latency_ms(v) for name, v in times.items()}
