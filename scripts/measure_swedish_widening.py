"""BM25 alone on the Swedish golden questions: the rank of the best chunk holding each question's
facts, with the Swedish stem widening (``LexicalIndex.neighbours``) as kb does it, widening every
stem, and none (docs/decisions/17-languages.md).

    python scripts/measure_swedish_widening.py /tmp/h17b/golden/eval-golden

The folder is a golden store (``kb eval --store /tmp/h17b/golden`` makes ``eval-golden/`` in it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.lexical import AFFIX_LETTERS, MIN_STEM, LexicalIndex  # noqa: E402

KEPT = LexicalIndex.neighbours


def widen_all(self: LexicalIndex, tokens: list[str]) -> list[str]:
    """What kb does for a stem the collection lacks, done for every stem."""
    out: dict[str, None] = {}
    for token in tokens:
        lang, _, stem = token.partition(":")
        found = self._extensions(token)
        found += [f"{lang}:{stem[:-c]}" for c in range(1, AFFIX_LETTERS + 1)
                  if len(stem) - c >= MIN_STEM and f"{lang}:{stem[:-c]}" in self.df]
        out.update(dict.fromkeys(found or [token]))
    return list(out)


def ranks(lex: LexicalIndex, questions: list[dict]) -> list[int]:
    out = []
    for q in questions:
        terms = lex.query_terms(q["question"])
        scores = lex.scores([t for tokens in terms.values() for t in tokens])
        order = list(np.argsort(-scores))
        rows = [i for i in range(len(lex)) if all(
            f.lower() in (lex.table.row(i)[0] or "").lower() for f in q["facts"])]
        out.append(min(order.index(r) + 1 for r in rows))
    return out


def main() -> None:
    lex = LexicalIndex.load(Path(sys.argv[1]) / "lexical")
    lines = (ROOT / "eval" / "golden" / "swedish.jsonl").read_text(encoding="utf-8")
    questions = [json.loads(line) for line in lines.splitlines() if line.strip()]
    variants = {"no widening": lambda self, tokens: list(dict.fromkeys(tokens)),
                "widen every stem": widen_all, "widen unknown stems (kb)": KEPT}
    for name, fn in variants.items():
        LexicalIndex.neighbours = fn
        r = ranks(lex, questions)
        print(f"{name:28} ranks {r}  MRR {sum(1 / x for x in r) / len(r):.3f}")


if __name__ == "__main__":
    main()
