"""kb.answer.abstain: the rule on hand-made signals, and the signals every ``Answer`` of ``ask``
carries (a tiny corpus, the hash embedder)."""

from __future__ import annotations

import pytest

from ingest.pipeline import run
from kb.answer import abstain
from kb.api import KnowledgeBase
from kb.models import Citation, Hit, Signals
from kb.settings import Settings
from tests.conftest import SUPPLIER_DAY, write

RULES = Settings(abstain_threshold=0.1, abstain_unknown=0.35, abstain_sentence=0.36,
                 abstain_unmatched=0.5)


@pytest.mark.parametrize("sig, why", [
    (Signals(top_score=0.30, unknown_share=0.0, best_sentence=0.60), None),
    (Signals(top_score=0.05, unknown_share=0.0, best_sentence=0.60), "weak best match"),
    (Signals(top_score=0.30, unknown_share=0.35, best_sentence=0.60), "mostly unknown words"),
    (Signals(top_score=0.30, unknown_share=0.0, best_sentence=0.30),
     "no sentence near the question"),
    (Signals(top_score=0.30, unknown_share=0.0, best_sentence=0.60, unmatched=0.5),
     "a name or year the cited sources do not hold"),
])
def test_each_rule_abstains_on_its_own(sig, why):
    assert abstain.reason(sig, RULES) == why


@pytest.mark.parametrize("question, terms", [
    ("Who is the current CEO of Mobile Heights?", ["CEO of Mobile Heights"]),
    ("What annual fee does Clusters of Sweden charge?", ["Clusters of Sweden"]),
    ("What was the no-show rate at Elbe Packaging Cluster's B2B meetings in 2022?",
     ["Elbe Packaging Cluster", "2022"]),  # a possessive ends a name; B2B alone is one word
    ("Who is the coordinator of Östkust H2 Valley?", ["Östkust H2 Valley"]),
    ("In the Clusters of Sweden project, who implemented Business Sweden's Leap?",
     ["Clusters of Sweden", "Business Sweden"]),
    ("What is the project duration of TräFab 2030?", ["TräFab 2030"]),
    ("Mobile Heights: how big is it?", []),  # a sentence's first word is capitalised anyway
    ("Can a Danish food firm spend its grant in Germany or Sweden?", []),  # single words
    ("How do I run a reverse pitch? And what does it cost in 2024?", ["2024"]),
    ("How many hours does it take? About 115, I think.", []),  # a number that is not a year
    ("How Do Others Run A Supplier Day In 2024?", ["2024"]),  # title case: capitals say nothing
    ("WHO RUNS THE MOBILE HEIGHTS CLUSTER?", []),
    ("Who wrote Pippi Longstocking?", ["Pippi Longstocking"]),  # short: not title case
])
def test_exact_terms_are_multi_word_names_and_years(question, terms):
    assert abstain.exact_terms(question) == terms


def hit(source: str, text: str, title: str = "", **meta) -> Hit:
    return Hit(doc_id=source, chunk_id=f"{source}:0", source=source, title=title, kind="toolbox",
               text=text, score=0.3, metadata=meta)


def cites(*sources: str) -> list[Citation]:
    return [Citation(n=n, source=s, title="", kind="toolbox", snippet="", score=0.3)
            for n, s in enumerate(sources, start=1)]


def test_unmatched_reads_the_answers_lead_source():
    hits = [hit("webinar.vtt", "The average membership fee is around 1,200 euros a year."),
            hit("other.md", "Another passage about fees."),
            hit("report.pdf", "Clusters of Sweden exists to give cluster organisations a voice.")]
    question = "What annual membership fee does Clusters of Sweden charge?"
    # the answer leads with another organisation's fee and names Clusters of Sweden only later
    assert abstain.unmatched_share(question, hits, cites("webinar.vtt", "report.pdf")) == 1.0
    # led by the source that holds the name: matched (in any order of the words, any case)
    assert abstain.unmatched_share(question, hits[2:], cites("report.pdf")) == 0.0
    assert abstain.unmatched_share("What fee does sweden of clusters charge?", hits,
                                   cites("webinar.vtt")) == 0.0  # no name: nothing to match
    # a name in the lead source's title or document fields counts; half the terms missing: 0.5
    titled = [hit("r.pdf", "The fee is EUR 400.", title="Skills Compass",
                  coordinator="Mobile Heights AB")]
    assert abstain.unmatched_share("What did Skills Compass cost?", titled, cites("r.pdf")) == 0.0
    assert abstain.unmatched_share("What did Mobile Heights pay in 2026?", titled,
                                   cites("r.pdf")) == 0.5
    assert abstain.unmatched_share(question, hits, []) == 1.0  # nothing cited holds anything


def test_a_year_may_be_held_by_any_cited_source():
    hits = [hit("a.pdf", "Project A ran from 2019 to 2020."),
            hit("b.pdf", "Project B started in 2023 with a grant from the agency.")]
    question = "Which projects did the agency fund in 2023?"
    assert abstain.unmatched_share(question, hits, cites("a.pdf", "b.pdf")) == 0.0
    assert abstain.unmatched_share(question, hits, cites("a.pdf")) == 1.0
    # a name is not: it must be in the lead source
    named = "What did Mobile Heights fund in 2023?"
    hits.append(hit("c.pdf", "Mobile Heights AB coordinated the project."))
    assert abstain.unmatched_share(named, hits, cites("a.pdf", "b.pdf", "c.pdf")) == 0.5


def test_the_abstained_answer_has_no_citations_and_keeps_its_signals():
    sig = Signals(top_score=0.05, unknown_share=0.0, best_sentence=0.2)
    answer = abstain.abstained("Who won the cup?", sig)
    assert answer.abstained and answer.citations == [] and answer.text == abstain.ABSTAIN_TEXT
    assert answer.signals == sig


@pytest.fixture
def tiny_kb(tmp_path, settings, hash_embedder):
    root = tmp_path / "docs"
    write(root / "toolbox" / "supplier-day.md", SUPPLIER_DAY)
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


def test_a_year_the_sources_do_not_hold_is_declined(tiny_kb):
    kb = tiny_kb(abstain_threshold=0.0, abstain_unknown=1.01, abstain_sentence=-1.0,
                 abstain_unmatched=0.5)
    plain = kb.ask("What does a supplier day cost?")
    assert not plain.abstained and plain.signals.unmatched == 0.0
    dated = kb.ask("What does a supplier day cost in 2031?")
    assert dated.abstained and dated.citations == [] and dated.signals.unmatched == 1.0


def test_unknown_words_are_measured_even_when_another_rule_abstains(tiny_kb):
    kb = tiny_kb(abstain_threshold=2.0)  # every question fails the top-score rule
    answer = kb.ask("How many moons does Jupiter have?")
    assert answer.abstained
    assert answer.signals is not None and answer.signals.unknown_share > 0.5
