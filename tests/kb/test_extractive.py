"""The extractive answerer: how passages are split into sentences, what answer a question asks
for, and which sentences an answer is made of (with the hashed test embedder)."""

from __future__ import annotations

import numpy as np
import pytest

from kb import sentences
from kb.answer import extractive
from kb.answer.answer_type import answer_type, focus
from kb.answer.citations import MARKER
from kb.lexical import LexicalIndex
from kb.models import Hit
from kb.sentences import split_sentences
from kb.testing import HashEmbedder


def _hit(text: str, rank: int = 0, source: str = "toolbox/a.md", **kw) -> Hit:
    return Hit(doc_id=source, chunk_id=f"{source}#{rank}", source=source, title="A tool",
               kind="toolbox", text=text, score=1.0 - rank / 10, **kw)


def _answer(question: str, hits: list[Hit], max_sentences: int = 2):
    lexical = LexicalIndex.build([h.chunk_id for h in hits], [h.text for h in hits],
                                 [h.doc_id for h in hits], "test")
    embedder = HashEmbedder()
    return extractive.answer(question, embedder.embed_query(question), hits, lexical, embedder,
                             max_sentences)


# -- splitting ------------------------------------------------------------------------------------
def test_split_keeps_field_lines_with_their_label():
    text = ("Reference number: 2019-01367\nCoordinator: Stiftelsen IMIT\nFunding: SEK 699 908\n"
            "**Project duration:** March 2019 - November 2019\nStiftelsen IMIT - coordinator\n"
            "Total: EUR 26 000. Each challenge owner pays EUR 6 000.\n")
    sentences = [s for _, s in split_sentences(text)]
    assert "Total: EUR 26 000." in sentences
    assert "Funding: SEK 699 908" in sentences
    assert "Coordinator: Stiftelsen IMIT" in sentences
    assert "**Project duration:** March 2019 - November 2019" in sentences
    assert "Stiftelsen IMIT - coordinator" in sentences


def test_split_drops_headings_and_strips_speakers_and_bullets():
    text = ("Results and lessons\n## Purpose\n"
            "Riikka: Indirectly, yes, because we were invited into a consortium.\n"
            "- The onboarding owner calls within two working days.\n")
    sentences = [s for _, s in split_sentences(text)]
    assert sentences == ["Indirectly, yes, because we were invited into a consortium.",
                         "The onboarding owner calls within two working days."]


def test_split_offsets_point_at_verbatim_text():
    text = "Intro line that is long enough. Funding: EUR 2 480 000\n- A bullet item with words.\n"
    for offset, sentence in split_sentences(text):
        assert text[offset:offset + len(sentence)] == sentence


# -- answer types ---------------------------------------------------------------------------------
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


def test_how_many_prefers_a_number_before_the_counted_thing():
    wanted = answer_type("How many companies implemented the offer?")
    assert wanted.head == "compani"
    assert wanted.match("5 companies put it into practice.") > wanted.match(
        "It took 3 months for the companies.")


def test_focus_is_the_last_question_of_a_follow_up():
    query = "How big is the voucher budget? And how fast do applicants get a decision?"
    assert focus(query) == "And how fast do applicants get a decision?"
    assert answer_type(query).kinds == {"duration"}
    assert answer_type("What is a reverse pitch?").kinds == frozenset()


# -- choosing sentences ---------------------------------------------------------------------------
def test_answer_picks_the_sentence_with_the_asked_for_amount():
    hits = [_hit("A living lab lets companies test products with older people at home. "
                 "Testers are recruited through pensioners' associations and care services. "
                 "The lab is run by the cluster together with the municipality."),
            _hit("Companies pay EUR 2,500 per test cycle to the living lab.", rank=1)]
    text, cites, best = _answer("How much does a company pay for a test cycle in the living lab?",
                                hits)
    assert "EUR 2,500 per test cycle" in text
    assert 0.0 < best <= 1.0


