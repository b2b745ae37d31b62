"""The ``kb`` command: parses arguments, calls the library, renders the result. Nothing more.

Exit codes: 0 success, 1 an error, 2 a usage error, 3 some files or folders could not be
ingested, 141 the output was closed early (``kb search ... | head``: it ends quietly).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import time
from collections.abc import Callable
from typing import Any

from kb import _env  # noqa: F401
from kb.errors import KBError, UsageError
from kb.models import CATEGORIES, KINDS
from kb.settings import Settings


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", help="store folder (KB_STORE; default .kb)")
    p.add_argument("--chroma-url",
                   help="use a Chroma server, e.g. http://127.0.0.1:8000 (KB_CHROMA_URL)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--category", choices=CATEGORIES)
    p.add_argument("--tag", action="append", dest="tags", help="a tag (repeatable: any of them)")
    p.add_argument("--org", dest="organisation", help="coordinator or contributing organisation")
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)
    p.add_argument("--language", help="document language as an ISO 639-1 code, e.g. sv or en")
    p.add_argument("--speaker", help="recordings: only passages in which this speaker talks")


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; the bench options (eval.bench) only when ``command`` is "bench"."""
    root = argparse.ArgumentParser(prog="kb", description=__doc__.splitlines()[0])
    sub = root.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="ingest files and folders (incremental)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--watch", action="store_true",
                   help="then keep watching the folders: ingest each change as it happens")
    _common(p)

    p = sub.add_parser("docs", help="list the stored documents")
    _common(p)

    p = sub.add_parser("search", help="hybrid search")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=10)
    _filters(p)
    _common(p)

    p = sub.add_parser("ask", help="a question in, an answer with cited sources out")
    p.add_argument("question")
    p.add_argument("--no-stated-filters", action="store_true",
                   help="do not filter by what the question names (a kind, organisation, year)")
    _filters(p)
    _common(p)

    p = sub.add_parser("similar", help="documents most like a stored one")
    p.add_argument("source", help="the document's source path, as 'kb docs' shows it")
    p.add_argument("--k", type=int, default=5)
    _common(p)

    p = sub.add_parser("serve", help="start the Gradio app")
    p.add_argument("--host", help="KB_HOST (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="KB_PORT (default 7860)")
    p.add_argument("--watch", metavar="DIR", action="append",
                   help="keep this folder ingested while serving (repeatable)")
    _common(p)

    _eval_parser(sub.add_parser("eval", help="golden-set, BEIR, QMSum or external-set evaluation"))

    p = sub.add_parser("bench", help="speed and memory benchmark (needs the repository checkout)")
    if command == "bench":
        _repository("bench", "eval.bench").add_arguments(p)
    _common(p)
    return root


def _eval_parser(p: argparse.ArgumentParser) -> None:
    """``kb eval``'s options (the work is eval.cli's, in the repository checkout)."""
    p.add_argument("--beir", metavar="DIR", help="a BEIR-layout folder instead of the golden set")
    p.add_argument("--golden", metavar="FILE",
                   help="golden set: a JSONL file or a folder of them (default eval/golden/)")
    p.add_argument("--corpus", metavar="DIR", help="corpus for the golden set (default corpus/)")
    p.add_argument("--plot", metavar="PNG", help="write a plot of the metrics")
    p.add_argument("--split", choices=["test", "train"], help="BEIR qrels split (default test)")
    p.add_argument("--qmsum", nargs="?", const="default", metavar="FILE",
                   help="transcript retrieval on QMSum meetings (default: "
                        "../shared/eval-data/qmsum/val.jsonl); --tune sweeps windows and weights")
    p.add_argument("--tune", action="store_true",
                   help="BEIR: sweep fusion method and weight on the train split")
    p.add_argument("--calibrate", action="store_true",
                   help="golden set: abstention signals on the tune split")
    p.add_argument("--results", metavar="DIR",
                   help="where the JSON result goes (default eval/results/, which the README "
                        "reports: use another folder for experiments)")
    p.add_argument("--external", metavar="DIR",
                   help="external sets: the eval-data folder (../shared/eval-data)")
    p.add_argument("--set", help="external set(s), comma-separated: eu-call-topics, qmsum, "
                                 "real-pdfs (default all)")
    p.add_argument("--limit", type=int,
                   help="external: questions per set (default: all of them, at most 200)")
    p.add_argument("--small-store", action="store_true",
                   help="golden set on small stores: each question's documents plus ten others")
    _common(p)


def _repository(command: str, module: str) -> Any:
    """A module that only the repository checkout has (``eval``: the golden set, the corpus and
    the benchmarks), found beside this kb when it runs from a checkout (an editable
    install), or a usage error that says so (an installed wheel)."""
    import importlib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file() and str(root) not in sys.path:
        sys.path.append(str(root))
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name not in (module, module.split(".")[0]):
            raise
        raise UsageError(f"'kb {command}' needs the repository checkout ({module} is not "
                         "installed with kb): run it from a clone, after "
                         "pip install -e '.[eval]'") from None


def _command(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.from_env(store=args.store, chroma_url=args.chroma_url,
                             host=getattr(args, "host", None), port=getattr(args, "port", None))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parser(_command(argv)).parse_args(argv)
        return COMMANDS[args.command](args, settings_from(args))
    except UsageError as exc:
        print(f"kb: error: {exc}", file=sys.stderr)
        return 2
    except KBError as exc:
        print(f"kb: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _pipe_closed()
    except ConnectionError as exc:
        print(f"kb: error: lost the store ({exc})", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"kb: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except Exception as exc:
        if type(exc).__module__.split(".")[0] not in ("httpx", "httpcore", "chromadb"):
            raise
        print(f"kb: error: the Chroma store failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _pipe_closed() -> int:
    """The reader of our output went away (``| head``): stop quietly, as CLI tools do. What is
    still buffered goes to /dev/null, so the interpreter's exit does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141


def _json_progress() -> Callable[[str, int, int], None]:
    """Progress of a ``--json`` ingest as JSON lines on stderr: at most one a second, and the
    last file."""
    started = last = time.monotonic()

    def report(source: str, done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= 1.0 or done == total:
            last = now
            line = {"progress": {"done": done, "total": total, "file": source,
                                 "seconds": round(now - started, 1)}}
            print(json.dumps(line, ensure_ascii=False), file=sys.stderr, flush=True)
    return report


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest import run

    if args.watch:
        return _watch(args, settings)
    report = run(args.paths, settings, show_bar=not args.json,
                 progress=_json_progress() if args.json else None)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
              f"removed {report.removed}: {report.chunks} chunks in {report.seconds:.1f} s")
        if report.skipped:
            print("skipped: " + ", ".join(s if s.endswith(")") else f"{s} (unsupported type)"
                                          for s in report.skipped))
        if report.ignored:
            print(f"ignored (.kbignore): {', '.join(report.ignored)}")
        for w in report.warnings:
            print(f"WARNING {w['source']}: {w['warning']}", file=sys.stderr)
        for f in report.failed:
            print(f"FAILED {f['source']}: {f['error']}", file=sys.stderr)
    return 3 if report.failed else 0


def _watch(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.watch import watch

    print(f"kb: watching {', '.join(args.paths)} (Ctrl-C stops)", file=sys.stderr, flush=True)
    for change in watch(args.paths, settings):
        print(json.dumps(change.to_dict(), ensure_ascii=False) if args.json else change.line(),
              flush=True)
    return 0


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    from kb.api import KnowledgeBase

    docs = KnowledgeBase(settings).docs()
    if args.json:
        _print_json([d.to_dict() for d in docs])
        return 0
    for d in docs:
        print(f"{d.kind:<10} {d.chunks:>4}  {d.source}  —  {d.title}")
    print(f"{len(docs)} documents, {sum(d.chunks for d in docs)} chunks")
    return 0


def _filter_args(args: argparse.Namespace) -> dict[str, Any]:
    return {k: getattr(args, k) for k in ("kind", "category", "tags", "organisation",
                                          "year_from", "year_to", "language", "speaker")
            if getattr(args, k, None)}


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from kb.answer.citations import location
    from kb.api import KnowledgeBase

    hits = KnowledgeBase(settings).search(args.query, k=args.k, filters=_filter_args(args))
    if args.json:
        _print_json([h.to_dict() for h in hits])
        return 0
    if not hits:
        print("no results")
    for i, h in enumerate(hits, start=1):
        where = location(h) + (", OCR text" if h.ocr else "")
        print(f"{i:>2}. {h.score:.3f}  {h.title}  "
              f"[{h.kind}{', ' + where if where else ''}]  {h.source}")
        print(textwrap.indent(textwrap.shorten(h.text, 300), "     "))
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from kb.answer import markup
    from kb.answer.citations import location
    from kb.api import KnowledgeBase

    answer = KnowledgeBase(settings).ask(args.question, filters=_filter_args(args),
                                         stated_filters=not args.no_stated_filters)
    if args.json:
        _print_json(answer.to_dict())
        return 0
    for line in markup.plain(answer.text).splitlines():  # a list's items, an outline's steps
        print(textwrap.fill(line, 100, subsequent_indent="  " if line.startswith("- ") else ""))
    if answer.filters_applied:
        print(f"\n(filtered by the question: {'; '.join(answer.filters_applied)})")
    if answer.citations:
        print("\nSources:")
    for c in answer.citations:
        where = location(c) + (", OCR text" if c.ocr else "")
        who = f", {c.speaker}" if c.speaker else ""
        badge = ", illustrative example" if c.illustrative else ""
        print(f"[{c.n}] {c.title} ({c.kind}{', ' + where if where else ''}{who}{badge}) — "
              f"{c.source}")
        print(textwrap.indent(textwrap.fill(f"“{markup.plain(c.snippet)}”", 96), "    "))
    return 0


def cmd_similar(args: argparse.Namespace, settings: Settings) -> int:
    from kb.api import KnowledgeBase

    hits = KnowledgeBase(settings).similar(args.source, k=args.k)
    if args.json:
        _print_json([h.to_dict() for h in hits])
        return 0
    for i, h in enumerate(hits, start=1):
        print(f"{i:>2}. {h.score:.3f}  {h.title}  [{h.kind}]  {h.source}")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from kb.ui.server import serve

    serve(settings, watch=args.watch)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    return _repository("eval", "eval.cli").run_eval(args, settings)


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    return _repository("bench", "eval.bench").run_bench(args, settings)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "ingest": cmd_ingest, "docs": cmd_docs, "search": cmd_search, "ask": cmd_ask,
    "similar": cmd_similar, "serve": cmd_serve, "eval": cmd_eval, "bench": cmd_bench,
}

if __name__ == "__main__":
    sys.exit(main())
