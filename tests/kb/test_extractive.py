"""kb.answer.extractive: candidate sentences scored for a question, boilerplate left out, and
citations whose snippets are verbatim stored text (the hash embedder: no model)."""

from __future__ import annotations

import numpy as np

from kb import sentences
from kb.answer import compose, extractive
from kb.answer.citations import MARKER
from kb.lexical import SearchIndex, tokenize
from kb.models import Hit
from kb.sentences import split_sentences
from kb.testing import HashEmbedder


def _hit(text: str, rank: int = 0, source: str = "toolbox/a.md", **kw) -> Hit:
    return Hit(doc_id=source, chunk_id=f"{source}#{rank}", source=source, title="A tool",
               kind="toolbox", text=text, score=1.0 - rank / 10, **kw)


def _lexicon(hits: list[Hit]) -> SearchIndex:
    return SearchIndex.build([h.chunk_id for h in hits], [h.text for h in hits],
                              [h.doc_id for h in hits], "test")


def _answer(question: str, hits: list[Hit], max_sentences: int = 2, embedder=None,
            focus: str | None = None):
    """(text, citations, best cosine) of a passage answer."""
    embedder = embedder or HashEmbedder()
    fvec = embedder.embed_query(focus) if focus else None
    ranked = extractive.read(hits, tuple(tokenize(focus or question)), _lexicon(hits), embedder,
                             embedder.embed_query(question), fvec)
    draft = compose.passage(ranked, max_sentences)
    return draft.text, draft.citations, max((s.cosine for s in ranked), default=0.0)


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


def test_split_strips_the_bullet_glyphs_of_a_pdf():
    # symbol-font bullets come out of a PDF as private-use characters, often without a space
    text = ("Each theme leader presents:\n\uf0b7 the number of ideas generated in the group,\n"
            "\uf0fcthe five best ideas for the next step.\n▪ The ideas discussed the most.")
    sentences = [s for _, s in split_sentences(text)]
    assert sentences[1:] == ["the number of ideas generated in the group,",
                             "the five best ideas for the next step.",
                             "The ideas discussed the most."]


def test_split_offsets_point_at_verbatim_text():
    text = "Intro line that is long enough. Funding: EUR 2 480 000\n- A bullet item with words.\n"
    for offset, sentence in split_sentences(text):
        assert text[offset:offset + len(sentence)] == sentence


# -- scoring and citing -----------------------------------------------------------------------
def test_the_sentence_holding_the_question_terms_leads():
    hits = [_hit("A living lab lets companies test products with older people at home. "
                 "Testers are recruited through pensioners' associations and care services."),
            _hit("Companies pay EUR 2,500 per test cycle to the living lab.", rank=1)]
    text, cites, best = _answer("How much does a company pay per test cycle?", hits)
    assert text.startswith("Companies pay EUR 2,500 per test cycle")
    assert 0.0 < best <= 1.0


def test_the_first_sentence_answers_on_its_own():
    """A sentence right after one close to the question gains (``LEAD``: it may answer the
    situation set out before it), but only among the sentences after the first: here the full
    test's price would otherwise lead a question about the quick test."""
    hits = [_hit("A quick test costs 25,000 kronor. "
                 "A full test costs 90,000 kronor, far more than a quick one.")]
    embedder = HashEmbedder()
    question = "How much does a quick test cost?"
    ranked = extractive.read(hits, tuple(tokenize(question)), _lexicon(hits), embedder,
                             embedder.embed_query(question))
    quick, full = sorted(ranked, key=lambda s: s.offset)
    assert full.score > quick.score and quick.alone > full.alone  # LEAD would put it first
    assert ranked[0] is quick


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
    assert len(parts[1::2]) == 4
    for sentence, n in zip(parts[0::2], parts[1::2], strict=False):
        cite = by_n[int(n)]
        chunk = next(h.text for h in hits if h.chunk_id == cite.chunk_id)
        assert sentence.strip() in chunk and cite.snippet in chunk


def test_two_pages_of_one_report_get_two_citations():
    hits = [_hit("In total 412 tonnes of clothing were sorted in the trial.", source="r.pdf",
                 page=3),
            _hit("The scanner sorted the clothing by fibre type in the trial hall.", rank=1,
                 source="r.pdf", page=4)]
    text, cites, _ = _answer("How many tonnes of clothing did the trial sort?", hits)
    assert sorted(c.page for c in cites) == [3, 4] and {c.source for c in cites} == {"r.pdf"}
    assert MARKER.findall(text) == ["1", "2"]


def test_no_sentences_no_answer():
    assert _answer("Anything?", [_hit("Short heading")]) == ("", [], 0.0)