def test_every_sentence_is_cited_and_verbatim():
    hits = [_hit("Funding: SEK 699 908\nCoordinator: Stiftelsen IMIT\n"
                 "The project compared how nine large firms work with small firms.",
                 source="reports/p.html"),
            _hit("The pilot ran for six months. Scrap fell by 31 percent at the customer.",
                 rank=1, source="reports/q.pdf", page=2)]
    text, cites, _ = _answer("Who coordinated the project and how much funding did it get?", hits,
                             max_sentences=4)
    parts = MARKER.split(text)
    by_n = {c.n: c for c in cites}
    assert len(parts[1::2]) >= 2
    for sentence, n in zip(parts[0::2], parts[1::2], strict=False):
        cite = by_n[int(n)]
        assert sentence.strip() in next(h.text for h in hits if h.chunk_id == cite.chunk_id) \
            or cite.page is None
    assert "SEK 699 908" in text


def test_two_pages_of_one_report_get_two_citations():
    hits = [_hit("In total 412 tonnes of clothing were sorted in the trial.", source="r.pdf",
                 page=3),
            _hit("The trial sorted 412 tonnes by fibre type with a scanner.", rank=1,
                 source="r.pdf", page=4)]
    text, cites, _ = _answer("How many tonnes of clothing did the trial sort?", hits)
    pages = sorted(c.page for c in cites)
    assert pages == [3, 4] and {c.source for c in cites} == {"r.pdf"}
    assert MARKER.findall(text) == ["1", "2"]


def test_no_sentences_no_answer():
    assert _answer("Anything?", [_hit("Short heading")]) == ("", [], 0.0)


def test_the_opening_of_a_document_gives_way_to_its_specifics():
    purpose = _hit("The matchmaking meetings lead to new contracts between companies.",
                   section="Purpose")
    follow_up = _hit("The matchmaking meetings lead to new projects between companies.",
                     rank=1, section="Follow-up")
    text, _, _ = _answer("What did the matchmaking meetings lead to?", [purpose, follow_up],
                         max_sentences=1)
    assert "new projects" in text


def test_a_follow_up_is_answered_by_its_own_question():
    hits = [_hit("The voucher budget is EUR 60 000 a year for the food cluster."),
            _hit("Applicants get a decision from the panel within 15 working days.", rank=1)]
    text, _, _ = _answer("How big is the voucher budget? And how fast do applicants get a "
                         "decision?", hits, max_sentences=1)
    assert "15 working days" in text


def test_a_number_before_the_counted_thing_answers_by_itself():
    wanted = answer_type("How many hours of advice do members get for free?")
    assert wanted.match("Every member has **8 free advisory hours per year**.") == 2.0
    assert wanted.match("Advice is given by the adviser.") == 0.0


def test_a_field_value_after_its_label_is_a_name():
    wanted = answer_type("Who is the coordinator of the project?")
    assert wanted.match("Coordinator: Energikluster Östkust ekonomisk förening") > 0


def test_which_project_prefers_the_sentence_naming_its_own_document():
    named = Hit(doc_id="r", chunk_id="r#0", source="reports/r.pdf", kind="report", score=1.0,
                title="NordBatt Link: a Nordic cluster collaboration",
                text="NordBatt Link worked on the battery value chain with small firms.")
    other = _hit("The cluster worked on the battery value chain with small firms.")
    text, _, _ = _answer("Which projects worked on the battery value chain?", [other, named],
                         max_sentences=1)
    assert text.startswith("NordBatt Link worked")


def test_emphasis_inside_a_sentence_counts_but_a_bold_label_does_not():
    def emphasis(text: str) -> float:
        (s,) = extractive._candidates(text, [_hit(text)], _lexicon(text), text)
        return s.features["emphasis"]

    assert emphasis("The host picks **three to five challenges** for the day.") == 1.0
    assert emphasis("Measures are grouped as *no cost* and strategic ones.") == 1.0
    assert emphasis("**Coaches:** a pool of five experienced coaches.") == 0.0
    assert emphasis("The grid is 2*3 cells and 4*5 cells wide.") == 0.0


