"""``kb bench``: speed, memory and load, each ratio measured side by side in one run.

One module per benchmark behind one small interface (``eval.bench.base.Benchmark``: a name, a
run, table rows, targets, a plot), found by name in ``eval.bench.registry``:

- ``throughput``: ingest against the raw and kb's own encoder; re-ingest of an unchanged corpus;
- ``latency``: search and ask p50/p95 at each store size;
- ``coldstart``: cold ``kb search`` / ``kb ask`` beside a bare ``import chromadb, onnxruntime``;
- ``memory`` (and ``bigfiles``): peak RSS of child processes that ingest or answer;
- ``peer``: the plain llama-index pipeline against kb;
- ``onnx`` (and ``scifact``): the three embedding backends side by side;
- ``load``: concurrent clients against the app.

Each section records the load average before and after it and when it ran; results are merged
into ``eval/results/bench.json`` (a section not run keeps its earlier result).
"""

from eval.bench.base import Benchmark, Context
from eval.bench.measure import latency_ms, load_avg, pct, timed
from eval.bench.registry import REGISTRY, benchmark
from eval.bench.run import (
           _key,
           add_arguments,
           chosen_sections,
           main,
           run_bench,
           save,
           table,
           targets,
)

__all__ = ["Benchmark", "Context", "REGISTRY", "_key", "add_arguments", "benchmark",
           "chosen_sections", "latency_ms", "load_avg", "main", "pct", "run_bench", "save",
           "table", "targets", "timed"]