def test_a_follow_up_is_answered_by_its_own_question():
    hits = [_hit("The voucher budget is EUR 60 000 a year for the food cluster."),
            _hit("Applicants get a decision from the panel within 15 working days.", rank=1)]
    text, _, _ = _answer("How big is the voucher budget? And how fast do applicants get a "
                         "decision?", hits, max_sentences=1,
                         focus="And how fast do applicants get a decision?")
    assert "15 working days" in text


def test_a_heading_repeated_in_the_text_is_not_an_answer_sentence():
    hit = Hit(doc_id="r", chunk_id="r#0", source="reports/r.pdf", kind="report", score=1.0,
              title="Harbour H2 Valley: a regional hydrogen ecosystem around a port",
              text="Harbour H2 Valley: a regional hydrogen ecosystem\n"
                   "The valley produces hydrogen from wind power for the port's buses.")
    text, _, _ = _answer("Which project built a regional hydrogen ecosystem?", [hit])
    assert "wind power" in text
    assert "ecosystem [1]" not in text


def test_boilerplate_is_never_answer_material():
    hit = _hit("Disclaimer: the views expressed are those of the authors only. "
               "Copyright © 2024 Cluster Network, all rights reserved. "
               "Skip to main content and read the cookie policy. "
               "The supplier day costs EUR 21 560 in total.")
    text, _, _ = _answer("What is the disclaimer and what does the supplier day cost?", [hit],
                         max_sentences=4)
    assert text == "The supplier day costs EUR 21 560 in total. [1]"


def test_talk_that_says_nothing_is_never_answer_material():
    """Words all among the language's most common and no figure: talk, not content."""
    hit = _hit("Thank you very much for having me here today. That's what I wanted to share. "
               "We did it in two days. Det var det jag ville säga. The buddies never called.")
    text, _, _ = _answer("What did you want to share today about the buddies?", [hit],
                         max_sentences=5)
    # a Swedish sentence in an English document is not judged by English word frequencies
    assert {p.strip() for p in text.split("[1]") if p.strip()} == {
        "We did it in two days.", "Det var det jag ville säga.", "The buddies never called."}
    swedish = _hit("Det var det jag ville säga. Forskaren är på plats tisdagar.", 1,
                   source="toolbox/sv.md", metadata={"language": "sv"})
    text, _, _ = _answer("Vad ville hen säga?", [swedish], max_sentences=5)
    assert text == "Forskaren är på plats tisdagar. [1]"


def test_a_title_broken_over_lines_is_not_an_answer_but_a_field_or_bullet_is():
    assert extractive.is_boilerplate("six cluster organisations in Finland, Sweden, Norway, "
                                     "Estonia, Germany and Poland Summary")
    assert not extractive.is_boilerplate("benchmarking stage: about 60 hours (questionnaire);")
    assert not extractive.is_boilerplate("the onboarding owner calls within two working days.")
    assert not extractive.is_boilerplate("Topic: circular textiles, sorting and recycling")


def test_a_table_of_contents_line_is_navigation():
    assert extractive.is_boilerplate("A global overview of the unfolding of innovation clubs "
                                     "sessions ........................ 7")
    assert extractive.is_boilerplate("3.2.4 The 2nd innovation club session . . . . . . . 12")
    assert not extractive.is_boilerplate("So... we tried it again in May, and it worked.")


def test_a_label_line_is_read_with_the_sentence_under_it():
    text = ("3. Approach: a four-step ladder\nStep 1 - AI readiness scan (free of charge)\n"
            "A three-hour visit at the company by two advisers. It covers data sources.\n"
            "six partners in Finland, Sweden and Norway Summary\nThe project ran for 42 months.\n")
    hits = [_hit(text)]
    embedder = HashEmbedder()
    question = "What did the cluster offer as a free first step?"
    texts = [s.text for s in extractive.read(hits, tuple(tokenize(question)), _lexicon(hits),
                                             embedder, embedder.embed_query(question))]
    assert ("Step 1 - AI readiness scan (free of charge)\n"
            "A three-hour visit at the company by two advisers.") in texts
    assert "It covers data sources." in texts
    assert "The project ran for 42 months." in texts
    assert not any(t.startswith("six partners") and "\n" in t for t in texts)
    names = "Partners\nNordic Textile Cluster (Sweden)\nBaltic Textile Network (Latvia)\n" \
            "All partner names are invented for this example.\n"
    assert not any("\n" in sentence for _, sentence in sentences.quotable(names))


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
    [vectors] = sentences.embed_quotable(embedder, [hit.text])
    hit.sentence_vectors = sentences.pack(vectors)
    return hit


_TEXTS = ("The voucher is worth SEK 50 000 and buys tests at a lab. Firms apply online.",
          "The cluster has 120 members. Each member pays a fee of EUR 500 a year.")


def _ask(hits: list[Hit], embedder, question: str = "How much is the voucher worth?"):
    return _answer(question, hits, 2, embedder=embedder)


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
