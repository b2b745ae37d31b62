#!/usr/bin/env python3
"""Validate eval/golden/reports.jsonl against the files in corpus/reports/.

Checks, for every line:
  * it parses as JSON and has exactly the golden-format keys with allowed values;
  * ids are unique, follow-ups point at the question right before them;
  * every source exists; every fact occurs (case-insensitively, whitespace-normalised) in a source;
  * for PDF questions with a page: the fact is on that page of the built PDF (pypdf text layer)
    and in the report source text (scripts/report_sources/<slug>.md) it was built from;
  * it reports how many corpus files contain each fact, to catch facts that are not distinctive.
Also prints the mix of styles, splits, personas and PDF-page questions.

Usage: python3.11 scripts/check_reports_golden.py [path/to/reports.jsonl]
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections import Counter
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SOURCES = ROOT / "scripts" / "report_sources"
KEYS = {"id", "question", "sources", "page", "timestamp", "facts", "type", "split",
        "follow_up_of", "persona", "style"}
PERSONAS = {"cluster manager", "new staff", "researcher"}
STYLES = {"direct", "paraphrase", "follow-up"}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def html_text(raw: str) -> str:
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


_cache: dict[Path, tuple[str, list[str]]] = {}


def load(path: Path) -> tuple[str, list[str]]:
    """Return (whole text, per-page texts) of a corpus file, normalised."""
    if path not in _cache:
        if path.suffix == ".pdf":
            pages = [norm(p.extract_text() or "") for p in PdfReader(path).pages]
            _cache[path] = (" ".join(pages), pages)
        elif path.suffix in {".html", ".htm"}:
            _cache[path] = (norm(html_text(path.read_text(encoding="utf-8"))), [])
        else:
            _cache[path] = (norm(path.read_text(encoding="utf-8", errors="replace")), [])
    return _cache[path]


def main() -> int:
    golden = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "eval" / "golden" / "reports.jsonl"
    errors: list[str] = []
    rows = []
    for n, line in enumerate(golden.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: invalid JSON ({exc})")

    corpus_files = [p for p in CORPUS.rglob("*") if p.is_file()]
    ids = [r.get("id") for r in rows]
    for dup in {i for i in ids if ids.count(i) > 1}:
        errors.append(f"duplicate id {dup}")

    for i, r in enumerate(rows):
        rid = r.get("id", f"#{i + 1}")
        if set(r) != KEYS:
            errors.append(f"{rid}: keys {sorted(set(r) ^ KEYS)} wrong")
            continue
        if r["persona"] not in PERSONAS or r["style"] not in STYLES:
            errors.append(f"{rid}: bad persona/style")
        if r["split"] not in {"tune", "heldout"}:
            errors.append(f"{rid}: bad split")
        if r["follow_up_of"] is not None:
            if i == 0 or rows[i - 1]["id"] != r["follow_up_of"]:
                errors.append(f"{rid}: follow_up_of must name the question right before it")
            if r["style"] != "follow-up":
                errors.append(f"{rid}: a follow-up should have style follow-up")
        if r["type"] == "out_of_scope":
            if r["sources"] or r["facts"] or r["page"] is not None or r["timestamp"] is not None:
                errors.append(f"{rid}: out_of_scope must have no sources/facts/page/timestamp")
            continue
        if r["type"] != "answerable":
            errors.append(f"{rid}: bad type")
            continue
        if not 1 <= len(r["facts"]) <= 2:
            errors.append(f"{rid}: needs 1-2 facts")
        paths = [CORPUS / s for s in r["sources"]]
        for p in paths:
            if not p.exists():
                errors.append(f"{rid}: missing source {p.relative_to(ROOT)}")
        if errors and not all(p.exists() for p in paths):
            continue
        if r["page"] is not None:
            if len(paths) != 1 or paths[0].suffix != ".pdf":
                errors.append(f"{rid}: page given but source is not a single PDF")
        for fact in r["facts"]:
            f = norm(fact)
            if len(fact.split()) > 5:
                errors.append(f"{rid}: fact too long: {fact!r}")
            if not any(f in load(p)[0] for p in paths):
                errors.append(f"{rid}: fact {fact!r} not in any source")
            if r["page"] is not None:
                whole, pages = load(paths[0])
                if not 1 <= r["page"] <= len(pages):
                    errors.append(f"{rid}: page {r['page']} out of range")
                elif f not in pages[r["page"] - 1]:
                    on = [k + 1 for k, t in enumerate(pages) if f in t]
                    errors.append(f"{rid}: fact {fact!r} not on page {r['page']} (found on {on})")
                src_md = SOURCES / (paths[0].stem + ".md")
                if src_md.exists() and f not in norm(src_md.read_text(encoding="utf-8")):
                    errors.append(f"{rid}: fact {fact!r} not in {src_md.relative_to(ROOT)}")
            word = re.compile(r"(?<![\w.])" + re.escape(f) + r"(?!\w)")
            hits = [p for p in corpus_files if word.search(load(p)[0])]
            if len(hits) > 2:
                print(f"  note {rid}: fact {fact!r} occurs in {len(hits)} corpus files")

    answerable = [r for r in rows if r.get("type") == "answerable"]
    print(f"{len(rows)} questions, {len(answerable)} answerable")
    print("styles:", dict(Counter(r.get("style") for r in rows)))
    print("splits:", dict(Counter(r.get("split") for r in rows)))
    print("personas:", dict(Counter(r.get("persona") for r in rows)))
    print("with PDF page:", sum(1 for r in rows if r.get("page") is not None))
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
