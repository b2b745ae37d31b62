"""Abstention does not depend on how big the store is: a store of ten short documents answers
questions in ordinary words it never uses, and still declines questions about something else
(the real model: slow)."""

from __future__ import annotations

import pytest

from ingest.pipeline import run
from kb.api import KnowledgeBase
from kb.settings import Settings
from tests.conftest import write

DOCS = {
    "governance": "# Governance\nThe cluster board has seven seats: four for member companies, "
                  "two for universities and one for the region. Board members serve two years.",
    "vouchers": "# Innovation vouchers\nAn innovation voucher gives a member SME up to EUR 5 000 "
                "for tests at a university lab. Applications are decided within ten days.",
    "conference": "# Annual conference\nThe annual conference gathers about 300 members in "
                  "Malmö every October, with talks, a fair and matchmaking meetings.",
    "membership": "# Membership\nCompanies pay a yearly fee by size: EUR 500 for firms under 50 "
                  "employees and EUR 2 000 for larger firms.",
    "staff": "# Secretariat\nThe secretariat employs six people, from a director and three project "
             "managers to a communications officer and an administrator.",
    "strategy": "# Strategy\nThe cluster strategy for 2024-2027 focuses on digital health, "
                "green materials and skills for industry.",
    "projects": "# Projects\nThe cluster runs EU projects on circular plastics and on "
                "hospital logistics, each with partners in three countries.",
    "newsletter": "# Newsletter\nA monthly newsletter reaches 1 800 readers with calls for "
                  "proposals, events and member news.",
    "training": "# Training\nMembers can join short courses on project management and EU "
                "funding, held online twice a term.",
    "mentoring": "# Mentoring\nStart-ups are matched with an experienced mentor from a member "
                 "company for six months of monthly meetings.",
    "action": "# Unfolding of the action\nFigure 3 gives a global overview of the action "
              "unfolding by articulating the deployment of the STAR methodology.",
}


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory, real_embedder):
    root = tmp_path_factory.mktemp("small-docs")
    for name, text in DOCS.items():
        write(root / f"{name}.md", text)
    settings = Settings(store=tmp_path_factory.mktemp("small-store"))
    assert not run([root], settings, embedder=real_embedder).failed
    return KnowledgeBase(settings, embedder=real_embedder)


@pytest.mark.slow
@pytest.mark.parametrize("question, expected", [
    ("How is the cluster board composed?", "seven seats"),
    ("How much is a cluster innovation voucher worth?", "EUR 5 000"),
    ("How many people work at the secretariat?", "six people"),
])
def test_a_small_store_answers_ordinary_words_it_never_uses(small_kb, question, expected):
    answer = small_kb.ask(question)
    assert not answer.abstained, answer.signals
    assert expected in answer.text


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "Who wrote Pippi Longstocking?",
    "How do I bake Swedish cinnamon buns?",
    "How do I reverse a linked list in Python?",
])
def test_a_small_store_still_declines_what_it_does_not_hold(small_kb, question):
    answer = small_kb.ask(question)
    assert answer.abstained, (answer.signals, answer.text)


@pytest.mark.slow
def test_a_short_question_far_from_every_sentence_is_answered_when_its_passages_hold_it(small_kb):
    """"What does Figure 3 give?" embeds far from every sentence (the short questions of real
    reports do); its passage holds its words, so the sentence rule lets it through, and without
    that coverage the same rule declines it."""
    question = "What does Figure 3 give?"
    sig = small_kb.ask(question).signals
    assert sig.coverage >= 0.75, sig
    strict = KnowledgeBase(small_kb.settings.with_(abstain_sentence=sig.best_sentence + 0.05),
                           embedder=small_kb.embedder)
    answer = strict.ask(question)
    assert not answer.abstained and "global overview" in answer.text, answer.signals
    uncovered = KnowledgeBase(strict.settings.with_(abstain_coverage=1.01),
                              embedder=small_kb.embedder)
    assert uncovered.ask(question).abstained
