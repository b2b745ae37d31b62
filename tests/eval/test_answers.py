"""eval.answers: sentences of an answer, fact in the first sentence, list recall, sections."""

from __future__ import annotations

from eval import answers
from kb.models import Citation


def cite(n: int, source: str, chunk_id: str | None = None) -> Citation:
    return Citation(n=n, source=source, title="", kind="toolbox", snippet="x", score=1.0,
                    chunk_id=chunk_id)


def test_answer_sentences_are_the_marked_spans():
    text = "Typical cost: EUR 4 500 [1] It takes 3 hours. [2][1] Tail without marker"
    assert answers.answer_sentences(text) == ["Typical cost: EUR 4 500", "It takes 3 hours."]
    assert answers.answer_sentences("No markers at all.") == ["No markers at all."]
    assert answers.answer_sentences("   ") == []
    # a footnote mark the source holds is text, not a citation
    passage = "The EU's major contribution to the ITER [1] project and the EUROfusion partnership."
    answer = f"{passage} [1] Budget per grant: EUR 10 000 000 [1]"
    assert answers.answer_sentences(answer, [passage, "Budget per grant: EUR 10 000 000"]) == [
        passage.replace(" [1]", ""), "Budget per grant: EUR 10 000 000"]
    assert len(answers.answer_sentences(answer)) == 3  # without the passages it cannot tell
    lines = "Reverse pitch\n- Resources: staff time 70 hours [1]\n- Preparation: a workshop [2]"
    assert answers.first_sentence(lines) == "Reverse pitch\n- Resources: staff time 70 hours"


def test_fact_first_reads_only_the_first_sentence():
    text = "The voucher is small. [1] It is worth EUR 5 000. [2]"
    assert not answers.fact_first(["EUR 5 000"], text)
    assert answers.fact_first(["eur 5 000", "small"], text)
    assert answers.facts_missing(["EUR 5 000", "six"], text) == ["six"]


def test_word_matching_ignores_punctuation_but_not_word_boundaries():
    assert answers.holds("EUR 4,500", "it costs eur 4 500.", by_words=True)
    assert answers.holds("2026-03-17", "Deadline: 2026-03-17", by_words=True)
    assert not answers.holds("cat", "concatenate", by_words=True)
    assert not answers.holds("EUR 4,500", "it costs eur 4 500.")  # plain: punctuation counts


def test_source_recall_counts_documents_once():
    cites = [cite(1, "a"), cite(2, "a"), cite(3, "c")]
    assert answers.source_recall(["a", "b"], cites) == 0.5
    assert answers.source_recall(["a", "c"], cites) == 1.0
    assert answers.source_recall([], cites) == 0.0


def test_sections_quoted_reads_the_cited_chunks_of_the_method():
    sections = {"m:1": "Preparation", "m:2": "Execution", "m:3": "Preparation", "w:1": "Follow-up"}
    cites = [cite(1, "m.md", "m:1"), cite(2, "m.md", "m:2"), cite(3, "m.md", "m:3"),
             cite(4, "w.vtt", "w:1"), cite(5, "m.md", None)]
    quoted = answers.sections_quoted(cites, sections.get, ["m.md"])
    assert quoted == ["Preparation", "Execution"]  # the webinar's chunk is not the method's
    expected = ["Resources", "Preparation", "Execution", "Follow-up"]
    assert answers.section_coverage(expected, quoted) == 0.5
    assert answers.section_coverage(expected, ["preparation"]) == 0.25


class SectionChunks:
    def __init__(self, chunks: dict[str, list[tuple[str, str]]]) -> None:
        self.chunks = chunks

    def with_sections(self, source: str) -> list[tuple[str, str]]:
        return self.chunks.get(source, [])


def test_sections_in_text_reads_each_sentence_through_its_citation():
    chunks = SectionChunks({"m.md": [("Staff time is 70 hours. Catering EUR 1 200.", "Resources"),
                                     ("Eight weeks ahead, pick the challenges.", "Preparation"),
                                     ("Each owner presents for ten minutes.", "Execution")],
                            "w.vtt": [("Each owner presents for ten minutes.", "Talk")]})
    cites = [cite(1, "m.md", "m:1"), cite(2, "w.vtt", "w:1")]  # one citation for all of m.md
    text = ("Staff time is 70 hours. [1] - Preparation: Eight weeks ahead, pick the challenges "
            "[1] Each owner presents for ten minutes. [2] Invented sentence. [1]")
    assert answers.sections_in_text(text, cites, chunks, ["m.md"]) == ["Resources",
                                                                       "Preparation"]
