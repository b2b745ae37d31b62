"""Compressed text per chunk (the KB_MIN_DOC_INFO rule) on real text from /work/shared/eval-data
and the corpus, beside the files that amplify themselves (docs/decisions/15.md).

    python scripts/measure_doc_info.py
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.chunking import chunk_document  # noqa: E402
from ingest.limits import Budget  # noqa: E402
from kb.models import Document, Unit  # noqa: E402

DATA = ROOT.parent / "shared" / "eval-data"


def measure(text: str) -> tuple[int, int, int, float]:
    """(chunks, compressed bytes per chunk, bytes per chunk, seconds to chunk)."""
    doc = Document(source="x", kind="document", title="x",
                   units=[Unit(text=p) for p in text.split("\n\n") if p.strip()])
    started = time.perf_counter()
    with Budget("x", 10**6, 10**6, 10**9).use():
        n = len(chunk_document(doc, 200, 30, 75))
    z = len(zlib.compress(text.encode(), 1))
    return n, round(z / n), round(len(text.encode()) / n), round(time.perf_counter() - started, 1)


def samples() -> dict[str, str]:
    rng = random.Random(0)
    sci = [json.loads(line) for line in (DATA / "scifact/corpus.jsonl").read_text().splitlines()]
    eu = [json.loads(line) for line in
          (DATA / "eu-call-topics/eu_ft_call_topics_open.jsonl").read_text().splitlines()]
    return {
        "scifact 300 abstracts": "\n\n".join(f"{r['title']}. {r['text']}"
                                             for r in rng.sample(sci, 300)),
        "eu topics 100": "\n\n".join(" ".join(str(r.get(k) or "") for k in
                                              ("title", "description", "objectives"))
                                     for r in eu[:100]),
        "qmsum val (400 KB)": (DATA / "qmsum/val.jsonl").read_text(errors="replace")[:400_000],
        "corpus toolbox (all)": "\n\n".join(p.read_text() for p in
                                            sorted((ROOT / "corpus/toolbox").glob("*.md"))),
        "numbers table": "\n".join(" ".join(str(rng.randint(0, 99999)) for _ in range(12))
                                   for _ in range(8000)),
        "one word 1 MB": "cluster " * 131072,
        "no spaces, random 1 MB": "".join(rng.choices(string.ascii_letters, k=1 << 20)),
        "no spaces, base64 1 MB": base64.b64encode(rng.randbytes(786432)).decode(),
        "no spaces, one char 1 MB": "x" * (1 << 20),
    }


if __name__ == "__main__":
    print(f"{'text':28s} {'KB':>6s} {'chunks':>7s} {'z/chunk':>8s} {'B/chunk':>8s} {'s':>5s}")
    for name, text in samples().items():
        n, z, b, s = measure(text)
        print(f"{name:28s} {len(text.encode()) / 1024:6.0f} {n:7d} {z:8d} {b:8d} {s:5.1f}",
              flush=True)
