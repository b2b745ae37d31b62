"""``kb eval``: parses nothing itself (kb/cli.py does), runs eval/golden.py or eval/beir.py, renders
tables or JSON, writes the JSON to ``eval/results/`` and, with ``--plot``, a PNG.

Options read from the argparse namespace (absent ones take their defaults):
``--beir DIR``, ``--split test|train``, ``--tune``, ``--golden FILE|DIR``, ``--corpus DIR``,
``--calibrate``, ``--plot PNG``, ``--json``, ``--external DIR`` (with ``--set NAME`` and
``--limit N``), ``--small-store``, ``--qmsum [FILE]`` (with ``--tune``: the sweep).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

from kb.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    opt = lambda name, default=None: getattr(args, name, default)  # noqa: E731
    if opt("external"):
        return _run_external(args, settings)
    if opt("qmsum"):
        from eval import qmsum

        path = None if opt("qmsum") == "default" else opt("qmsum")
        out = qmsum.run(settings, path, tune=bool(opt("tune")), log=_stderr)
        name = "qmsum-tune.json" if opt("tune") else "qmsum.json"
        text, plot = qmsum.table(out), None
    elif opt("beir"):
        if opt("tune"):
            out = _beir_tune(opt("beir"), settings, opt("split") or "train")
            name = f"beir-{out['dataset']}-tune.json"
            text, plot = tune_table(out), plot_tune
        else:
            from eval import beir

            split = opt("split") or "test"
            out = beir.run(opt("beir"), settings, split=split, log=_stderr)
            name = f"beir-{out['dataset']}{'' if split == 'test' else '-' + split}.json"
            text, plot = beir_table(out), plot_beir
    elif opt("small_store"):
        from eval import smallstore

        out = smallstore.run(settings, opt("golden"), opt("corpus"), log=_stderr)
        name, text, plot = "golden-small-store.json", small_store_table(out), None
    elif opt("calibrate"):
        out = _calibrate(settings, opt("golden"), opt("corpus"))
        name, text, plot = "golden-calibration.json", calibration_table(out), None
    else:
        from eval import golden

        out = golden.run(settings, golden=opt("golden"), corpus=opt("corpus"))
        name, text, plot = "golden.json", golden_table(out), plot_golden
    out["machine"] = machine()
    out["command"] = command_line()
    path = write_json(out, name, Path(opt("results")) if opt("results") else None)
    if opt("plot"):
        if plot is None:
            _stderr("kb eval: --plot has nothing to draw for --calibrate or --qmsum")
        else:
            plot(out, Path(opt("plot")))
    if opt("json"):
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(text)
        print(f"\n(JSON written to {path})")
    return 0


def _run_external(args: argparse.Namespace, settings: Settings) -> int:
    """One results file per set: ``external-<set>.json``."""
    from eval import external

    folder = Path(args.results) if getattr(args, "results", None) else None
    limit = getattr(args, "limit", None) or external.LIMIT
    outs = []
    for name in external.set_names(getattr(args, "set", None)):
        out = external.run(name, args.external, settings, limit=limit, log=_stderr)
        out["machine"], out["command"] = machine(), command_line()
        path = write_json(out, f"external-{name}.json", folder)
        outs.append(out)
        if not getattr(args, "json", False):
            print(external_table(out) + f"\n(JSON written to {path})\n")
    if getattr(args, "json", False):
        print(json.dumps(outs, ensure_ascii=False, indent=2))
    return 0


def _beir_tune(folder: str, settings: Settings, split: str) -> dict[str, Any]:
    from eval import beir

    return beir.tune(folder, settings, split=split, log=_stderr)


def _calibrate(settings: Settings, golden_path: str | None, corpus: str | None) -> dict[str, Any]:
    from eval import calibration, golden
    from kb.api import KnowledgeBase

    items = golden.load_golden(golden_path)
    gsettings = golden.golden_settings(settings)
    golden.prepare_store(gsettings, corpus)
    results = golden.run_items(items, KnowledgeBase(gsettings), answers=False)
    current = {r: getattr(settings, r) for r in calibration.RULES if hasattr(settings, r)}
    return calibration.calibrate(results, current=current, coverage=settings.abstain_coverage)


# -- files ----------------------------------------------------------------------------------------
def write_json(out: dict[str, Any], name: str, folder: Path | None = None) -> Path:
    folder = folder or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def machine() -> dict[str, Any]:
    """Where the numbers were measured: cores, memory, CPU model."""
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "cpu": cpu, "python": platform.python_version(), "os": platform.platform(terse=True)}


def command_line() -> str:
    """The command as typed (for the README's "reproduce" lines)."""
    argv = sys.argv[1:]
    return "kb " + " ".join(shlex.quote(a) for a in argv) if argv else "kb eval"


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- tables ---------------------------------------------------------------------------------------
def _f(value: Any) -> str:
    if value is None:
        return "  n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [header] + [[_f(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


GOLDEN_ROWS = [("hit@1", "hit@1"), ("hit@5", "hit@5"), ("mrr@10", "MRR@10"),
               ("ndcg@10", "nDCG@10"), ("recall@10", "recall@10"),
               ("facts_present", "facts present"), ("fact_first", "fact in first sentence"),
               ("facts_read", "facts in passages read"),
               ("list_recall", "list recall (documents)"),
               ("section_coverage", "procedure sections quoted"),
               ("page_accuracy", "page accuracy"),
               ("timestamp_accuracy", "timestamp accuracy"), ("abstention_oos", "abstention (OOS)"),
               ("false_abstention", "false abstention"), ("citation_validity", "citation validity"),
               ("sentence_grounding", "sentence grounding")]


def golden_table(out: dict[str, Any]) -> str:
    splits = out["splits"]
    head = ["metric"] + [f"{s} ({splits[s]['questions']})" for s in ("tune", "heldout", "all")]
    rows = [[label] + [splits[s][key] for s in ("tune", "heldout", "all")]
            for key, label in GOLDEN_ROWS]
    every = splits["all"]
    text = [f"Golden set: {every['questions']} questions ({every['answerable']} answerable, "
            f"{every['out_of_scope']} out of scope), {out['documents']} documents, "
            f"{out['settings']['mode']} answers", "",
            table(head, rows)]
    if out["failures"]:
        text += ["", f"Questions with problems ({len(out['failures'])}):"]
        for f in out["failures"]:
            text.append(f"  {f['id']} [{f['split']}] {f['question']}")
            for p in f["problems"]:
                text.append(f"      - {p}")
            if f["type"] == "answerable":
                text.append(f"      expected {f['expected']}; retrieved {f['retrieved']}")
            sig = f["signals"]
            text.append(f"      top score {sig['top_score']}, unknown share "
                        f"{sig['unknown_share']}, best sentence {sig['best_sentence']}, "
                        f"unmatched {sig.get('unmatched')}")
    return "\n".join(text)


EXTERNAL_ROWS = [("fact present (whole answer)", "kb_fact", "base_fact"),
                 ("fact in first sentence", "kb_first", "base_first")]


def external_table(out: dict[str, Any]) -> str:
    sm = out["summary"]
    rows = [[label, sm[k], sm[b]] for label, k, b in EXTERNAL_ROWS]
    rows += [["facts in the passages read", sm["read"], sm["read"]],
             ["abstained", sm["abstained"], None], ["cites the expected document",
                                                     sm["cites_source"], None]]
    return (f"External set {out['set']}: {sm['questions']} questions over {out['documents']} "
            f"documents; kb answers {sm['mean_sentences']} sentences on average\n\n"
            + table(["measure", "kb", "cosine baseline"], rows))


def small_store_table(out: dict[str, Any]) -> str:
    rows = [["false abstention (answerable)", out["false_abstention"], out["answerable"]],
            ["abstention (out of scope)", out["abstention_oos"], out["out_of_scope"]],
            ["facts present", out["facts_present"], out["answerable"]]]
    text = [f"Small-store variants of the golden set: {out['stores']} stores of "
            f"{out['documents_per_store']} documents (each question's own + {out['others']})", "",
            table(["measure", "value", "questions"], rows)]
    for d in out["declined"]:
        text.append(f"  declined {d['id']}: {d['question']} {d['signals']}")
    return "\n".join(text)


def beir_table(out: dict[str, Any]) -> str:
    hc = out["hybrid_config"]
    rows = [[mode] + [out["modes"][mode].get(m) for m in ("ndcg@10", "recall@100", "mrr@10")]
            for mode in ("dense", "bm25", "hybrid")]
    rows[2][0] = f"hybrid ({hc['fusion']}, w={hc['dense_weight']})"
    for name, vals in out["published"].items():
        rows.append([f"published: {name}", vals.get("ndcg@10"), vals.get("recall@100"),
                     vals.get("mrr@10")])
    index = out["index"]
    cached = "cached store" if index["cached"] else f"indexed in {index['seconds']:.0f} s"
    return (f"{out['dataset']} ({out['split']}): {out['queries']} queries, {out['documents']} "
            f"documents, {out['chunks']} chunks ({cached})\n\n"
            + table(["mode", "nDCG@10", "Recall@100", "MRR@10"], rows))


def tune_table(out: dict[str, Any]) -> str:
    rows = [[r["fusion"], "-" if r["dense_weight"] is None else f"{r['dense_weight']:.1f}",
             r["ndcg@10"], r["recall@100"], r["mrr@10"]] for r in out["rows"]]
    b = out["best"]
    return (f"{out['dataset']} tuning sweep on the {out['split']} split "
            f"({out['queries']} queries)\n\n"
            + table(["fusion", "dense_weight", "nDCG@10", "Recall@100", "MRR@10"], rows)
            + f"\n\nbest on {out['split']}: fusion={b['fusion']} dense_weight={b['dense_weight']} "
              f"(nDCG@10 {b['ndcg@10']:.3f}); configured: {out['configured']}")


def calibration_rules() -> list[str]:
    from eval.calibration import RULES

    return list(RULES)


def calibration_table(out: dict[str, Any]) -> str:
    stats = ("n", "min", "p10", "median", "max")
    rows = [[f"{name} / {kind.replace('_', ' ')}"] + [sig[kind].get(s) for s in stats]
            for name, sig in out["signals"].items() for kind in ("answerable", "out_of_scope")]
    text = ["Abstention signals on the tune split (ask abstains when top_score < abstain_threshold,"
            " unknown_share >= abstain_unknown, best_sentence < abstain_sentence or unmatched >= "
            "abstain_unmatched)", "",
            table(["signal / questions", *stats], rows), "",
            f"top score alone: abstain_threshold {out['threshold']:.4f} abstains on every tune "
            f"OOS question with {out['false_abstentions']} false abstentions"]
    if out["below_best_oos"]:
        text.append(f"  answerable questions at or below the best OOS top score: "
                    f"{', '.join(out['below_best_oos'])}")
    settings = [(f"{'suggested' if m == 0 else 'if ' + str(m) + ' OOS may pass'}", s)
                for m, s in enumerate(out["frontier"])]
    if "current" in out:
        settings.append(("current", out["current"]))
    rows = [[label, *(s["thresholds"].get(r) for r in calibration_rules()),
             s["tune"]["oos_answered"], s["tune"]["false_abstentions"],
             s["heldout"]["oos_answered"], s["heldout"]["false_abstentions"]]
            for label, s in settings]
    text += ["", table(["thresholds", "threshold", "unknown", "sentence", "unmatched",
                        "tune OOS answered",
                        "tune false abst.", "heldout OOS answered", "heldout false abst."], rows),
             "", "Tune out-of-scope questions:",
             table(["id", "top_score", "unknown_share", "best_sentence", "unmatched", "question"],
                   [[q["id"], q["top_score"], q["unknown_share"], q["best_sentence"],
                     q.get("unmatched"), q["question"][:70]] for q in out["oos_questions"]]),
             "", "(KB_ABSTAIN_THRESHOLD, KB_ABSTAIN_UNKNOWN, KB_ABSTAIN_SENTENCE, "
                 "KB_ABSTAIN_UNMATCHED set them; "
                 "held-out columns are reported, never tuned on)"]
    return "\n".join(text)


# -- plots ----------------------------------------------------------------------------------------
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _bars(ax, groups: list[str], series: dict[str, list[float | None]],
          rotation: int = 0) -> None:
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series.items()):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        ys = [v or 0.0 for v in values]
        bars = ax.bar(xs, ys, width, label=name)
        ax.bar_label(bars, labels=[_f(v) for v in values], fontsize=6 if rotation else 7,
                     padding=2, rotation=rotation)
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylim(0, 1.15)
    ax.legend(fontsize=8)


