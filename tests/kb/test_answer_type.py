"""kb.answer.answer_type: the type of answer a question's wording asks for (general English
question words), and whether a sentence holds one."""

from __future__ import annotations

import pytest

from kb.answer.answer_type import answer_type, focus


@pytest.mark.parametrize("question, kind, matching, other", [
    ("How much does a company pay per test cycle?", "money",
     "The fee is EUR 2,500 per test cycle.", "Companies test products with older people."),
    ("How soon should I phone a new member?", "duration",
     "The owner calls within two working days.", "The owner calls every new member."),
    ("How often is the log reviewed?", "frequency",
     "The manager reviews it twice a year.", "The manager reviews it with the board."),
    ("Who coordinated the project?", "name",
     "The project was led by Stiftelsen IMIT in Stockholm.", "the project was led well."),
    ("By how much did the share of leavers fall?", "percent",
     "It fell from 22 percent to 9 percent.", "It fell a lot."),
])
def test_answer_type_of_question_and_sentence(question, kind, matching, other):
    wanted = answer_type(question)
    assert kind in wanted.kinds
    assert wanted.match(matching) > wanted.match(other) == 0.0


def test_focus_is_the_last_question_of_a_follow_up():
    query = "How big is the voucher budget? And how fast do applicants get a decision?"
    assert focus(query) == "And how fast do applicants get a decision?"
    assert answer_type(query).kinds == {"duration"}
    assert answer_type("What is a reverse pitch?").kinds == frozenset()


def test_a_number_before_the_counted_thing_answers_by_itself():
    wanted = answer_type("How many hours of advice do members get for free?")
    assert wanted.head == "hour"
    assert wanted.match("Every member has **8 free advisory hours per year**.") == 1.0
    assert wanted.match("Advice is given by the adviser.") == 0.0


def test_a_field_value_after_its_label_is_a_name():
    wanted = answer_type("Who is the coordinator of the project?")
    assert wanted.match("Coordinator: Energikluster Östkust ekonomisk förening") > 0


def test_how_much_stuff_asks_for_a_quantity_with_its_unit():
    wanted = answer_type("How much electricity have the companies saved per year altogether?")
    assert wanted.kinds == {"quantity"}
    assert wanted.match("The 41 companies report combined savings of 5.8 GWh a year.") == 1.0
    assert wanted.match("Volume: 412 tonnes of textiles passed through the line.") == 1.0
    assert wanted.match("In total 41 companies were audited in the first year.") == 0.0
    # money and time keep their own types
    assert answer_type("How much does a test cycle cost?").kinds == {"money"}
    assert answer_type("How much time does each start-up get?").kinds == {"duration"}
    assert answer_type("How many companies took part?").kinds == {"number"}


@pytest.mark.parametrize("question, kinds", [
    # a participle describes the named things; it does not ask for an amount
    ("Which funded projects worked on hydrogen or battery value chains?", {"name"}),
    ("Which of the two EU-funded projects trained welders?", {"name"}),
    ("Who paid for the hall?", {"name"}),
    ("Which partners paid the highest fee?", {"name", "money"}),
    ("How can I find out which member companies we have not called for a while?", set()),
    ("How much funding did the project get?", {"money"}),
    # pay by another name
    ("What does a junior project manager earn?", {"money"}),
    ("What salary can a cluster manager expect?", {"money"}),
    ("What are the voucher amounts in the scheme?", {"number"}),
])
def test_answer_kinds_of_questions(question, kinds):
    assert answer_type(question).kinds == kinds
