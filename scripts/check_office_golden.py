#!/usr/bin/env python3
"""Validate eval/golden/office.jsonl against the files it asks about: every source exists, and
every fact is verbatim (case-insensitive) in the unit the item names: its `page` (a PDF page, read
by OCR where the page is a scan), `slide`, `sheet` and `row`, or Word `section`.

    python scripts/check_office_golden.py     # exit 1 and one line per problem if any
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.loaders import load  # noqa: E402

GOLDEN = ROOT / "eval" / "golden" / "office.jsonl"
CORPUS = ROOT / "corpus"


def unit_text(doc, item: dict) -> str:
    """The text of the unit the item points at ('' when it points at none)."""
    for u in doc.units:
        if ((item.get("page") is None or u.page == item["page"])
                and (item.get("slide") is None or u.slide == item["slide"])
                and (item.get("row") is None or (u.sheet, u.row) == (item.get("sheet"),
                                                                     item["row"]))
                and (item.get("section") is None or u.section == item["section"])):
            return u.text
    return ""


def problems() -> list[str]:
    out, docs = [], {}
    items = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line]
    for item in items:
        for source in item["sources"]:
            if source not in docs:
                docs[source] = load(CORPUS / source, source)
            text = unit_text(docs[source], item).lower()
            if not text:
                out.append(f"{item['id']}: no such location in {source}")
            out += [f"{item['id']}: fact {f!r} not at the stated location of {source}"
                    for f in item["facts"] if f.lower() not in text]
    held = sum(i["split"] == "heldout" for i in items)
    if not 0 < held < len(items):
        out.append(f"{held} of {len(items)} items held out: expected some, not all")
    return out


if __name__ == "__main__":
    found = problems()
    print("\n".join(found) or f"{GOLDEN.relative_to(ROOT)}: every fact is where it says")
    sys.exit(1 if found else 0)
