"""kb.answer.compose: the answer shapes, grounded (every sentence stored text with its [n])."""

from __future__ import annotations

from kb.answer import compose
from kb.answer.extractive import Sentence
from kb.models import Hit


def _hit(doc: str, text: str, n: int = 0, kind: str = "toolbox", section: str | None = None,
         **meta) -> Hit:
    return Hit(doc_id=doc, chunk_id=f"{doc}:{n}", source=f"{doc}.md", title=doc.title(),
               kind=kind, text=text, score=0.5, section=section, metadata=meta)


def _one(hit: Hit, score: float) -> Sentence:
    return Sentence(hit.text, hit, 0, score=score)


def _grounded(draft: compose.Draft) -> None:
    by_n = {c.n: c for c in draft.citations}
    for c in draft.citations:
        assert c.snippet
    for item in draft.items:
        assert item.n in by_n


def test_a_list_names_each_document_once_with_its_fields():
    a1 = _hit("alpha", "Alpha sorted textiles for recycling.", kind="report",
              coordinator="Textile Cluster", start_year=2020, end_year=2023)
    a2 = _hit("alpha", "Alpha also made new yarn from old clothes.", 1, kind="report",
              coordinator="Textile Cluster", start_year=2020, end_year=2023)
    b = _hit("beta", "Beta ran a webinar on fibre recycling.", kind="transcript",
             presenter="Jana Meinert",
             description="Innovation Tool of the Month webinar, 16 May 2023.")
    c = _hit("gamma", "Gamma is a method for recycling days.", kind="toolbox",
             category="event", contributed_by="Elbe Cluster")
    weak = _hit("delta", "Delta is about something else.")
    weak.score = 0.1  # under LIST_MIN of the best passage's score: not listed
    ranked = [_one(a1, 0.9), _one(a2, 0.8), _one(b, 0.7), _one(c, 0.6), _one(weak, 0.95)]
    draft = compose.listing(ranked, [a1, a2, b, c, weak])
    assert draft.shape == "list"
    assert [i.title for i in draft.items] == ["Alpha", "Beta", "Gamma"]
    assert draft.items[0].fields == {"coordinator": "Textile Cluster", "years": "2020-2023"}
    assert draft.items[1].fields == {"presenter": "Jana Meinert", "date": "16 May 2023"}
    assert draft.items[2].fields == {"category": "event", "contributed_by": "Elbe Cluster"}
    assert draft.text.splitlines()[0] == ("- Alpha (Textile Cluster, 2020-2023): Alpha sorted "
                                          "textiles for recycling. [1]")
    assert len(draft.citations) == 3
    _grounded(draft)


def test_a_list_has_at_most_eight_documents():
    ranked = [_one(_hit(f"d{i}", f"Document {i} is about recycling."), 1 - i / 100)
              for i in range(12)]
    assert len(compose.listing(ranked, [s.hit for s in ranked]).items) == compose.LIST_ITEMS


def test_a_procedure_outlines_the_method_in_its_own_order_then_other_sources():
    purpose = _hit("pitch", "A reverse pitch lets a large firm present its problems.", 0,
                   section="Purpose")
    resources = _hit("pitch", "Staff time is about 70 hours in total.", 1, section="Resources")
    prep = _hit("pitch", "Eight weeks ahead the host picks three to five challenges.", 2,
                section="Preparation")
    execution = _hit("pitch", "Each challenge owner pitches for ten minutes.", 3,
                     section="Execution")
    lessons = _hit("pitch", "Keep the challenges concrete.", 4, section="Lessons")
    follow = _hit("pitch", "The host answers every proposal within four weeks.", 5,
                  section="Follow-up")
    entry = [_one(h, s) for h, s in ((execution, 0.9), (prep, 0.8), (follow, 0.7),
                                     (resources, 0.6), (purpose, 0.5), (lessons, 0.95))]
    webinar = _hit("webinar", "Our reverse pitch is a half-day event at a member plant.",
                   kind="transcript")
    draft = compose.procedure(entry, [_one(webinar, 0.8), *entry])
    assert draft.shape == "procedure"
    assert [i.title for i in draft.items] == ["Purpose", "Resources", "Preparation",
                                              "Execution", "Follow-up"]
    lines = draft.text.splitlines()
    assert lines[0] == "Pitch"
    assert lines[1] == "Purpose: A reverse pitch lets a large firm present its problems. [1]"
    assert lines[-1] == ("Also in: Webinar: Our reverse pitch is a half-day event at a member "
                         "plant. [2]")
    assert "Keep the challenges concrete" not in draft.text  # not a step section
    _grounded(draft)


