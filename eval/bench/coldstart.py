"""``coldstart``: a cold ``kb search`` and ``kb ask`` from the shell, beside a bare Python that
only imports chromadb and onnxruntime (what any search over a Chroma store with an ONNX encoder
has to load), alternately, several times; medians of wall and CPU seconds and each process's
peak RSS.

Every process is a fresh interpreter started the way the shell starts ``kb`` (``python -m
kb.cli ...`` under a two-line wrapper that reports its ``VmHWM`` at exit); the store is the
corpus store, ingested before, and the files it reads are in the page cache after the first run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from eval.bench.base import Benchmark, Context, Row, Target, target
from eval.bench.measure import load_change

QUERY = "reverse pitch"
QUESTION = "How does a reverse pitch work?"
# Runs ``code`` (or kb.cli with argv) and prints this process's peak RSS at exit, on stderr.
WRAPPER = """import atexit, sys
def _rss():
    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]
    print('KB_BENCH_RSS_KB', hwm[0].split()[1] if hwm else 0, file=sys.__stderr__)
atexit.register(_rss)
if sys.argv[1] == '-c':
    exec(sys.argv[2])
else:
    import runpy
    sys.argv = ['kb', *sys.argv[2:]]
    runpy.run_module('kb.cli', run_name='__main__')
"""
RATIO = 2.0


def commands(store: str) -> dict[str, list[str]]:
    kb = [sys.executable, "-c", WRAPPER, "kb"]
    return {"bare_imports": [sys.executable, "-c", WRAPPER, "-c",
                             "import chromadb, onnxruntime"],
            "search": [*kb, "search", QUERY, "--store", store],
            "ask": [*kb, "ask", QUESTION, "--store", store]}


def measure(cmd: list[str]) -> dict[str, float]:
    """One run: wall seconds, CPU seconds (user + system of the child) and peak RSS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    before = os.times()
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    wall = time.perf_counter() - started
    after = os.times()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[4:]} failed ({proc.returncode}): {proc.stderr[-1500:]}")
    rss = [line.split()[1] for line in proc.stderr.splitlines()
           if line.startswith("KB_BENCH_RSS_KB")]
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                         - before.children_system)
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": int(rss[-1]) / 1024 if rss else 0.0}


class ColdStart(Benchmark):
    name = "coldstart"

    def run(self, ctx: Context) -> dict[str, Any]:
        store = str(ctx.corpus_store().store)
        cmds = commands(store)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in cmds}
        for cmd in cmds.values():
            measure(cmd)  # warm-up: the page cache holds the files, as for a user's second call
        for _ in range(3 if ctx.quick else 7):
            for name, cmd in cmds.items():
                runs[name].append(measure(cmd))
        out: dict[str, Any] = {name: {k: round(statistics.median(r[k] for r in rows), 3)
                                      for k in ("wall_s", "cpu_s", "peak_rss_mb")}
                               for name, rows in runs.items()}
        bare = out["bare_imports"]
        for name in ("search", "ask"):
            out[name]["wall_ratio"] = round(out[name]["wall_s"] / bare["wall_s"], 2)
            out[name]["cpu_ratio"] = round(out[name]["cpu_s"] / bare["cpu_s"], 2)
        out["runs"] = len(runs["search"])
        out["note"] = ("medians; bare_imports: python -c 'import chromadb, onnxruntime'; "
                       "search/ask: python -m kb.cli on the corpus store, "
                       f"{json.dumps(QUERY)} / {json.dumps(QUESTION)}; alternately")
        return out

    def table(self, c: dict[str, Any], key: str) -> list[Row]:
        def cell(name: str) -> str:
            r = c[name]
            return (f"{name} {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU, "
                    f"{r['peak_rss_mb']:.0f} MB")

        return [(key, f"{cell('bare_imports')} | {cell('search')} | {cell('ask')}",
                 load_change(c)),
                ("", f"search/bare {c['search']['wall_ratio']} (CPU {c['search']['cpu_ratio']}), "
                 f"ask/bare {c['ask']['wall_ratio']} (CPU {c['ask']['cpu_ratio']}); "
                 f"median of {c['runs']}", "")]

    def targets(self, c: dict[str, Any], key: str) -> list[Target]:
        return [target(f"cold kb {name} / python -c 'import chromadb, onnxruntime' (wall)",
                       c[name]["wall_ratio"], f"<= {RATIO:g}", c[name]["wall_ratio"] <= RATIO)
                for name in ("search", "ask")]
