"""``memory``: peak RSS (``VmHWM`` of a child process) of ingesting the corpus and of a
KnowledgeBase that answered every golden question. ``bigfiles``: the same for a 10 MB text file
and a 500-page PDF of real EU-topic text (about 30+ minutes)."""

from __future__ import annotations

import json
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from eval.bench.base import Benchmark, Context, Row, Target, target
from eval.bench.measure import MB, MEMORY_NOTE, child, load_change
from kb.settings import Settings

LIMIT_MB = 1536


class Memory(Benchmark):
    name = "memory"

    def run(self, ctx: Context) -> dict[str, Any]:
        out: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
            out["ingest_corpus"] = child("ingest", str(Path(tmp) / "store"), str(ctx.corpus))
        ctx.corpus_store()
        out["serve_kb"] = child("serve", str(ctx.root / "corpus"))
        out["note"] = MEMORY_NOTE
        return out

    def table(self, m: dict[str, Any], key: str) -> list[Row]:
        return [(key, ", ".join(f"{k} {v['peak_rss_mb']:.0f} MB" for k, v in m.items()
                                if isinstance(v, dict) and "peak_rss_mb" in v), load_change(m))]

    def targets(self, m: dict[str, Any], key: str) -> list[Target]:
        return [target(f"peak RSS {key}/{name} (MB)", row["peak_rss_mb"], f"< {LIMIT_MB}",
                       row["peak_rss_mb"] < LIMIT_MB)
                for name, row in m.items() if isinstance(row, dict) and "peak_rss_mb" in row]


class BigFiles(Memory):
    name = "bigfiles"

    def run(self, ctx: Context) -> dict[str, Any]:
        """Peak RSS of ingesting a 10 MB text file and a 500-page PDF, each into a new store."""
        out: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
            txt = make_big_text(Path(tmp) / "big.txt", data=ctx.data)
            pdf = make_big_pdf(Path(tmp) / "big.pdf", data=ctx.data)
            for name, path in (("ingest_10mb_txt", txt), ("ingest_500_page_pdf", pdf)):
                ctx.log(f"bench:   {name} ({path.stat().st_size / MB:.1f} MB) ...")
                got = child("ingest", str(Path(tmp) / f"store-{name}"), str(path),
                            timeout=4 * 3600)
                out[name] = {**got, "file_mb": round(path.stat().st_size / MB, 1)}
        out["note"] = f"{MEMORY_NOTE}; text: EU call topics and SciFact from {ctx.data}"
        return out


def ingest_child(args: list[str]) -> dict[str, Any]:
    """(in the child) ingest ``args[1:]`` into the store ``args[0]``; KB_* settings apply
    (KB_EMBED_BATCH_SIZE=32 kb bench --only bigfiles compares batches)."""
    from ingest.pipeline import run

    report = run([Path(a) for a in args[1:]], Settings.from_env(store=Path(args[0])))
    return {"seconds": report.seconds, "chunks": report.chunks, "failed": len(report.failed)}


def serve_child(args: list[str]) -> dict[str, Any]:
    """(in the child) a KnowledgeBase on the store ``args[0]`` that answers every golden
    question."""
    from eval.golden import load_golden
    from kb.api import KnowledgeBase

    kb_ = KnowledgeBase(Settings(store=Path(args[0])))
    kb_.warm_up()
    items = load_golden()
    for item in items:
        kb_.search(item.question)
        kb_.ask(item.question)
    return {"questions": len(items)}


def _real_paragraphs(data: Path) -> list[str]:
    out = []
    topics = data / "eu-call-topics" / "eu_ft_call_topics_open.jsonl"
    for line in topics.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        fields = (row.get("title"), row.get("description"), row.get("objectives"))
        out.extend(t for t in fields if t)
    for line in (data / "scifact" / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out.append(f"{row.get('title', '')}. {row.get('text', '')}")
    return out


def make_big_text(path: Path, size: int = 10 * MB, data: Path | None = None) -> Path:
    """About ``size`` bytes of real text (EU topics, then SciFact abstracts), paragraph per line."""
    from eval.grow import EVAL_DATA

    paragraphs = _real_paragraphs(data or EVAL_DATA)
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Benchmark text: EU call topics and SciFact abstracts\n\n")
        while written < size:
            for para in paragraphs:
                fh.write(para + "\n\n")
                written += len(para.encode()) + 2
                if written >= size:
                    break
    return path


def make_big_pdf(path: Path, pages: int = 500, data: Path | None = None) -> Path:
    """A ``pages``-page PDF with a real text layer (EU topic text, 50 lines of 95 characters)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from eval.grow import EVAL_DATA

    lines = [line for para in _real_paragraphs(data or EVAL_DATA)[:3000]
             for line in textwrap.wrap(para.encode("latin-1", "replace").decode("latin-1"), 95)]
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle("Benchmark PDF: EU call topics")
    for page in range(pages):
        text = c.beginText(40, 800)
        text.setFont("Helvetica", 9)
        for line in lines[page * 50:(page + 1) * 50]:
            text.textLine(line)
        c.drawText(text)
        c.showPage()
    c.save()
    return path
