"""kb.answer.abstain: the rule on hand-made signals, and the signals every ``Answer`` of ``ask``
carries (a tiny corpus, the hash embedder)."""

from __future__ import annotations

import pytest

from ingest.pipeline import run
from kb.answer import abstain
from kb.api import KnowledgeBase
from kb.models import Signals
from kb.settings import Settings
from tests.conftest import write

RULES = Settings(abstain_threshold=0.1, abstain_unknown=0.35, abstain_sentence=0.36)


@pytest.mark.parametrize("sig, why", [
    (Signals(top_score=0.30, unknown_share=0.0, best_sentence=0.60), None),
    (Signals(top_score=0.05, unknown_share=0.0, best_sentence=0.60), "weak best match"),
    (Signals(top_score=0.30, unknown_share=0.35, best_sentence=0.60), "mostly unknown words"),
    (Signals(top_score=0.30, unknown_share=0.0, best_sentence=0.30),
     "no sentence near the question"),
])
def test_each_rule_abstains_on_its_own(sig, why):
    assert abstain.reason(sig, RULES) == why


def test_the_abstained_answer_has_no_citations_and_keeps_its_signals():
    sig = Signals(top_score=0.05, unknown_share=0.0, best_sentence=0.2)
    answer = abstain.abstained("Who won the cup?", sig)
    assert answer.abstained and answer.citations == [] and answer.text == abstain.ABSTAIN_TEXT
    assert answer.signals == sig


@pytest.fixture
def tiny_kb(tmp_path, settings, hash_embedder):
    root = tmp_path / "docs"
    write(root / "toolbox" / "supplier-day.md", """
        ---
        title: Supplier day
        category: event
        ---
        # Supplier day
        ## Purpose
        A large buyer meets sixty potential suppliers in one day of short meetings.
        ## Resources
        The supplier day costs EUR 21 560 gross and EUR 4 830 net after fees.
        """)
    run([root], settings, embedder=hash_embedder)
    return lambda **rules: KnowledgeBase(settings.with_(**rules), embedder=hash_embedder)


def test_ask_reports_the_signals_it_decided_on(tiny_kb):
    kb = tiny_kb(abstain_threshold=0.0, abstain_unknown=1.01, abstain_sentence=-1.0)
    answer = kb.ask("What does a supplier day cost?")
    assert not answer.abstained and answer.citations
    sig = answer.signals
    assert sig is not None and sig.top_score > 0 and sig.unknown_share == 0.0
    assert -1.0 <= sig.best_sentence <= 1.0
    # the same question under a threshold just above its own top score: declined, same signals
    strict = tiny_kb(abstain_threshold=sig.top_score + 1e-3, abstain_unknown=1.01,
                     abstain_sentence=-1.0)
    declined = strict.ask("What does a supplier day cost?")
    assert declined.abstained and declined.citations == [] and declined.signals == sig


def test_unknown_words_are_measured_even_when_another_rule_abstains(tiny_kb):
    kb = tiny_kb(abstain_threshold=2.0)  # every question fails the top-score rule
    answer = kb.ask("How many moons does Jupiter have?")
    assert answer.abstained
    assert answer.signals is not None and answer.signals.unknown_share > 0.5