def test_an_outline_is_labelled_with_the_entrys_own_headings():
    """A Swedish entry reads in Swedish; an entry whose opening has no heading of its own gets
    "What it is"."""
    sections = ["Syfte", "Förberedelser", "Genomförande", "Uppföljning"]
    entry = [_one(_hit("fpp", f"Mening {i} om metoden.", i, section=name), 0.9 - i / 10)
             for i, name in enumerate(sections)]
    draft = compose.procedure(entry, [])
    assert [i.title for i in draft.items] == sections
    untitled = [_one(_hit("pitch", "A pitch turned around.", 0), 0.9),
                _one(_hit("pitch", "Pick the challenges.", 1, section="Preparation"), 0.8),
                _one(_hit("pitch", "Answer every SME.", 2, section="Follow-up"), 0.7)]
    assert [i.title for i in compose.procedure(untitled, []).items] == [
        "What it is", "Preparation", "Follow-up"]


def test_a_document_is_a_method_when_it_has_step_sections():
    assert compose.is_method(["Purpose", "Preparation", "Execution", "Follow-up"])
    assert not compose.is_method(["Summary", "Results", "Preparation"])
    # headings that say the same in other words and other languages
    assert compose.is_method(["Background", "2. Preparation phase", "Follow up and evaluation"])
    assert compose.is_method(["Syfte", "Resurser", "Förberedelser", "Genomförande", "Uppföljning"])
    assert compose.is_method(["Formål", "Forberedelse", "Gjennomføring", "Oppfølging"])
    assert compose.step_of("Implementation") == "execution"
    assert compose.step_of("Preparations for the day") == "preparation"
    assert compose.is_method(["About", "Before the event", "On the day", "Afterwards"])
    assert compose.is_method(["Overview", "Budget", "Planning", "During the visit", "Evaluation"])
    # a deck's slide titles that mention a step are no step sections
    assert not compose.is_method(["Ten weeks of preparation", "Follow-up that keeps SMEs coming"])
    assert compose.step_of("Results") is None and compose.step_of(None) is None
    # only the first section of a method and its steps make the outline
    assert not compose.is_method(["Follow-up"])


def test_a_fact_leads_with_a_field_the_question_asks_for():
    hit = _hit("pitch", "The venue is the host's canteen, at no cost.", typical_cost="EUR 4 500")
    other = _hit("other", "Catering costs EUR 1 200.")
    draft = compose.fact([_one(hit, 0.9), _one(other, 0.8)], "What does a reverse pitch cost?")
    assert draft.text.startswith("Typical cost: EUR 4 500 [1] The venue is")
    assert draft.shape == "fact" and len(draft.citations) == 2
    plain = compose.fact([_one(hit, 0.9), _one(other, 0.8)], "Where is the venue?")
    assert plain.text.startswith("The venue is")