def plot_beir(out: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    metrics = ["ndcg@10", "recall@100", "mrr@10"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    _bars(ax, metrics, {m: [out["modes"][m][k] for k in metrics]
                        for m in ("dense", "bm25", "hybrid")})
    styles = iter([":", "--", "-.", (0, (1, 3))])
    for name, vals in out["published"].items():
        if "ndcg@10" in vals:
            ax.plot([-0.45, 0.45], [vals["ndcg@10"]] * 2, ls=next(styles, ":"), lw=1,
                    color="black", label=f"published nDCG@10 {vals['ndcg@10']:.3f}: {name}")
    ax.legend(fontsize=7, loc="upper center", ncols=2)
    ax.set_ylim(0, 1.25)
    ax.set_title(f"{out['dataset']} ({out['split']}, {out['queries']} queries)")
    _save(plt, fig, path)


def plot_golden(out: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    keys = [k for k, _ in GOLDEN_ROWS]
    fig, ax = plt.subplots(figsize=(12, 4.5))
    _bars(ax, [label for _, label in GOLDEN_ROWS],
          {s: [out["splits"][s][k] for k in keys] for s in ("tune", "heldout", "all")},
          rotation=90)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    ax.legend(fontsize=8, loc="upper center", ncols=3)
    ax.set_ylim(0, 1.25)
    ax.set_title("Golden set")
    _save(plt, fig, path)


def plot_tune(out: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for fusion in ("convex", "minmax"):
        rows = [r for r in out["rows"] if r["fusion"] == fusion]
        ax.plot([r["dense_weight"] for r in rows], [r["ndcg@10"] for r in rows], marker="o",
                label=fusion)
    for r in out["rows"]:
        if r["fusion"] == "rrf":
            ax.axhline(r["ndcg@10"], ls="--", color="grey", label="rrf")
    ax.set_xlabel("dense_weight")
    ax.set_ylabel("nDCG@10")
    ax.set_title(f"{out['dataset']} {out['split']} sweep")
    ax.legend()
    _save(plt, fig, path)


def _save(plt, fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
