"""kb.answer.question and kb.answer.vocabulary: a question analysed once (shape, focus, filters,
speakers, how known its words are)."""

from __future__ import annotations

import pytest

from kb.answer import vocabulary
from kb.answer.question import analyse, focus_of, shape_of
from kb.lexical import SearchIndex
from kb.models import Filters


@pytest.mark.parametrize("question, shape", [
    ("How much does a reverse pitch cost?", "fact"),
    ("How many companies sent in ideas?", "fact"),
    ("When is the deadline?", "fact"),
    ("Who coordinated the project?", "fact"),
    ("What does the supplier day cost?", "fact"),
    ("How do other clusters run a reverse pitch?", "procedure"),
    ("How do I organise a supplier day?", "procedure"),
    ("What are the steps of a reverse pitch?", "procedure"),
    ("How do I run a reverse pitch and what does it cost?", "procedure"),
    # the other ways people ask how a thing is done
    ("What steps are involved in setting up a living lab?", "procedure"),
    ("What is the best way to run a reverse pitch?", "procedure"),
    ("How would I go about setting up a mentoring programme?", "procedure"),
    ("Guide me through organising a study tour.", "procedure"),
    ("What does it take to run an innovation voucher scheme?", "procedure"),
    ("How is a study tour organised?", "procedure"),
    ("What should we do after a matchmaking event?", "procedure"),
    ("What do I need to prepare for a supplier day?", "procedure"),
    ("How is the export check structured: how many questions?", "fact"),
    ("What do we do about members who give a low score?", "fact"),  # not the steps
    ("Which projects worked on circular textiles?", "list"),
    ("Examples of matchmaking events?", "list"),
    ("Which webinars covered innovation vouchers?", "list"),
    ("Summarize the webinar on onboarding.", "discussion"),
    ("What was decided about the budget?", "discussion"),
    ("Why do members leave after a year?", "passage"),
    ("How is the cluster board composed?", "passage"),
    # Swedish wording
    ("Hur ordnar man en placering med en forskare?", "procedure"),
    ("Vilka är stegen för att starta ett nätverk?", "procedure"),
    ("Hur går man tillväga för att ordna en studieresa?", "procedure"),
    ("Vilka projekt har arbetat med vätgas?", "list"),
    ("Hur mycket betalar medlemsföretaget?", "fact"),
    ("Vem äger resultatet?", "fact"),
    ("Varför slutar medlemmar efter ett år?", "passage"),
])
def test_shape_from_the_wording(question, shape):
    assert shape_of(question) == shape


def test_a_discussion_is_answered_as_a_passage_for_now():
    q = analyse("Summarize what was decided about the budget.")
    assert q.shape == "discussion" and q.answer_shape == "passage"


def test_the_focus_is_the_follow_ups_own_words():
    assert focus_of("How big is the budget? And how fast is a decision?") == \
        "And how fast is a decision?"
    q = analyse("And what does it cost?", "How do I run a supplier day? And what does it cost?")
    assert q.focus == "And what does it cost?" and q.shape == "fact"
    assert "cost" in q.focus_terms and "supplier" in q.terms


RECORDS = {
    "r1": {"kind": "report", "source": "reports/a.pdf", "coordinator": "Mobile Heights AB",
           "start_year": 2022, "end_year": 2023},
    "r2": {"kind": "report", "source": "reports/b.pdf", "coordinator": "Textilslingan (Borås)"},
    "t1": {"kind": "toolbox", "source": "toolbox/c.md", "category": "event",
           "contributed_by": "Baltic Smart Manufacturing Cluster (Lithuania)"},
    "w1": {"kind": "transcript", "source": "webinars/d.vtt", "presenter": "Ingrid Haugland",
           "speakers": ["Helena Strand", "Ingrid Haugland"]},
    "w2": {"kind": "transcript", "source": "webinars/e.srt", "presenter": "Jana Meinert",
           "speakers": ["Helena Strand", "Jana Meinert"]},
}


def test_a_list_states_the_filters_the_store_holds():
    q = analyse("Which projects did Mobile Heights coordinate?", records=RECORDS)
    assert q.shape == "list"
    assert q.filters == Filters(kind="report", organisation="Mobile Heights")
    assert q.filter_labels == ("kind: report", "organisation: Mobile Heights")
    since = analyse("Which projects since 2021 worked on batteries?", records=RECORDS)
    assert since.filters == Filters(kind="report", year_from=2021)
    events = analyse("Which events for SMEs are there?", records=RECORDS)
    assert events.filters == Filters(category="event")
    # several kinds joined: all of them; a kind and a category: neither
    both = analyse("Which projects or methods are about timber?", records=RECORDS)
    assert both.filters == Filters(kind=["report", "toolbox"])
    assert both.filter_labels == ("kind: report or toolbox",)
    assert analyse("Which projects, methods and webinars cover AI?", records=RECORDS
                   ).filters == Filters(kind=["report", "toolbox", "transcript"])
    assert analyse("Which projects and events involve SMEs?", records=RECORDS).filters is None
    # a kind the store does not hold, and a name that is no organisation of it: no filter
    assert analyse("Which webinars did Nokia coordinate?", records={"r1": RECORDS["r1"]}
                   ).filters is None


def test_other_shapes_state_no_filters():
    q = analyse("How much did Mobile Heights get for the project?", records=RECORDS)
    assert q.filters is None and q.exact == ("Mobile Heights",)