def test_the_emphasised_figure_wins_over_an_equal_plain_one():
    plain = _hit("On the pitch day the large company brings four challenges.")
    bold = _hit("On the pitch day the large company brings **five challenges**.",
                source="toolbox/b.md")
    for hits in ([plain, bold], [bold, plain]):
        text, _, _ = _answer("How many challenges does the large company bring?", hits,
                             max_sentences=1)
        assert "**five challenges**" in text


def _lexicon(text: str) -> LexicalIndex:
    return LexicalIndex.build(["c"], [text], ["d"], "test")


def test_the_lead_in_is_the_text_before_on_the_line_or_the_line_before():
    text = "Step 1 - readiness scan (free of charge)\n\nA visit at the company. It takes hours.\n"
    first = text.index("A visit")
    second = text.index("It takes")
    assert extractive._lead_in(text, first) == "Step 1 - readiness scan (free of charge)"
    assert extractive._lead_in(text, second) == "A visit at the company. "
    assert extractive._lead_in(text, 0) == ""


def test_a_sentence_led_into_by_the_question_situation_is_preferred():
    situation = ("**Delegation.** When a chief executive sends a junior colleague to coaching, "
                 "the programme fails.")
    hits = [_hit(f"{situation}\nThe contract makes attendance a condition of the programme.\n"
                 "A different rule makes attendance a condition of the programme."),
            _hit("Coaching sessions run monthly for every participating company.", rank=1)]
    question = "What if the chief executive keeps sending a junior colleague to coaching?"
    lexical = _lexicon(hits[0].text + " " + hits[1].text)
    by_text = {s.text: s for s in extractive._candidates(question, hits, lexical, question)}
    led = by_text["The contract makes attendance a condition of the programme."]
    other = by_text["A different rule makes attendance a condition of the programme."]
    assert led.features["lead_lexical"] > 0
    assert other.features["lead_lexical"] == 0


def test_how_much_stuff_asks_for_a_quantity_with_its_unit():
    wanted = answer_type("How much electricity have the companies saved per year altogether?")
    assert wanted.kinds == {"quantity"}
    assert wanted.match("The 41 companies report combined savings of 5.8 GWh a year.") == 2.0
    assert wanted.match("Volume: 412 tonnes of textiles passed through the line.") == 2.0
    assert wanted.match("In total 41 companies were audited in the first year.") == 0.0
    # money and time keep their own types
    assert answer_type("How much does a test cycle cost?").kinds == {"money"}
    assert answer_type("How much time does each start-up get?").kinds == {"duration"}
    assert answer_type("How many companies took part?").kinds == {"number"}


def test_a_heading_repeated_in_the_text_is_not_an_answer_sentence():
    hit = Hit(doc_id="r", chunk_id="r#0", source="reports/r.pdf", kind="report", score=1.0,
              title="Harbour H2 Valley: a regional hydrogen ecosystem around a port",
              text="Harbour H2 Valley: a regional hydrogen ecosystem\n"
                   "The valley produces hydrogen from wind power for the port's buses.")
    text, _, _ = _answer("Which project built a regional hydrogen ecosystem?", [hit],
                         max_sentences=2)
    assert "wind power" in text
    assert "ecosystem [1]" not in text


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


def test_a_question_for_the_whole_amount_prefers_a_stated_total():
    wanted = answer_type("And what does the whole day cost?")
    assert wanted.whole
    assert wanted.match("The total cost was EUR 21 560.") == 2.0
    assert wanted.match("Room and lunch cost EUR 45 per participant.") == 1.0
    assert not answer_type("What does a day cost?").whole
    assert answer_type("What does a day cost?").match("The total cost was EUR 21 560.") == 1.0


def test_a_table_row_with_a_figure_is_a_sentence_read_with_its_header():
    text = ("The budget of our last edition.\n\n| Cost item | EUR |\n|---|---|\n"
            "| Hall rental | 4 200 |\n| **Total** | **21 560** |\n")
    sentences = [s for _, s in split_sentences(text)]
    assert "| **Total** | **21 560** |" in sentences
    assert "| Cost item | EUR |" not in sentences
    hits = [_hit(text), _hit("Room and lunch cost around EUR 45 per participant.", rank=1)]
    answered, _, _ = _answer("What does the whole supplier day cost?", hits, max_sentences=1)
    assert answered == "| **Total** | **21 560** | [1]"


