"""What every benchmark is, and what it is given.

A benchmark (after sentence-transformers' evaluators) has a ``name`` (its section in
``bench.json`` and for ``--only``), ``run`` (measure, return a JSON-able dict), ``table`` (its
rows of the ``kb bench`` table), ``targets`` (the goals it checks) and ``plot`` (draw onto a
matplotlib Axes; optional). ``Context`` is what a run is given: the settings, the corpus, the
shared embedder, scratch stores and the golden questions.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.bench.measure import load_avg
from kb.embedding import Embedder
from kb.settings import Settings

Row = tuple[str, str, str]  # (label, text, load before->after)
Target = dict[str, Any]  # {"name", "value", "target", "met": bool | None}


def target(name: str, value: float | None, goal: str, met: bool | None) -> Target:
    return {"name": name, "value": value, "target": goal, "met": met}


class Benchmark:
    name: str = ""
    help: str = ""

    def run(self, ctx: Context) -> dict[str, Any]:
        raise NotImplementedError

    def table(self, result: dict[str, Any], key: str) -> list[Row]:
        """Rows for the ``kb bench`` table; ``key``: the section's key (``latency-torch``)."""
        return []

    def targets(self, result: dict[str, Any], key: str) -> list[Target]:
        return []

    def plot(self, result: dict[str, Any], ax: Any) -> bool:
        """Draw the result onto ``ax``; False when this benchmark has nothing to draw."""
        return False


class Context:
    def __init__(self, settings: Settings, corpus: Path, quick: bool, repeats: int,
                 questions: int, log: Callable[[str], None], data: Path | None = None,
                 sizes: list[int] | None = None) -> None:
        from eval.grow import EVAL_DATA

        self.settings = settings
        self.corpus = corpus.resolve()
        self.data = data or EVAL_DATA
        self.root = settings.store / "bench"
        self.quick = quick
        self.repeats = repeats
        self.n_questions = questions
        self.sizes = sizes or [1000]
        self.log = log
        self._embedder: Embedder | None = None
        self._scratch_cleared = False
        self.results: dict[str, Any] = {}

    @property
    def embedder(self) -> Embedder:
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
        """What kb embeds for each chunk of the corpus (``kb.models.embed_text``)."""
        from kb.models import embed_text
        from kb.store import Store

        texts = []
        for _ids, docs, metas in Store(self.corpus_store()).iter_chunks():
            texts.extend(embed_text(m, d) for d, m in zip(docs, metas, strict=True))
        return texts

    def section(self, bench: Benchmark) -> dict[str, Any]:
        """Run one benchmark, recording the load before and after it and when it ran."""
        self.log(f"bench: {bench.name} ...")
        before = load_avg()
        started = time.perf_counter()
        result = bench.run(self)
        result["load_before"], result["load_after"] = before, load_avg()
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.results[bench.name] = result
        self.log(f"bench: {bench.name} done in {result['seconds']:.0f} s (load {before[0]} -> "
                 f"{result['load_after'][0]})")
        return result
