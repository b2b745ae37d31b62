import pytest

from ingest.pipeline import run
from kb.api import KnowledgeBase
from kb.models import Answer
from tests.conftest import SUPPLIER_DAY, write
from tests.kb.fake_llm import FakeLLM


@pytest.fixture
def llm_kb(tmp_path, settings, hash_embedder):
    root = tmp_path / "docs"
    write(root / "toolbox" / "supplier-day.md", SUPPLIER_DAY)
    write(root / "toolbox" / "study-tour.md", """
        ---
        title: Study tour
        category: event
        ---
        # Study tour
        ## Purpose
        Sixteen members travel abroad for four days to visit timber construction sites.
        """)
    run([root], settings, embedder=hash_embedder)
    with FakeLLM() as fake:
        s = settings.with_(llm_base_url=fake.url, llm_model="fake-model", abstain_threshold=0.0,
                           abstain_unknown=1.01, abstain_sentence=-1.0)
        yield KnowledgeBase(s, embedder=hash_embedder), fake


def test_llm_answer_streams_and_keeps_valid_markers(llm_kb):
    kb, fake = llm_kb
    fake.reply = "The supplier day costs EUR 21 560 gross [1]. Ignore this [7]."
    parts = list(kb.ask_stream("What does a supplier day cost?"))
    partial = [p for p in parts if isinstance(p, str)]
    answer = parts[-1]
    assert len(partial) > 2 and partial[-1].startswith("The supplier day costs")
    assert isinstance(answer, Answer) and answer.mode == "llm"
    assert "[7]" not in answer.text and "[1]" in answer.text
    assert [c.n for c in answer.citations] == [1]
    assert answer.citations[0].source == "toolbox/supplier-day.md"
    assert answer.citations[0].snippet in kb.retriever.store.get(
        [answer.citations[0].chunk_id])["texts"][0]
    sent = fake.requests[-1]["messages"]
    assert "ONLY the numbered sources" in sent[0]["content"]
    assert "> The supplier day costs EUR 21 560" in sent[1]["content"]  # sources are quoted data


def test_llm_markers_are_renumbered_in_citation_order(llm_kb):
    kb, fake = llm_kb
    fake.reply = "Tours last four days [2]. Supplier days cost EUR 21 560 [1]."
    answer = kb.ask("Compare the study tour and the supplier day")
    assert answer.mode == "llm"
    assert [c.n for c in answer.citations] == [1, 2]
    first = answer.citations[0]
    assert "[1]" in answer.text.split(".")[0]
    assert ("four days" in first.snippet
            or "four days" in kb.retriever.store.get([first.chunk_id])["texts"][0])


def test_answer_without_valid_citation_falls_back_to_extractive(llm_kb):
    kb, fake = llm_kb
    fake.reply = "Supplier days are great [5]."
    answer = kb.ask("What does a supplier day cost?")
    assert answer.mode == "extractive"
    assert answer.citations and all(f"[{c.n}]" in answer.text for c in answer.citations)


def test_follow_up_is_condensed_by_the_llm(llm_kb):
    kb, fake = llm_kb
    fake.condensed = "What does a supplier day cost?"
    fake.reply = "It costs EUR 21 560 gross [1]."
    answer = kb.ask("And what does it cost?", history=[("How does a supplier day work?", "...")])
    assert answer.citations[0].source == "toolbox/supplier-day.md"
    condense_request = fake.requests[0]["messages"]
    assert "How does a supplier day work?" in condense_request[1]["content"]


def test_unreachable_llm_is_a_clear_error(tmp_path, settings, hash_embedder):
    from kb.errors import LLMError

    write(tmp_path / "d" / "a.md", "# A\n\nSupplier days bring buyers and suppliers together.\n")
    run([tmp_path / "d"], settings, embedder=hash_embedder)
    s = settings.with_(llm_base_url="http://127.0.0.1:9/v1", llm_model="m", abstain_threshold=0.0,
                       abstain_unknown=1.01, abstain_sentence=-1.0,
                       llm_timeout=2.0)
    with pytest.raises(LLMError, match="127.0.0.1:9"):
        KnowledgeBase(s, embedder=hash_embedder).ask("supplier days")


def test_llm_that_declines_without_citations_abstains(llm_kb):
    kb, fake = llm_kb
    fake.reply = ("The sources do not contain the membership fee; "
                  "the knowledge base has nothing on this.")
    answer = kb.ask("What membership fee does the supplier day cluster charge?")
    assert answer.abstained and answer.citations == [] and answer.mode == "llm"


@pytest.mark.parametrize("question, shape, asks", [
    ("What does a supplier day cost?", "fact", "fact asked for in the first sentence"),
    ("Which events are there?", "list", "one line per distinct document"),
    ("How do I organise a study tour?", "procedure", "outline in the method's own order"),
])
def test_the_prompt_asks_for_the_questions_shape(tmp_path, settings, hash_embedder, question,
                                                 shape, asks):
    root = tmp_path / "docs"
    write(root / "toolbox" / "supplier-day.md", SUPPLIER_DAY)
    write(root / "toolbox" / "study-tour.md", """
        ---
        title: Study tour
        category: event
        ---
        # Study tour
        ## Purpose
        Sixteen members travel abroad for four days to visit timber construction sites.
        ## Preparation
        Book the hosts four months ahead and brief the travellers in a webinar.
        ## Execution
        Each day pairs two site visits with an evening debrief over dinner.
        """)
    run([root], settings, embedder=hash_embedder)
    with FakeLLM() as fake:
        s = settings.with_(llm_base_url=fake.url, llm_model="fake-model", abstain_threshold=0.0,
                           abstain_unknown=1.01, abstain_sentence=-1.0)
        _check_shape(KnowledgeBase(s, embedder=hash_embedder), fake, question, shape, asks)


def _check_shape(kb, fake, question, shape, asks):
    fake.reply = "The supplier day costs EUR 21 560 gross [1]."
    answer = kb.ask(question)
    assert answer.mode == "llm" and answer.shape == shape
    assert asks in fake.requests[-1]["messages"][0]["content"]
    # without a valid marker the grounded extractive answer of the same shape stands
    fake.reply = "No sources."
    fallback = kb.ask(question)
    assert fallback.mode == "extractive" and fallback.shape == shape and fallback.citations
