"""kb.answer.abstain: the rule on hand-made signals, and the signals every ``Answer`` of ``ask``
carries (a tiny corpus, the hash embedder)."""

from __future__ import annotations

import pytest

from ingest.pipeline import run
from kb.answer import abstain, names
from kb.answer.question import shape_of
from kb.api import KnowledgeBase
from kb.models import Citation, Hit, Signals
from kb.settings import Settings
from tests.conftest import SUPPLIER_DAY, write

RULES = Settings(abstain_threshold=0.1, abstain_unknown=0.35, abstain_sentence=0.36,
                 abstain_unmatched=0.5, abstain_coverage=0.75)


@pytest.mark.parametrize("sig, why", [
    (Signals(top_score=0.30, unknown_share=0.0, best_sentence=0.60), None),
    (Signals(top_score=0.05, unknown_share=0.0, best_sentence=0.60), "weak best match"),
    (Signals(top_score=0.30, unknown_share=0.35, best_sentence=0.60), "mostly unknown words"),
    (Signals(top_score=0.30, unknown_share=0.0, best_sentence=0.30),
     "no sentence near the question"),
    (Signals(top_score=0.30, unknown_share=0.0, best_sentence=0.30, coverage=0.74),
     "no sentence near the question"),
    (Signals(top_score=0.30, unknown_share=0.0, best_sentence=0.30, coverage=0.75), None),
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
    assert names.exact_terms(question) == terms


@pytest.mark.parametrize("question, where", [
    ("What is the typical annual salary of a cluster manager in Denmark?", ["Denmark"]),
    ("How many cluster organisations are there in Germany in total?", ["Germany"]),
    ("What are the rules for an intern from outside the EU in Norway?", ["Norway"]),  # EU: acronym
    ("Can a Danish food firm spend its grant in Germany or Sweden?", ["Germany", "Sweden"]),
    ("What does it cost in Sweden, Norway and Denmark?", ["Sweden", "Norway", "Denmark"]),
    ("In Germany, how many clusters are there?", ["Germany"]),  # "In" opens the sentence
    ("How much did clusters in Denmark's south pay?", ["Denmark"]),
    ("What did the Hamburg packaging cluster charge?", []),  # a modifier, not a scope
    ("What did the fee at Mobile Heights cost?", []),  # a longer name: exact_terms's
    ("What was decided in March 2024?", []),  # a month
    ("What is the fee for members in EU projects?", []),  # an acronym
    ("Germany: how many clusters are there?", []),  # a sentence's first word
    ("How Many Clusters Are There In Germany?", []),  # title case: capitals say nothing
    # a method asked for: the toolbox answers it from any country
    ("How do clusters in Finland run matchmaking?", []),
    ("What are good ways to run a supplier day in Finland?", []),
    # a follow-up that does not say what it asks: the question before it decides
    ("And in Denmark?", []),
    ("And what does it cost in Denmark?", ["Denmark"]),
    ("Is there a fee for members from Norway?", ["Norway"]),  # yes or no: a fact
])
def test_places_are_single_names_a_fact_question_is_scoped_to(question, where):
    assert names.places(question, shape_of(question.split("?")[-2] if "?" in question
                                           else question)) == where


@pytest.mark.parametrize("a, b, same", [
    ("Denmark", "danish", True), ("Netherlands", "Dutch", True), ("Norway", "norwegians", True),
    ("Lithuanian", "lithuania", True), ("Germany", "german", True), ("Italy", "italian", True),
    ("Estonia", "estonian", True), ("Sweden", "sweden", True),
    ("Austria", "australia", False), ("Denmark", "norway", False), ("UK", "un", False),
    ("Oslo", "oslofjord", False),
])
def test_same_place_in_any_inflection(a, b, same):
    assert names.same_place(a, b) is same


def hit(source: str, text: str, title: str = "", **meta) -> Hit:
    return Hit(doc_id=source, chunk_id=f"{source}:0", source=source, title=title, kind="toolbox",
               text=text, score=0.3, metadata=meta)


def cites(*sources: str) -> list[Citation]:
    return [Citation(n=n, source=s, title="", kind="toolbox", snippet="", score=0.3)
            for n, s in enumerate(sources, start=1)]


def unmatched(question: str, hits: list[Hit], citations: list[Citation]) -> float:
    last = question.split("?")[0] if "?" in question else question
    return names.unmatched_share(names.exact_terms(question),
                                 names.places(question, shape_of(last)), hits, citations)


def test_unmatched_reads_the_answers_lead_source():
    hits = [hit("webinar.vtt", "The average membership fee is around 1,200 euros a year."),
            hit("other.md", "Another passage about fees."),
            hit("report.pdf", "Clusters of Sweden exists to give cluster organisations a voice.")]
    question = "What annual membership fee does Clusters of Sweden charge?"
    # the answer leads with another organisation's fee and names Clusters of Sweden only later
    assert unmatched(question, hits, cites("webinar.vtt", "report.pdf")) == 1.0
    # led by the source that holds the name: matched (in any order of the words, any case)
    assert unmatched(question, hits[2:], cites("report.pdf")) == 0.0
    assert unmatched("What fee does sweden of clusters charge?", hits,
                                   cites("webinar.vtt")) == 0.0  # no name: nothing to match
    # a name in the lead source's title or document fields counts; half the terms missing: 0.5
    titled = [hit("r.pdf", "The fee is EUR 400.", title="Skills Compass",
                  coordinator="Mobile Heights AB")]
    assert unmatched("What did Skills Compass cost?", titled, cites("r.pdf")) == 0.0
    assert unmatched("What did Mobile Heights pay in 2026?", titled,
                                   cites("r.pdf")) == 0.5
    assert unmatched(question, hits, []) == 1.0  # nothing cited holds anything


def test_a_year_may_be_held_by_any_cited_source():
    hits = [hit("a.pdf", "Project A ran from 2019 to 2020."),
            hit("b.pdf", "Project B started in 2023 with a grant from the agency.")]
    question = "Which projects did the agency fund in 2023?"
    assert unmatched(question, hits, cites("a.pdf", "b.pdf")) == 0.0
    assert unmatched(question, hits, cites("a.pdf")) == 1.0
    # a name is not: it must be in the lead source
    named = "What did Mobile Heights fund in 2023?"
    hits.append(hit("c.pdf", "Mobile Heights AB coordinated the project."))
    assert unmatched(named, hits, cites("a.pdf", "b.pdf", "c.pdf")) == 0.5


def test_a_place_must_be_held_by_the_lead_source_in_any_inflection():
    hits = [hit("limfjord.srt", "Danish food firms get vouchers of up to 5,000 euros."),
            hit("survey.md", "The survey costs EUR 900.", contributed_by="Trondelag (Norway)"),
            hit("report.pdf", "Clusters in Sweden, Denmark and Poland took part.")]
    question = "How much is an innovation voucher for a food firm in Denmark?"
    assert names.places(question) == ["Denmark"]
    assert unmatched(question, hits, cites("limfjord.srt")) == 0.0  # "Danish"
    # led by a source that does not hold it: missing, even when a later citation names it
    assert unmatched(question, hits, cites("survey.md", "report.pdf")) == 1.0
    # a document field holds a place ("contributed_by: ... (Norway)")
    assert unmatched("What does the survey cost in Norway?", hits,
                                   cites("survey.md")) == 0.0
    # names and places count together: one of two missing
    assert unmatched("What did Mobile Heights pay in Denmark?", hits,
                                   cites("limfjord.srt")) == 0.5
    # a method question names no place
    assert unmatched("How do food firms in Germany use vouchers?", hits,
                                   cites("limfjord.srt")) == 0.0


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
    answer = kb.ask("Who wrote Pippi Longstocking?")
    assert answer.abstained
    assert answer.signals is not None and answer.signals.unknown_share > 0.5


GERMAN_SUPPLIER_DAY = """
    ---
    title: Supplier day
    category: event
    contributed_by: Rhein-Ruhr Rail Supply Cluster (Germany)
    ---
    # Supplier day
    ## Purpose
    A large buyer meets sixty potential suppliers in one day of short meetings.
    ## Resources
    The supplier day costs EUR 21 560 gross and EUR 4 830 net after fees.
    """


@pytest.fixture
def german_kb(tmp_path, settings, hash_embedder):
    root = tmp_path / "docs"
    write(root / "toolbox" / "supplier-day.md", GERMAN_SUPPLIER_DAY)
    run([root], settings, embedder=hash_embedder)
    return KnowledgeBase(settings.with_(abstain_threshold=0.0, abstain_unknown=1.01,
                                       abstain_sentence=-1.0, abstain_unmatched=0.5),
                         embedder=hash_embedder)


def test_a_fact_asked_about_a_place_the_sources_do_not_hold_is_declined(german_kb):
    held = german_kb.ask("What does a supplier day cost in Germany?")
    assert not held.abstained and held.citations and held.signals.unmatched == 0.0
    other = german_kb.ask("What does a supplier day cost in Denmark?")
    assert other.abstained and other.citations == [] and other.signals.unmatched == 1.0


def test_a_method_asked_about_a_place_the_sources_do_not_hold_is_answered(german_kb):
    answer = german_kb.ask("How do clusters in Denmark run a supplier day?")
    assert not answer.abstained and answer.citations and answer.signals.unmatched == 0.0


def test_a_follow_up_naming_only_a_place_is_judged_by_its_parent(german_kb):
    first = german_kb.ask("How do clusters run a supplier day?")
    assert not first.abstained
    follow = german_kb.ask("And in Denmark?", history=[("How do clusters run a supplier day?",
                                                         first.text)])
    assert not follow.abstained and follow.citations and follow.signals.unmatched == 0.0
    # a follow-up that asks for a fact itself is judged on its own
    fact = german_kb.ask("And what does it cost in Denmark?",
                         history=[("How do clusters run a supplier day?", first.text)])
    assert fact.abstained and fact.signals.unmatched == 1.0
