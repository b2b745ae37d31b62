"""``throughput``: ingest speed against the encoders, and the re-ingest of an unchanged corpus.

The raw encoder (sentence-transformers' ``SentenceTransformer.encode``, torch, on the corpus'
stored chunk texts, the same ``title — section\\ntext`` strings kb embeds) and kb's own configured
encoder alone on the same texts, against ``kb ingest`` of the corpus into a fresh store (model
already loaded), with and without answer-sentence vectors, alternately, three times, best of
each; then the re-ingest of the unchanged corpus as a fraction of the first ingest.
"""

from __future__ import annotations

from typing import Any

from eval.bench.base import Benchmark, Context, Row, Target, target
from eval.bench.measure import bare_encode, load_change, timed


class Throughput(Benchmark):
    name = "throughput"

    def run(self, ctx: Context) -> dict[str, Any]:
        """``raw`` is the issue's reference, sentence-transformers' own
        ``SentenceTransformer.encode`` (torch, its default backend, batch 32): what a user gets
        without kb. ``encoder`` is kb's configured encoder alone (onnx-int8 by default), so
        ingest/encoder is what kb costs beyond its own encoder. The ingest runs twice, with the
        answer-sentence vectors (``KB_SENTENCE_VECTORS``) and without, so one run shows what
        they cost. The target reads ingest/raw with the configured setting."""
        from kb.embedding import get_embedder

        texts = ctx.corpus_texts()
        library = get_embedder(ctx.settings.with_(embed_backend="torch"))
        raw, encoder, ingest, other, reingest = [], [], [], [], []
        for trial in range(1 if ctx.quick else 3):
            raw.append(len(texts) / timed(bare_encode, library, texts))
            encoder.append(raw[-1] if library is ctx.embedder
                           else len(texts) / timed(bare_encode, ctx.embedder, texts))
            ingest_rate, other_rate, again = self._ingests(ctx)
            ingest.append(ingest_rate)
            other.append(other_rate)
            reingest.append(again)
            state = ("on", "off") if ctx.settings.sentence_vectors else ("off", "on")
            ctx.log(f"bench:   trial {trial + 1}: SentenceTransformer.encode {raw[-1]:.1f} "
                    f"chunks/s, kb's encoder {encoder[-1]:.1f} chunks/s, ingest "
                    f"{ingest[-1]:.1f} chunks/s (sentence vectors {state[0]}; {other[-1]:.1f} "
                    f"{state[1]}), re-ingest {again['again_s']:.2f} s")
        return summary(ctx, len(texts), raw, encoder, ingest, other, reingest)

    @staticmethod
    def _ingests(ctx: Context) -> tuple[float, float, dict[str, Any]]:
        """One trial: ingest into a fresh store and again (unchanged), then a fresh ingest with
        the other ``sentence_vectors`` value. Chunks per second of both, and the re-ingest."""
        from ingest.pipeline import run

        s = ctx.local(ctx.scratch())
        first = run([ctx.corpus], s, embedder=ctx.embedder)
        again = run([ctx.corpus], s, embedder=ctx.embedder)
        flipped = run([ctx.corpus], ctx.local(ctx.scratch()).with_(
            sentence_vectors=not ctx.settings.sentence_vectors), embedder=ctx.embedder)
        return (first.chunks / first.seconds, flipped.chunks / flipped.seconds,
                {"first_s": first.seconds, "again_s": again.seconds,
                 "fraction": round(again.seconds / first.seconds, 4),
                 "unchanged": again.unchanged, "chunks": first.chunks})

    def table(self, t: dict[str, Any], key: str) -> list[Row]:
        best = f"best of {t.get('trials', 2)}"
        own = f"kb's encoder ({t.get('backend', 'configured')}) {t.get('encoder_best', '-')}"
        other = (f" ({t['ingest_other_best']} with KB_SENTENCE_VECTORS="
                 f"{int(not t['sentence_vectors'])})" if "ingest_other_best" in t else "")
        rows = [("throughput", f"SentenceTransformer.encode {t['raw_best']} chunks/s, {own} "
                 f"chunks/s, kb ingest {t['ingest_best']} chunks/s{other} ({t['chunks']} "
                 f"chunks, {best})", load_change(t)),
                ("", f"ingest/raw {t['ratio_ingest_raw']}; re-ingest "
                 f"{t['reingest_fraction']:.1%} of the first ingest", "")]
        for name, k in (("raw", "ratios_to_raw"), ("kb's encoder", "ratios_to_encoder")):
            if r := t.get(k):
                rows.append(("", f"ingest/{name} with answer-sentence vectors "
                             f"{r['with_sentence_vectors']}, without "
                             f"{r['without_sentence_vectors']} (KB_SENTENCE_VECTORS="
                             f"{int(t['sentence_vectors'])} configured)", ""))
        return rows

    def targets(self, t: dict[str, Any], key: str) -> list[Target]:
        return [target("ingest / SentenceTransformer.encode throughput", t["ratio_ingest_raw"],
                       ">= 0.8", t["ratio_ingest_raw"] >= 0.8),
                target("re-ingest of an unchanged corpus / first ingest", t["reingest_fraction"],
                       "< 0.05", t["reingest_fraction"] < 0.05)]


def summary(ctx: Context, chunks: int, raw: list[float], encoder: list[float],
            ingest: list[float], other: list[float], reingest: list[dict]) -> dict[str, Any]:
    on = ctx.settings.sentence_vectors
    best = min(reingest, key=lambda r: r["fraction"])
    with_sv, without_sv = (ingest, other) if on else (other, ingest)

    def ratios(reference: list[float]) -> dict[str, float]:
        return {"with_sentence_vectors": round(max(with_sv) / max(reference), 3),
                "without_sentence_vectors": round(max(without_sv) / max(reference), 3)}

    def rounded(values: list[float]) -> list[float]:
        return [round(x, 2) for x in values]

    return {"chunks": chunks, "trials": len(raw), "sentence_vectors": on,
            "backend": ctx.settings.embed_backend,
            "raw_chunks_per_s": rounded(raw), "raw_best": round(max(raw), 2),
            "encoder_chunks_per_s": rounded(encoder), "encoder_best": round(max(encoder), 2),
            "ingest_chunks_per_s": rounded(ingest), "ingest_best": round(max(ingest), 2),
            "ingest_other_chunks_per_s": rounded(other), "ingest_other_best": round(max(other), 2),
            "ratio_ingest_raw": round(max(ingest) / max(raw), 3),
            "ratios_to_raw": ratios(raw), "ratios_to_encoder": ratios(encoder),
            "kb_ingest_best_s": round(min(r["first_s"] for r in reingest), 2),
            "reingest": reingest, "reingest_fraction": best["fraction"],
            "note": "raw: SentenceTransformer.encode (torch, batch 32) on the stored chunk "
                    "texts; encoder: kb's configured encoder alone on the same texts; ingest: "
                    "ingest.pipeline.run into a fresh store, model loaded, with the configured "
                    "KB_SENTENCE_VECTORS and with the other value; alternately, best of each"}
