"""Shared data for the eval tests: a tiny BEIR folder and a tiny corpus with its golden set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.golden import QuestionResult

CORPUS = {
    "c1": ("Vitamin D and bone density", "Vitamin D supplements increase bone mineral density in "
           "older women. The trial followed 400 women for two years."),
    "c2": ("Statins and muscle pain", "Statin therapy is associated with muscle pain in a minority "
           "of patients; the effect is dose dependent."),
    "c3": ("Sleep and memory", "Sleep deprivation impairs the consolidation of declarative memory "
           "in young adults."),
    "c4": ("Coffee and liver", "Coffee drinking is linked to a lower risk of liver cirrhosis."),
    "c5": ("", "Bone fractures in the elderly are reduced by calcium and vitamin D together."),
}
QUERIES = {"q1": "vitamin D improves bone density", "q2": "statins cause muscle pain",
           "q3": "lack of sleep harms memory", "q4": "coffee protects the liver",
           "q9": "a query without judgements"}


def write_beir(tmp_path: Path, name: str = "tiny") -> Path:
    folder = tmp_path / name
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("\n".join(
        json.dumps({"_id": cid, "title": t, "text": x}) for cid, (t, x) in CORPUS.items()) + "\n")
    (folder / "queries.jsonl").write_text("\n".join(
        json.dumps({"_id": q, "text": t, "metadata": {}}) for q, t in QUERIES.items()) + "\n")
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\tc1\t1\nq1\tc5\t1\nq2\tc2\t1\nq3\tc3\t1\n")
    (folder / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\nq4\tc4\t1\n")
    return folder


TOOLBOX = """\
---
title: Reverse pitch
type: toolbox
category: event
---
# Reverse pitch

Large companies present a challenge and small suppliers pitch solutions to it.
One reverse pitch cycle takes about 115 hours of staff work for the cluster.
The large companies pay 15,000 kroner each to take part in the reverse pitch.
"""

VOUCHERS = """\
---
title: Innovation vouchers for SMEs
type: toolbox
category: service
---
# Innovation vouchers for SMEs

A voucher of up to 5 000 euros buys a first project with a research organisation.
Applications are answered within ten working days by the voucher committee.
"""

TRANSCRIPT = """\
1
00:00:00,000 --> 00:00:20,000
Host: Welcome to the webinar about living labs for healthy ageing in the region.

2
00:00:30,000 --> 00:00:50,000
Guest: So how many did we recruit?

3
00:00:50,000 --> 00:01:05,000
Guest: Our living lab recruited 240 older residents as test users in the first year.
"""


def write_golden_set(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    for rel, text in (("toolbox/reverse-pitch.md", TOOLBOX), ("toolbox/vouchers.md", VOUCHERS),
                      ("webinars/living-lab.srt", TRANSCRIPT)):
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpus / rel).write_text(text, encoding="utf-8")
    rows = [
        {"id": "t-1", "question": "How many hours of staff work does one reverse pitch cycle take?",
         "sources": ["toolbox/reverse-pitch.md"], "facts": ["115 hours"], "type": "answerable",
         "split": "tune", "page": None, "timestamp": None, "follow_up_of": None},
        {"id": "t-2", "question": "And how much do the large companies pay to take part?",
         "sources": ["toolbox/reverse-pitch.md"], "facts": ["15,000 kroner"],
         "type": "answerable", "split": "tune", "follow_up_of": "t-1"},
        {"id": "t-3",
         "question": "How many older residents did the living lab recruit as test users?",
         "sources": ["webinars/living-lab.srt"], "facts": ["240"], "timestamp": 40,
         "type": "answerable", "split": "heldout", "follow_up_of": None},
        {"id": "o-1", "question": "Who won the football world cup final in 2018?", "sources": [],
         "facts": [], "type": "out_of_scope", "split": "tune", "follow_up_of": None},
    ]
    gold = tmp_path / "golden"
    gold.mkdir()
    (gold / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n")
    (gold / "b.jsonl").write_text("\n".join(json.dumps(r) for r in rows[2:]) + "\n")
    return corpus, gold



@pytest.fixture
def make_beir(tmp_path):
    return lambda name="tiny": write_beir(tmp_path, name)


@pytest.fixture
def golden_set(tmp_path) -> tuple[Path, Path]:
    """(corpus folder, golden folder)."""
    return write_golden_set(tmp_path)


def question_result(id, split="tune", type="answerable", retrieved=("a",), expected=("a",),
                    score=0.5, abstained=False, facts=None, page=None, ts=None, cites_ok=True,
                    unknown=0.0, sentence=0.6, unmatched=0.0, coverage=0.0) -> QuestionResult:
    return QuestionResult(id=id, split=split, type=type, question=id, query=id,
                          expected=list(expected), retrieved=list(retrieved), top_score=score,
                          unknown_share=unknown, best_sentence=sentence, unmatched=unmatched,
                          coverage=coverage,
                          answer="", abstained=abstained, cited=[], facts_present=facts,
                          page_ok=page, timestamp_ok=ts, citations_ok=cites_ok)


@pytest.fixture
def make_result():
    """A ``QuestionResult`` from a few fields (the rest default to a clean answer)."""
    return question_result
