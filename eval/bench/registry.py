"""Every benchmark ``kb bench`` knows, by section name, in the order the table shows them.

Adding one: a module with a ``Benchmark`` subclass (see ``eval.bench.base``) and one line here,
``"name": "module:Class"``. It is imported only when run or rendered. To run it by default, add
its name to ``DEFAULT`` (or ``QUICK``); otherwise ``--only name`` runs it.
"""

from __future__ import annotations

import importlib
from functools import cache

from eval.bench.base import Benchmark
from kb.errors import UsageError

REGISTRY: dict[str, str] = {
    "throughput": "eval.bench.throughput:Throughput",
    "latency": "eval.bench.latency:Latency",
    "coldstart": "eval.bench.coldstart:ColdStart",
    "memory": "eval.bench.memory:Memory",
    "bigfiles": "eval.bench.memory:BigFiles",
    "peer": "eval.bench.peer:Peer",
    "onnx": "eval.bench.onnx:Onnx",
    "scifact": "eval.bench.onnx:SciFact",
    "load": "eval.bench.load:Load",
    "ocr": "eval.bench.ocr:Ocr",
    "hostile": "eval.bench.hostile:Hostile",
}
DEFAULT = ("throughput", "latency", "coldstart", "memory", "peer", "onnx")
QUICK = ("throughput", "latency")
FLAGS = {"big_files": "bigfiles", "scifact": "scifact", "load": "load"}  # --big-files etc.


def benchmark(name: str) -> Benchmark:
    """The benchmark of a section name (``latency-torch`` is ``latency``'s)."""
    base = name if name in REGISTRY else name.partition("-")[0]
    if base not in REGISTRY:
        raise UsageError(f"unknown bench section {name!r}; known: {', '.join(REGISTRY)}")
    return _load(REGISTRY[base])


@cache
def _load(where: str) -> Benchmark:
    module, _, attr = where.partition(":")
    return getattr(importlib.import_module(module), attr)()


def keys_of(name: str, sections: dict) -> list[str]:
    """The result keys in ``sections`` that belong to benchmark ``name``."""
    return [k for k in sections if k == name or k.startswith(name + "-")]
