"""A tiny corpus and a tiny eval-data folder (EU topics, SciFact) for the bench tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write

TOPIC = ("Objective:Clusters connect small firms with research.Scope:Proposals should build "
         "joint test beds for manufacturing companies in two regions. They should open the "
         "test beds to start-ups at a reduced price. The consortium must include at least three "
         "cluster organisations from different member states. Expected Outcome:More firms use the "
         "test beds, and at least twenty pilots run in the first year of the project.")
ABSTRACTS = [
    "Vitamin D supplements increase bone mineral density in older women. The trial followed 400 "
    "women for two years in three clinics. Fractures were fewer in the treated group than in the "
    "placebo group, although the difference was small.",
    "Sleep deprivation impairs the consolidation of declarative memory in young adults. "
    "Participants who slept after learning recalled more word pairs the next morning. The effect "
    "was strongest for weakly encoded items.",
]


@pytest.fixture
def eval_data(tmp_path: Path) -> Path:
    data = tmp_path / "eval-data"
    (data / "eu-call-topics").mkdir(parents=True)
    (data / "scifact").mkdir()
    rows = [{"reference": f"T{i}", "title": f"Test beds {i}", "description": TOPIC,
             "objectives": ""} for i in range(2)]
    (data / "eu-call-topics" / "eu_ft_call_topics_open.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n")
    (data / "scifact" / "corpus.jsonl").write_text("\n".join(
        json.dumps({"_id": str(i), "title": f"Paper {i}", "text": t})
        for i, t in enumerate(ABSTRACTS)) + "\n")
    return data


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    write(root / "toolbox" / "reverse-pitch.md", """
        ---
        title: Reverse pitch
        category: event
        ---
        # Reverse pitch

        A large company presents three to five challenges to small firms, which answer with
        ideas. The best ideas get a paid trial. Plan the event six weeks ahead and brief the
        challenge owners on what a small firm can deliver.
        """)
    return root