def test_a_label_line_is_read_with_the_sentence_under_it():
    text = ("3. Approach: a four-step ladder\nStep 1 - AI readiness scan (free of charge)\n"
            "A three-hour visit at the company by two advisers. It covers data sources.\n"
            "six partners in Finland, Sweden and Norway Summary\nThe project ran for 42 months.\n")
    lexical = _lexicon(text)
    question = "What did the cluster offer as a free first step?"
    texts = [s.text for s in extractive._candidates(question, [_hit(text)], lexical, question)]
    assert ("Step 1 - AI readiness scan (free of charge)\n"
            "A three-hour visit at the company by two advisers.") in texts
    assert "It covers data sources." in texts
    # the tail of a sentence broken over lines is not a label
    assert "The project ran for 42 months." in texts
    assert not any(t.startswith("six partners") and "\n" in t for t in texts)
    # nor is the last name of a list
    names = "Partners\nNordic Textile Cluster (Sweden)\nBaltic Textile Network (Latvia)\n" \
            "All partner names are invented for this example.\n"
    pairs = sentences.candidates(names)
    assert not any("\n" in sentence for _, sentence in pairs)


def test_an_answer_quotes_at_most_two_rows_of_one_table():
    rows = "".join(f"| Item {i} for the day | {i} 000 |\n" for i in range(1, 7))
    text = f"| Cost item | EUR |\n|---|---|\n{rows}"
    hits = [_hit(text), _hit("The day costs around EUR 45 per participant for lunch.", rank=1)]
    answered, _, _ = _answer("What does the day cost?", hits, max_sentences=4)
    assert answered.count("| Item") == extractive.TABLE_ROWS
    assert "EUR 45 per participant" in answered


# -- sentence vectors stored at ingest ------------------------------------------------------------
class _Counting(HashEmbedder):
    """Records every sentence it embeds at question time."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_sentences(self, texts: list[str]):
        self.embedded += texts
        return super().embed_sentences(texts)


def _stored(hit: Hit, embedder: HashEmbedder) -> Hit:
    """The hit as a store written by this kb returns it: with its sentence vectors."""
    [vectors] = sentences.embed_candidates(embedder, [hit.text])
    hit.sentence_vectors = sentences.pack(vectors)
    return hit


_TEXTS = ("The voucher is worth SEK 50 000 and buys tests at a lab. Firms apply online.",
          "The cluster has 120 members. Each member pays a fee of EUR 500 a year.")


def _ask(hits: list[Hit], embedder, question: str = "How much is the voucher worth?"):
    lexical = LexicalIndex.build([h.chunk_id for h in hits], [h.text for h in hits],
                                 [h.doc_id for h in hits], "test")
    return extractive.answer(question, embedder.embed_query(question), hits, lexical, embedder, 2)


def test_stored_sentence_vectors_answer_without_embedding():
    plain = _Counting()
    old = _ask([_hit(t, rank=i) for i, t in enumerate(_TEXTS)], plain)  # an older store
    assert plain.embedded
    fresh = _Counting()
    new = _ask([_stored(_hit(t, rank=i), HashEmbedder()) for i, t in enumerate(_TEXTS)], fresh)
    assert fresh.embedded == []
    assert new[0] == old[0] and "SEK 50 000" in new[0]
    assert abs(new[2] - old[2]) < 0.01


def test_only_the_chunks_without_stored_vectors_are_embedded():
    embedder = _Counting()
    hits = [_hit(_TEXTS[0]), _stored(_hit(_TEXTS[1], rank=1), HashEmbedder())]
    _ask(hits, embedder)
    assert embedder.embedded and all(s in _TEXTS[0] for s in embedder.embedded)


def test_vectors_stored_for_other_sentences_are_not_used():
    embedder = _Counting()
    hit = _hit(_TEXTS[0])
    hit.sentence_vectors = sentences.pack(np.ones((5, embedder.dim), dtype=np.float32))
    text, _, _ = _ask([hit], embedder)
    assert "SEK 50 000" in text and embedder.embedded
