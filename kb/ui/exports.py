"""What the app writes: the feedback log (a line per vote) and CSV exports of search results."""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kb.ui.render import WORDS, where

EXPORTS = Path(tempfile.gettempdir()) / f"kb-exports-{os.getpid()}"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_feedback_lock = threading.Lock()


def record_feedback(store: Path, turn: dict, vote: str) -> None:
    line = {"time": datetime.now(UTC).isoformat(timespec="seconds"),
            "question": turn["question"], "answer": turn["answer"],
            "citations": turn["citations"], "vote": vote}
    store.mkdir(parents=True, exist_ok=True)
    with _feedback_lock, open(store / "feedback.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")


def _csv_cell(value: Any) -> Any:
    """Keep a spreadsheet from reading a cell as a formula (OWASP's list: = + - @ tab CR)."""
    return "'" + value if isinstance(value, str) and value[:1] in FORMULA_STARTS else value


def export_csv(hits: list[dict], query: str) -> str:
    """The hits as a CSV file in a folder of its own; exports older than an hour are removed."""
    EXPORTS.mkdir(parents=True, exist_ok=True)
    for old in EXPORTS.iterdir():
        if time.time() - old.stat().st_mtime > 3600:
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(dir=EXPORTS))
    slug = "-".join(WORDS.findall(query.lower()))[:40] or "results"
    path = folder / f"kb-search-{slug}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["rank", "title", "kind", "where", "score", "source", "passage"])
        for i, h in enumerate(hits, start=1):
            w.writerow([_csv_cell(v) for v in (i, h["title"], h["kind"], where(h),
                                                h["score"], h["source"], h["text"])])
    return str(path)
