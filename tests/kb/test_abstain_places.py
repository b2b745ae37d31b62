"""Abstention on a place a question is scoped to, on the starter corpus with the real model in a
real Chroma store: a fact asked about a country the answer's lead source does not name is
declined; a method asked about any country, or a fact about one the source names in any
inflection, is answered. (Not golden questions: paraphrases a cluster manager might ask.)"""

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("question", [
    "What does a cluster manager earn in Germany?",
    "How many cluster organisations are there in Norway in total?",
    "What is the membership fee for a cluster in Poland?",
    "What are the rules for employing an intern from outside the EU in Finland?",
])
def test_a_fact_about_a_place_the_lead_source_does_not_name_is_declined(corpus_kb, question):
    answer = corpus_kb.ask(question)
    assert answer.abstained and answer.citations == [], answer.text
    assert answer.signals is not None and answer.signals.unmatched == 1.0


@pytest.mark.parametrize("question", [
    # a method: the toolbox's entries from other countries answer it
    "How do clusters in Finland run matchmaking?",
    # the source says "Danish", "Norwegian": the same place in another inflection
    "How much does a food company in Denmark get from an innovation voucher?",
    "What is the staff time for a reverse pitch in Norway?",
    "What did the study tour to Austria cost per participant?",
])
def test_a_place_the_sources_name_or_a_method_is_answered(corpus_kb, question):
    answer = corpus_kb.ask(question)
    assert not answer.abstained and answer.citations, answer.signals
    assert answer.signals is not None and answer.signals.unmatched == 0.0