def test_fields_come_from_the_document_record_when_the_passage_lacks_them():
    """A passage carries only a few fields; the store's document record holds them all (a
    toolbox entry's cost and lead time, a report's funding, a webinar's date)."""
    hit = _hit("pitch", "The venue is the host's canteen, at no cost.")
    records = {"pitch": {"typical_cost": "EUR 4 500", "lead_time": "8 weeks"}}
    draft = compose.fact([_one(hit, 0.9)], "What does a reverse pitch cost?", records)
    assert draft.text.startswith("Typical cost: EUR 4 500 [1] The venue is")
    # a sentence that says the field line again is not repeated
    line = _hit("nord", "**Funding:** EUR 4 850 000", kind="report")
    other = _hit("nord", "96 SMEs received funding.", 1, kind="report")
    funded = compose.fact([_one(line, 0.9), _one(other, 0.8)], "How much funding did it get?",
                          {"nord": {"funding": "EUR 4 850 000"}})
    assert funded.text == "Funding: EUR 4 850 000 [1] 96 SMEs received funding. [1]"
    said = _hit("nord", "Project duration: June 2018 - November 2021", kind="report")
    when = compose.fact([_one(said, 0.9), _one(other, 0.8)], "When was the project running?",
                        {"nord": {"duration": "June 2018 - November 2021"}})
    assert when.text == "Duration: June 2018 - November 2021 [1] 96 SMEs received funding. [1]"
    talk = _hit("talk", "Our guest today runs the voucher scheme.", kind="transcript")
    who = compose.fact([_one(talk, 0.9)], "Who presented the webinar on vouchers?",
                       {"talk": {"presenter": "Mads Kjærgaard", "host": "Tobias Lund"}})
    assert who.text.startswith("Presenter: Mads Kjærgaard [1]")
    webinar = _hit("talk", "Vouchers start small.", kind="transcript", presenter="Mads Kjærgaard")
    listed = compose.listing([_one(webinar, 0.9)], [webinar],
                             {"talk": {"description": "A webinar of 7 March 2024."}})
    assert listed.items[0].fields == {"presenter": "Mads Kjærgaard", "date": "7 March 2024"}


def test_a_field_comes_from_the_next_document_that_has_it_and_every_asked_field_leads():
    """"Who presented the webinar on vouchers?" best matched in a report that mentions
    webinars: the presenter is the webinar's, the next document that matches about as well."""
    report = _hit("rep", "Three webinars on vouchers were held.", kind="report")
    talk = _hit("talk", "Our guest today runs the voucher scheme.", kind="transcript")
    weak = _hit("weak", "A voucher is a small grant.", kind="transcript")
    weak.score = 0.1  # well below the best passage: not a document the question is about
    records = {"talk": {"presenter": "Mads Kjærgaard"}, "weak": {"presenter": "Other Person"},
               "rep": {"coordinator": "Cluster AB", "funding": "EUR 2 000"}}
    ranked = [_one(report, 0.9), _one(talk, 0.8)]
    who = compose.fact(ranked, "Who presented the webinar on vouchers?", records, ("transcript",))
    assert who.text == "Presenter: Mads Kjærgaard [1] Our guest today runs the voucher scheme. [1]"
    assert [c.source for c in who.citations] == ["talk.md"]  # the report is not what it asks
    # only a document of the kind the question names, and one that matches about as well
    assert "Presenter" not in compose.fact(ranked, "Who presented it?", records).text
    nobody = compose.fact([_one(report, 0.9), _one(weak, 0.8)], "Who presented the webinar?",
                          records, ("transcript",))
    assert "Presenter" not in nobody.text
    both = compose.fact(ranked, "Who coordinated it and how much funding did it get?", records)
    assert both.text.startswith("Coordinator: Cluster AB [1] Funding: EUR 2 000 [1]")
    # a recording's date is the one its description states
    records["talk"]["description"] = "A webinar of 7 March 2024 on vouchers."
    when = compose.fact(ranked, "When was the webinar on vouchers?", records, ("transcript",))
    assert when.text.startswith("Date: 7 March 2024 [1] Our guest today")


def test_a_procedure_leads_with_a_field_the_question_asks_for():
    sections = ["About", "Resources", "Preparation", "Execution", "Follow-up"]
    entry = [_one(_hit("pitch", f"{name} sentence here.", i, section=name), 0.9 - i / 10)
             for i, name in enumerate(sections)]
    draft = compose.procedure(entry, [], "How do I run a reverse pitch and what does it cost?",
                              {"pitch": {"typical_cost": "EUR 4 500"}})
    lines = draft.text.split("\n")
    assert lines[1] == "Typical cost: EUR 4 500 [1]" and lines[2].startswith("About:")
    assert "Typical cost" not in compose.procedure(entry, [], "How do I run it?").text


def test_a_fact_has_at_most_two_supporting_sentences():
    words = ["apples grow", "boats sail", "cats sleep", "dogs bark", "eels swim", "frogs jump"]
    ranked = [_one(_hit(f"d{i}", f"In the valley {w} daily."), 1 - i / 10)
              for i, w in enumerate(words)]
    draft = compose.fact(ranked, "How many?")
    assert draft.text.count("[") == 1 + compose.FACT_SUPPORT
