"""The ``kb`` command: parses arguments, calls the library, renders the result. Nothing more.

Exit codes: 0 success, 1 an error, 2 a usage error, 3 some files failed to ingest.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable
from typing import Any

from kb import _env  # noqa: F401
from kb.errors import KBError, UsageError
from kb.settings import Settings


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", help="store folder (KB_STORE; default .kb)")
    p.add_argument("--chroma-url",
                   help="use a Chroma server, e.g. http://127.0.0.1:8000 (KB_CHROMA_URL)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kind", choices=["toolbox", "report", "transcript", "document"])
    p.add_argument("--category", choices=["event", "service", "long-term initiative", "tool"])
    p.add_argument("--tag", action="append", dest="tags", help="a tag (repeatable: any of them)")
    p.add_argument("--org", dest="organisation", help="coordinator or contributing organisation")
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kb", description=__doc__.splitlines()[0])
    sub = root.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="ingest files and folders (incremental)")
    p.add_argument("paths", nargs="+", metavar="PATH")
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
    _common(p)

    p = sub.add_parser("eval", help="golden-set or BEIR evaluation")
    p.add_argument("--beir", metavar="DIR", help="a BEIR-layout folder instead of the golden set")
    p.add_argument("--golden", metavar="FILE",
                   help="golden set: a JSONL file or a folder of them (default eval/golden/)")
    p.add_argument("--corpus", metavar="DIR", help="corpus for the golden set (default corpus/)")
    p.add_argument("--plot", metavar="PNG", help="write a plot of the metrics")
    p.add_argument("--split", choices=["test", "train"], help="BEIR qrels split (default test)")
    p.add_argument("--tune", action="store_true",
                   help="BEIR: sweep fusion method and weight on the train split")
    p.add_argument("--calibrate", action="store_true",
                   help="golden set: abstention signals on the tune split")
    p.add_argument("--results", metavar="DIR",
                   help="where the JSON result goes (default eval/results/, which the README "
                        "reports: use another folder for experiments)")
    _common(p)

    p = sub.add_parser("bench", help="speed and memory benchmark")
    from eval.bench import add_arguments

    add_arguments(p)
    _common(p)
    return root


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.from_env(store=args.store, chroma_url=args.chroma_url,
                             host=getattr(args, "host", None), port=getattr(args, "port", None))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, settings_from(args))
    except UsageError as exc:
        print(f"kb: error: {exc}", file=sys.stderr)
        return 2
    except KBError as exc:
        print(f"kb: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except (ConnectionError, OSError) as exc:
        print(f"kb: error: lost the store ({exc})", file=sys.stderr)
        return 1
    except Exception as exc:
        if type(exc).__module__.split(".")[0] not in ("httpx", "httpcore", "chromadb"):
            raise
        print(f"kb: error: the Chroma store failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.pipeline import run

    report = run(args.paths, settings, show_bar=not args.json)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
              f"removed {report.removed}: {report.chunks} chunks in {report.seconds:.1f} s")
        if report.skipped:
            print(f"skipped (unsupported type): {', '.join(report.skipped)}")
        for f in report.failed:
            print(f"FAILED {f['source']}: {f['error']}", file=sys.stderr)
    return 3 if report.failed else 0


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
                                          "year_from", "year_to") if getattr(args, k, None)}


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from kb.answer.citations import location
    from kb.api import KnowledgeBase

    hits = KnowledgeBase(settings).search(args.query, k=args.k, filters=_filter_args(args))
    if args.json:
        _print_json([hit_json(h) for h in hits])
        return 0
    if not hits:
        print("no results")
    for i, h in enumerate(hits, start=1):
        where = location(h)
        print(f"{i:>2}. {h.score:.3f}  {h.title}  "
              f"[{h.kind}{', ' + where if where else ''}]  {h.source}")
        print(textwrap.indent(textwrap.shorten(h.text, 300), "     "))
    return 0


def hit_json(h) -> dict[str, Any]:
    return {"doc_id": h.doc_id, "source": h.source, "title": h.title, "kind": h.kind,
            "page": h.page, "start": h.start, "end": h.end, "speaker": h.speaker,
            "section": h.section, "score": h.score, "text": h.text, "chunk_id": h.chunk_id}


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
        where = location(c)
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
        _print_json([hit_json(h) for h in hits])
        return 0
    for i, h in enumerate(hits, start=1):
        print(f"{i:>2}. {h.score:.3f}  {h.title}  [{h.kind}]  {h.source}")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from app import serve

    serve(settings)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from eval.cli import run_eval

    return run_eval(args, settings)


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from eval.bench import run_bench

    return run_bench(args, settings)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "ingest": cmd_ingest, "docs": cmd_docs, "search": cmd_search, "ask": cmd_ask,
    "similar": cmd_similar, "serve": cmd_serve, "eval": cmd_eval, "bench": cmd_bench,
}

if __name__ == "__main__":
    sys.exit(main())
