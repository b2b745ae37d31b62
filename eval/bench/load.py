"""``load``: concurrent gradio_client clients against ``app.py`` (see ``eval.loadtest``)."""

from __future__ import annotations

from typing import Any

from eval.bench.base import Benchmark, Context, Row
from eval.bench.measure import load_change


class Load(Benchmark):
    name = "load"

    def run(self, ctx: Context) -> dict[str, Any]:
        from eval.loadtest import run_loadtest

        ctx.corpus_store()
        return run_loadtest(ctx.settings, ctx.root / "corpus", ctx.corpus, ctx.questions(),
                            quick=ctx.quick, log=ctx.log)

    def table(self, ld: dict[str, Any], key: str) -> list[Row]:
        return [(f"load {name}", r.get("summary", ""), load_change(r))
                for name, r in ld.get("scenarios", {}).items()]
