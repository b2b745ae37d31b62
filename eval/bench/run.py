"""``kb bench``'s options, the run of the chosen benchmarks, the results file and the table."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.bench.base import Benchmark, Context, Target
from eval.bench.measure import ROOT, peak_rss_mb
from eval.bench.registry import DEFAULT, FLAGS, QUICK, REGISTRY, benchmark, keys_of
from kb.errors import UsageError
from kb.settings import Settings

RESULTS = ROOT / "eval" / "results" / "bench.json"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The bench options (``kb bench`` shares them)."""
    p.add_argument("--sizes", help="store sizes in chunks (default 1000,10000,100000; "
                                   "--quick: 1000)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: throughput and latency only, small sizes, fewer queries")
    p.add_argument("--only", help=f"comma-separated sections: {', '.join(REGISTRY)}")
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
    p.add_argument("--plot", metavar="PNG", help="also draw the sections that have a plot")


def chosen_sections(args: argparse.Namespace) -> list[str]:
    if getattr(args, "only", None):
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = set(names) - set(REGISTRY)
        if unknown:
            raise UsageError(f"unknown bench sections {sorted(unknown)}; known: {list(REGISTRY)}")
        return names
    names = list(QUICK if args.quick else DEFAULT)
    names += [name for flag, name in FLAGS.items() if getattr(args, flag, False)]
    return names


def context(args: argparse.Namespace, settings: Settings) -> Context:
    quick = bool(getattr(args, "quick", False))
    sizes_arg = getattr(args, "sizes", None)
    if not sizes_arg or (quick and sizes_arg == "1000,10000,100000"):
        sizes_arg = "1000" if quick else "1000,10000,100000"
    return Context(settings, Path(getattr(args, "corpus", None) or ROOT / "corpus"), quick,
                   getattr(args, "repeats", None) or (1 if quick else 3),
                   getattr(args, "questions", None) or (10 if quick else 50),
                   log=lambda m: print(m, file=sys.stderr, flush=True),
                   data=Path(args.eval_data) if getattr(args, "eval_data", None) else None,
                   sizes=[int(x) for x in sizes_arg.split(",") if x.strip()])


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    """``kb bench``: run the chosen sections, merge them into the results file, print the table."""
    ctx = context(args, settings)
    out = Path(getattr(args, "out", None) or RESULTS.with_name(
        "bench-quick.json" if ctx.quick else "bench.json"))
    for name in chosen_sections(args):
        result = ctx.section(benchmark(name))
        save(out, {_key(name, settings): result}, sys.argv[1:])
    data = json.loads(out.read_text()) if out.is_file() else {}
    if getattr(args, "plot", None):
        plot(data, Path(args.plot))
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


def _sections(data: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(benchmark name, result key, result) of every registered section in ``data``, in the
    registry's order."""
    return [(name, key, data[key]) for name in REGISTRY for key in keys_of(name, data)]


def targets(sections: dict[str, Any]) -> list[Target]:
    """Each target with its measured value and whether it was met (None: not measured)."""
    return [t for name, key, result in _sections(sections)
            for t in benchmark(name).targets(result, key)]


def table(data: dict[str, Any]) -> str:
    rows = [row for name, key, result in _sections(data.get("sections", {}))
            for row in benchmark(name).table(result, key)]
    width = max((len(r[0]) for r in rows), default=10)
    lines = [f"kb bench ({data.get('machine', {}).get('cpus')} cores; load = 1-min average "
             "before->after)"]
    lines += [f"{a:<{width}}  {b}" + (f"   [load {c}]" if c else "") for a, b, c in rows]
    lines.append("targets:")
    for t in data.get("targets", []):
        mark = {True: "MET ", False: "MISS", None: "n/a "}[t["met"]]
        lines.append(f"  {mark} {t['name']}: {t['value']} (target {t['target']})")
    return "\n".join(lines)


def plot(data: dict[str, Any], path: Path) -> Path | None:
    """One panel per section that draws itself; nothing written when none does."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawable = [(name, key, r) for name, key, r in _sections(data.get("sections", {}))
                if type(benchmark(name)).plot is not Benchmark.plot]
    if not drawable:
        return None
    fig, axes = plt.subplots(1, len(drawable), figsize=(6 * len(drawable), 4), squeeze=False)
    for ax, (name, _, result) in zip(axes[0], drawable, strict=True):
        benchmark(name).plot(result, ax)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


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


def _child(argv: list[str]) -> int:
    """``python -m eval.bench --child KIND ARGS``: measure one thing alone, print JSON with this
    process's peak RSS."""
    import kb  # noqa: F401  (offline environment first)
    from eval.bench.memory import ingest_child, serve_child
    from eval.bench.peer import peer_child

    children = {"ingest": ingest_child, "serve": serve_child, "peer": peer_child}
    kind, args = argv[0], argv[1:]
    if kind not in children:
        raise SystemExit(f"unknown child {kind!r}")
    print(json.dumps({**children[kind](args), "peak_rss_mb": peak_rss_mb()}))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    import kb  # noqa: F401  (offline environment first)

    p = argparse.ArgumentParser(prog="python -m eval.bench", description="kb's benchmarks")
    add_arguments(p)
    p.add_argument("--store", help="store folder; benchmark stores go to <store>/bench (KB_STORE)")
    p.add_argument("--json", action="store_true", help="print the results JSON")
    args = p.parse_args(argv)
    return run_bench(args, Settings.from_env(store=args.store))
