"""``python -m eval.report``: rewrite the README's results section from ``eval/results/*.json``.

The section lies between ``<!-- results:start -->`` and ``<!-- results:end -->``; nothing else in
the README is touched. Numbers are never typed by hand: rerun the commands shown, then this script.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from eval.cli import GOLDEN_ROWS, RESULTS

START, END = "<!-- results:start -->", "<!-- results:end -->"
README = Path(__file__).resolve().parents[1] / "README.md"


class ReportError(Exception):
    pass


def load_results(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every results file by name without ``.json`` (``golden``, ``beir-scifact``, ...)."""
    folder = folder or RESULTS
    if not folder.is_dir() or not any(folder.glob("*.json")):
        raise ReportError(f"no results in {folder}: run 'kb eval' (and 'kb eval --beir DIR') first")
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob("*.json"))}


def _f(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def md_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(_f(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_line(out: dict[str, Any]) -> str:
    m = out.get("machine") or {}
    if not m:
        return ""
    return (f"Measured on {m.get('nproc')} cores, {m.get('ram_gb')} GB RAM, {m.get('cpu')} "
            f"(Python {m.get('python')}).")


def golden_section(out: dict[str, Any]) -> str:
    sp, st = out["splits"], out.get("settings", {})
    head = ["metric"] + [f"{s} ({sp[s]['questions']} q)" for s in ("tune", "heldout", "all")]
    rows = [[label] + [sp[s].get(key) for s in ("tune", "heldout", "all")]
            for key, label in GOLDEN_ROWS]
    return "\n".join([
        "### Golden set",
        "",
        f"{sp['all']['questions']} questions ({sp['all']['answerable']} answerable, "
        f"{sp['all']['out_of_scope']} out of scope) over {out['documents']} documents; "
        f"{st.get('mode', 'extractive')} answers, fusion {st.get('fusion')} "
        f"(dense weight {st.get('dense_weight')}), "
        f"abstain threshold {st.get('abstain_threshold')}. "
        "Retrieval metrics are at document level over the answerable questions; page and "
        "timestamp accuracy over the questions that name one. "
        f"{len(out.get('failures', []))} questions have at least one problem "
        "(listed in `eval/results/golden.json`). "
        f"List recall is over {sp['all'].get('list_n', 0)} list questions (the expected "
        "documents the answer cites), procedure sections over "
        f"{sp['all'].get('procedure_n', 0)} procedure questions (the method's Resources, "
        "Preparation, Execution and Follow-up sections the answer quotes).",
        "",
        md_table(head, rows),
        "",
        machine_line(out),
    ])


def _weight(w: float | None) -> str:
    return "-" if w is None else f"{w:.1f}"


def beir_section(out: dict[str, Any], tune: dict[str, Any] | None) -> str:
    hc = out["hybrid_config"]
    names = {"dense": "kb dense (all-MiniLM-L6-v2)", "bm25": "kb BM25 (bm25s, stemmed)",
             "hybrid": f"kb hybrid ({hc['fusion']}, dense weight {hc['dense_weight']})"}
    rows = [[names[m]] + [out["modes"][m].get(k) for k in ("ndcg@10", "recall@100", "mrr@10")]
            for m in ("dense", "bm25", "hybrid")]
    rows += [[f"published: {name}", v.get("ndcg@10"), v.get("recall@100"), v.get("mrr@10")]
             for name, v in out.get("published", {}).items()]
    parts = [f"### BEIR {out['dataset']} ({out['split']} split)", "",
             f"{out['queries']} queries, {out['documents']} documents "
             f"({out['chunks']} chunks).", "",
             md_table(["system", "nDCG@10", "Recall@100", "MRR@10"], rows), "", machine_line(out)]
    if tune and out["split"] != tune["split"]:  # shown once, beside the split it chose for
        best = sorted(tune["rows"], key=lambda r: -r["ndcg@10"])[:5]
        parts += ["", f"Tuning sweep on the {tune['split']} split ({tune['queries']} queries; the "
                      "test split is never tuned on), best five of "
                      f"{len(tune['rows'])} settings:", "",
                  md_table(["fusion", "scope", "dense weight", "nDCG@10", "Recall@100", "MRR@10"],
                           [[r["fusion"], r.get("fusion_scope", "chunk"),
                             _weight(r["dense_weight"]), r["ndcg@10"], r["recall@100"],
                             r["mrr@10"]] for r in best])]
    return "\n".join(parts)


ONLY_BY_NAME = ("ocr", "hostile")  # eval.bench.registry: neither in DEFAULT nor behind a flag
EXTERNAL_ORDER = ("eu-call-topics", "qmsum", "real-pdfs")


def external_section(outs: list[dict[str, Any]]) -> str:
    """kb beside the same-length cosine baseline on each external set (``external-*.json``)."""
    rows = []
    for out in outs:
        sm = out["summary"]
        rows.append([out["set"], sm["questions"], out["documents"], sm["kb_fact"],
                     sm["base_fact"], _pairs(sm, "fact"), sm["kb_first"], sm["base_first"],
                     _pairs(sm, "first"), sm["read"], sm["abstained"], sm["mean_sentences"]])
    return "\n".join([
        "### External sets: kb beside a plain baseline",
        "",
        "Questions built by a fixed procedure (`eval/external_sets.py`) over material nobody on "
        "the project wrote (`../shared/eval-data`). The baseline reads the same passages as "
        "`ask` and keeps as many sentences as kb's answer has, ranked by MiniLM cosine to the "
        "question; *first* compares kb's first sentence with the single top-cosine sentence. "
        "A fact counts when its words appear in order (punctuation ignored); *read* is the "
        "share of questions whose passages hold the fact at all (the ceiling of both). "
        "*Only kb / only baseline* count the questions one of them gets and the other does not, "
        "with the two-sided sign test's p on that split: at p above 0.05 the two are not told "
        "apart.",
        "",
        md_table(["set", "questions", "documents", "kb: fact present", "baseline: fact present",
                  "only kb / only baseline (p)", "kb: fact in first sentence",
                  "baseline: top-cosine sentence", "only kb / only baseline (p)", "read",
                  "kb abstained", "kb sentences"], rows),
        "",
        machine_line(outs[0]) if outs else "",
    ])


def _pairs(summary: dict[str, Any], what: str) -> str:
    """"9 / 3 (p 0.146)": questions only kb gets, only the baseline gets, and the sign test."""
    if f"{what}_kb_only" not in summary:  # a results file from before the counts
        return "-"
    p = summary[f"{what}_sign_p"]
    said = "p < 0.001" if p < 0.001 else f"p {p:.3f}"
    return f"{summary[f'{what}_kb_only']} / {summary[f'{what}_base_only']} ({said})"


def small_store_section(out: dict[str, Any]) -> str:
    rows = [["answerable questions declined (false abstention)", out["false_abstention"],
             out["answerable"]],
            ["out-of-scope questions declined", out["abstention_oos"], out["out_of_scope"]],
            ["facts present", out["facts_present"], out["answerable"]]]
    declined = ", ".join(out.get("false_abstentions", [])) or "none"
    return "\n".join([
        "### Golden set on small stores",
        "",
        f"Each answerable question asked of a store of its own documents plus {out['others']} "
        f"others ({out['stores']} stores of {', '.join(map(str, out['documents_per_store']))} "
        f"documents); out-of-scope questions spread over the same stores. Declined: {declined}.",
        "",
        md_table(["measure", "value", "questions"], rows),
        "",
        machine_line(out),
    ])


def portable(command: str) -> str:
    """A recorded command without this machine's paths: ``--store DIR``, ``../shared/...``,
    no ``--results``."""
    import re

    command = re.sub(r"--store \S+", "--store DIR", command)
    command = re.sub(r"--results \S+ ?", "", command).strip()
    return re.sub(r"(?<!\S)\S*/(shared/eval-data\S*)", r"../\1", command)


def bench_section(data: dict[str, Any]) -> str:
    """``kb bench`` results (``eval/results/bench.json``): its targets, then its own table."""
    met = {True: "met", False: "missed", None: "n/a"}
    rows = [[t["name"], t["value"], t["target"], met[t["met"]]] for t in data.get("targets", [])]
    parts = ["### Speed and memory", "", md_table(["measure", "value", "target", ""], rows)]
    try:
        from eval.bench import table

        parts += ["", "```text", table(data), "```"]
    except Exception:  # another module's renderer: the targets table is enough without it
        pass
    return "\n".join(parts)


def hostile_section(out: dict[str, Any]) -> str:
    """``python -m eval.bench.hostile`` (``eval/results/bench-hostile.json``): what oversized input
    costs, against its targets."""
    met = {True: "met", False: "missed", None: "n/a"}
    rows = []
    if big := out.get("big_text"):
        why = big["failed"][0].split(";")[0] if big.get("failed") else "accepted"
        rows.append([f"peak RSS of `kb ingest` on a {big['file_mb']:g} MB random text file",
                     f"{big['peak_rss_mb']:.0f} MB ({why}; {big['seconds']:g} s)",
                     big.get("target", ""), met[big.get("met")]])
    names = {"one_word_4mb": "4 MB of one repeated word",
             "no_spaces_4mb": "4 MB of text without spaces"}
    for name, part in out.get("repetitive", {}).items():
        why = part["failed"][0].split(";")[0] if part.get("failed") else "accepted"
        rows.append([names.get(name, name), f"{why} ({part['seconds']:g} s)",
                     part.get("target", ""), met[part.get("met")]])
    if q := out.get("questions"):
        rows.append(["a normal `/ask` while four 3 MB questions are refused in parallel / idle",
                     f"{q['under_attack_s']['median']:g} s / {q['idle_s']['median']:g} s = "
                     f"{q['ratio']:g} ({q['refused']}/{q['oversized_questions']} refused)",
                     q.get("target", ""), met[q.get("met")]])
    return "\n".join(["### Hostile input", "",
                      f"{out.get('cpus', '?')} cores, measured {out.get('measured_at', '?')}.", "",
                      md_table(["measure", "value", "target", ""], rows)])


def qmsum_section(out: dict[str, Any]) -> str:
    """``kb eval --qmsum`` (``eval/results/qmsum.json``): kb and llama-index on meetings."""
    q, kb_ = out["queries"], out["kb"]
    systems = [("kb search, configured settings", kb_["search"]),
               ("kb, passages ask reads", kb_["ask_retrieval"]),
               ("plain llama-index", out["llama_index"]["search"])]
    if "cross_validated" in out:
        systems.insert(0, ("kb search, settings chosen on the other half of the meetings",
                           out["cross_validated"]["pooled"]))
    if "in_meeting" in kb_:
        systems.append(("kb search within the right meeting", kb_["in_meeting"]))
    rows = [[name, g, got[g]["hit@1"], got[g]["hit@5"], got[g]["hit@10"], got[g]["mrr@10"]]
            for name, got in systems for g in ("specific", "summary")]
    return "\n".join([
        f"### Meetings (QMSum val, {out['meetings']} meetings)", "",
        f"{q['specific']} specific and {q['summary']} \"summarize the discussion\" queries over "
        f"one store of all meetings; turns timed at {out['words_per_minute']:g} words a minute. A "
        "hit: a result from the query's meeting whose time span overlaps a relevant span.", "",
        md_table(["system", "queries", "hit@1", "hit@5", "hit@10", "MRR@10"], rows), "",
        *_chapters_line(kb_.get("chapters")), machine_line(out)])


def _chapters_line(ch: dict[str, Any] | None) -> list[str]:
    """kb's chapter boundaries against the meetings' listed topics, if measured."""
    if not ch:
        return []
    return [f"Chapter boundaries against the listed topics (within {ch['tolerance_seconds']:g} s): "
            f"F1 {_f(ch['boundary_f1'])}, beside {_f(ch['evenly_spaced_f1'])} for as many "
            f"evenly spaced boundaries ({_f(ch['chapters_per_meeting'])} chapters and "
            f"{_f(ch['topics_per_meeting'])} topics a meeting).", ""]


def images(names: list[str], folder: Path | None, readme: Path | None) -> list[str]:
    """Markdown images for the plots beside the results (``<name>.png``), if there are any."""
    if folder is None or readme is None:
        return []
    pngs = [folder / f"{n}.png" for n in names if (folder / f"{n}.png").is_file()]
    return ["", *(f"![{p.stem}]({Path(os.path.relpath(p, readme.parent)).as_posix()})"
                  for p in pngs)] if pngs else []


def section(results: dict[str, dict[str, Any]], folder: Path | None = None,
            readme: Path | None = None) -> str:
    parts = ["_Generated by `python -m eval.report` from `eval/results/*.json`; "
             "rerun the commands below, then the script, to refresh._", ""]
    commands = []
    if "golden" in results:
        parts += [golden_section(results["golden"]), *images(["golden"], folder, readme), ""]
        commands.append(results["golden"].get("command", "kb eval"))
    if "golden-small-store" in results:
        parts += [small_store_section(results["golden-small-store"]), ""]
        commands.append(results["golden-small-store"].get("command", "kb eval --small-store"))
    external = [results[f"external-{n}"] for n in EXTERNAL_ORDER if f"external-{n}" in results]
    if external:
        parts += [external_section(external), ""]
        commands += [o.get("command", "kb eval --external DIR") for o in external]
    for name, out in results.items():
        if name.startswith("beir-") and "modes" in out:
            tune = results.get(f"beir-{out['dataset']}-tune")
            parts += [beir_section(out, tune),
                      *images([name, f"{name}-tune"], folder, readme), ""]
            commands.append(out.get("command", "kb eval --beir DIR"))
            if tune:
                commands.append(tune.get("command", "kb eval --beir DIR --tune"))
    qmsum = results.get("qmsum-tune") or results.get("qmsum")
    if qmsum and "kb" in qmsum:
        parts += [qmsum_section(qmsum), ""]
        commands.append(qmsum.get("command", "kb eval --qmsum"))
    if "bench-hostile" in results:
        parts += [hostile_section(results["bench-hostile"]), ""]
        commands.append("python -m eval.bench.hostile")
    if "bench" in results and "sections" in results["bench"]:
        parts += [bench_section(results["bench"]), ""]
        sections = results["bench"]["sections"]
        commands.append("kb bench" + " --load" * ("load" in sections)
                        + " --big-files" * ("bigfiles" in sections)
                        + " --scifact" * ("scifact" in sections))
        for key in sections:
            if key in ONLY_BY_NAME:  # sections kb bench runs only when named
                commands.append(f"kb bench --only {key}")
            if key.startswith("latency-"):
                commands.append(f"KB_EMBED_BACKEND={key[8:]} kb bench --only latency")
    commands = [portable(c) for c in commands]
    parts += ["To reproduce:", "", "```", *dict.fromkeys(commands), "python -m eval.report", "```"]
    return "\n".join(p for p in parts).strip() + "\n"


def check_readme(readme: Path) -> str:
    """The README's text, when it has the two markers in order."""
    if not readme.is_file():
        raise ReportError(f"{readme} does not exist; add the results markers to it first: "
                          f"{START} and {END} on lines of their own")
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0 or end < start:
        raise ReportError(f"{readme} has no results section: put {START} and {END} (in that "
                          "order) where the results should go, then rerun")
    return text


def rewrite(text: str, body: str) -> str:
    start, end = text.find(START), text.find(END)
    return text[:start + len(START)] + "\n" + body + text[end:]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.report", description=__doc__.splitlines()[0])
    p.add_argument("--readme", type=Path, default=README)
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--print", action="store_true", help="print the section instead of writing it")
    args = p.parse_args(argv)
    try:
        text = "" if args.print else check_readme(args.readme)
        results = load_results(args.results)
        try:
            body = section(results, args.results, args.readme)
        except (KeyError, TypeError) as exc:
            raise ReportError(f"a file in {args.results} is not 'kb eval' output "
                              f"(missing {exc}); rerun the eval") from exc
        if args.print:
            print(body)
            return 0
        args.readme.write_text(rewrite(text, body), encoding="utf-8")
    except ReportError as exc:
        print(f"eval.report: error: {exc}", file=sys.stderr)
        return 1
    print(f"rewrote the results section of {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
