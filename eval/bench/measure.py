"""Small measuring tools the benchmarks share: timers, percentiles, load, peak memory, and the
child processes that measure a thing alone."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb.embedding import Embedder

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
MEMORY_NOTE = "peak RSS (VmHWM) of a fresh child process doing only that, imports included"


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - started


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank, as latency reports usually give it)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def latency_ms(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(pct(values, 50) * 1000, 1), "p95_ms": round(pct(values, 95) * 1000, 1),
            "n": len(values)}


def clear_query_cache(embedder: Embedder) -> None:
    cache = getattr(embedder, "_cache", None)
    if cache is not None:
        cache.clear()


def bare_encode(embedder: Embedder, texts: list[str]) -> Any:
    """The encoder without kb around it: sentence-transformers' ``encode`` (or ONNX's)."""
    model = getattr(embedder, "_model", None)
    if model is not None:
        return model.encode(texts, batch_size=32, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)
    return embedder.encode(texts)  # type: ignore[attr-defined]  (OnnxEmbedder)


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


def load_change(r: dict) -> str:
    """"before->after" of the 1-minute load average a result recorded."""
    before, after = r.get("load_before"), r.get("load_after")
    return f"{before[0]:.1f}->{after[0]:.1f}" if before and after else ""