def test_the_kinds_of_document_a_question_names():
    assert analyse("Who presented the webinar on vouchers?").kinds == ("transcript",)
    assert analyse("Which projects or methods are about timber?").kinds == ("report", "toolbox")
    assert analyse("Who hosted it?").kinds == ()


def test_speakers_by_full_name_or_a_surname_only_one_has():
    q = analyse("What did Ingrid Haugland say about harvesting ideas?", records=RECORDS)
    assert q.speakers == ("Ingrid Haugland",)
    assert q.filters == Filters(sources=["webinars/d.vtt"])
    assert analyse("What did Meinert say about no-shows?", records=RECORDS).speakers == \
        ("Jana Meinert",)
    # one person speaks in both: her full name or her surname names her
    both = analyse("What did Helena Strand ask?", records=RECORDS)
    assert both.filters == Filters(sources=["webinars/d.vtt", "webinars/e.srt"])
    assert analyse("What did Strand ask?", records=RECORDS).speakers == ("Helena Strand",)
    assert analyse("How do clusters run matchmaking?", records=RECORDS).speakers == ()


def test_a_speaker_question_is_judged_on_what_it_asks_about():
    """Its words leave out the speaker's name and the verbs of speech; "Who is X?" asks about
    X (what others say of her), not for X's own words."""
    q = analyse("What did Ingrid Haugland say about harvesting ideas?", records=RECORDS)
    assert q.words.split() == ["What", "about", "harvesting", "ideas?"]
    who = analyse("Who is Ingrid Haugland?", records=RECORDS)
    assert who.speakers == () and who.filters is None and "Haugland" not in who.words


def _lexicon(texts: list[str]) -> SearchIndex:
    ids = [f"d{i}:0" for i in range(len(texts))]
    return SearchIndex.build(ids, texts, [i.split(":")[0] for i in ids], "test")


SMALL = _lexicon(["The cluster board has seven seats, four of them for member companies.",
                  "An innovation voucher gives an SME up to EUR 5 000 for tests at a lab.",
                  "The annual conference brings 300 members together in Malmö."])


@pytest.mark.parametrize("question", [
    "How is the cluster board composed?",  # "composed": ordinary English the store never uses
    "How much is a cluster innovation voucher worth?",
])
def test_ordinary_words_a_small_store_never_uses_are_not_unknown(question):
    assert vocabulary.unknown_share(question, SMALL) == 0.0


def test_rare_words_and_names_the_store_never_uses_are_unknown():
    assert vocabulary.unknown_share("Who wrote Pippi Longstocking?", SMALL) > 0.5
    assert vocabulary.unknown_share("How many moons does Jupiter have?", SMALL) > 0.0
    assert vocabulary.ordinary("composed") and not vocabulary.ordinary("longstocking")


def test_the_pronoun_i_and_a_named_speaker_are_not_unknown():
    assert vocabulary.unknown_share("How do I get an innovation voucher?", SMALL) == 0.0
    # a plural whose singular is an ordinary word ("webinars": "webinar") is ordinary too
    assert vocabulary.unknown_share("Which webinars did the board host?", SMALL) == 0.0
    q = analyse("What did Helena Strand say about the board?", records=RECORDS, lexical=SMALL)
    assert q.speakers == ("Helena Strand",) and q.unknown_share == 0.0


def test_a_short_sentence_of_the_most_common_words_says_nothing():
    from kb.answer.vocabulary import says_something

    assert not says_something("That's what I wanted to share.")
    assert not says_something("I call this meeting to order.")
    assert says_something("Now the pitfalls, and there are a few.")  # "pitfalls" is rarer
    assert says_something("We did it in two days.") and says_something("It was held in May.")
    assert says_something("Every company is asked to present its experience at one member "
                          "event, so that others can learn from it.")  # long: it may say a lot
    assert not says_something("Det var det jag ville säga.", "sv")
    assert says_something("Det var det jag ville säga.", "en")


def test_coverage_weighs_a_questions_words_by_how_rare_they_are():
    passage = ["Each host may use two warm-up exercises: geometric puzzles (3 circles to draw, "
               "a square to divide) and matches to move."]
    # "circles" and "draw" are held; only the common "many" is not, and it weighs little
    assert 0.75 <= vocabulary.coverage("How many circles to draw?", passage) < 1.0
    # a store about Swedish clusters holds "Swedish"; the rarer "cinnamon buns" weigh more
    swedish = ["Swedish cluster organisations bake their member services into one offer."]
    assert vocabulary.coverage("How do I bake Swedish cinnamon buns?", swedish) < 0.5
    # the same words in another inflection are held ("circle")
    assert vocabulary.coverage("Which circles to draw?", ["Draw one circle."]) == 1.0
    assert vocabulary.coverage("What is it?", passage) == 1.0  # no content words


def test_a_swedish_question_is_covered_by_swedish_passages():
    texts = ["Medlemsföretaget betalar 90 000 kronor för en placering med en forskare.",
             "The cluster board has seven seats."]
    swedish = SearchIndex.build(["s:0", "e:0"], texts, ["s", "e"], "test", languages=["sv", None])
    q = analyse("Vad betalar medlemsföretaget för en placering?", lexical=swedish)
    assert q.language == "sv"
    assert vocabulary.coverage(q.words, ["Medlemsföretaget betalar 90 000 kronor för en "
                                         "placering."], q.language) == 1.0
