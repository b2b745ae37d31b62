"""eval.external_sets and eval.external: question building on small fixtures written here, the
cosine baseline, the memoising embedder, and one run end to end with the hash embedder. The
tests that read ../shared/eval-data skip when it is absent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval import external, external_sets
from kb.errors import UsageError
from kb.testing import HashEmbedder

EVAL_DATA = Path(__file__).resolve().parents[3] / "shared" / "eval-data"


def eu_row(i: int, **extra) -> dict:
    row = {"topicId": f"T-{i}", "title": f"Topic number {i} on {['wind', 'soil', 'ports'][i % 3]}",
           "programme": "Horizon Europe", "callTitle": "A call", "typesOfAction": "RIA",
           "deadline": f"2026-0{1 + i % 9}-1{i % 10}", "budgetMin": 1000000,
           "budgetMax": 2000000 + i,
           "description": f"Objective:Projects under topic {i} should build open testing "
                          f"facilities for small companies in region {i}. " + "More text. " * 30,
           "objectives": ""}
    row.update(extra)
    return row


def write_eu(folder: Path, n: int = 12) -> Path:
    (folder / "eu-call-topics").mkdir(parents=True)
    rows = [eu_row(i) for i in range(n)] + [eu_row(99, description="too short")]
    (folder / "eu-call-topics" / "topics.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return folder


def test_eu_questions_rotate_kinds_and_hold_facts_from_the_page(tmp_path):
    ext = external_sets.build("eu-call-topics", write_eu(tmp_path), limit=8)
    assert len(ext.questions) == 8 and len(ext.files) == 12  # the short topic is left out
    assert {q.kind for q in ext.questions} == {"deadline", "budget", "objective", "programme"}
    for q in ext.questions:
        page = ext.files[q.sources[0]]
        assert all(external_sets.words(f) in external_sets.words(page) for f in q.facts)
    budget = next(q for q in ext.questions if q.kind == "budget")
    assert budget.facts[0].startswith("EUR 2 000 0")
    assert ext == external_sets.build("eu-call-topics", tmp_path, limit=8)  # deterministic


def test_build_refuses_unknown_sets_and_missing_folders(tmp_path):
    with pytest.raises(UsageError, match="unknown external set"):
        external_sets.build("nope", tmp_path)
    with pytest.raises(UsageError, match="no qmsum folder"):
        external_sets.build("qmsum", tmp_path)


def test_qmsum_fact_is_the_longest_shared_run():
    answer = "The team agreed that the remote control needs a long battery life and few buttons."
    span = "Well, I think a long battery life matters, and few buttons, you know."
    assert external_sets.shared_run(answer, span) == "a long battery life"
    assert external_sets.shared_run("of the and to", "of the and to") is None  # stop words only
    assert external_sets.detokenise("it 's fine {disfmarker} , is n't it ?") == \
        "it's fine, isn't it?"
    assert external_sets.detokenise("we can have L_C_D_s on the P_C_B_ .") == \
        "we can have LCDs on the PCB."


def test_qmsum_builds_transcripts_and_queries(tmp_path):
    turns = [{"speaker": "Project Manager", "content": "We need a long battery life ."},
             {"speaker": "Marketing", "content": "Yes , and the remote should be yellow ."}]
    meeting = {"topic_list": [{"topic": "Remote design"}], "meeting_transcripts": turns,
               "specific_query_list": [
                   {"query": "What colour was proposed?", "answer": "Marketing said the remote "
                    "should be yellow.", "relevant_text_span": [["1", "1"]]},
                   {"query": "Unrelated?", "answer": "Nothing shared here at all.",
                    "relevant_text_span": [["0", "0"]]}]}
    (tmp_path / "qmsum").mkdir()
    (tmp_path / "qmsum" / "val.jsonl").write_text(json.dumps(meeting) + "\n")
    ext = external_sets.build("qmsum", tmp_path)
    assert [q.facts for q in ext.questions] == [["the remote should be yellow"]]
    assert ext.notes["queries_without_shared_run"] == 1
    text = ext.files["qmsum/meeting-00.txt"]
    assert "[00:00:10] Marketing: Yes, and the remote should be yellow." in text


def test_pdf_questions_keep_unique_subjects_and_skip_clauses_and_passives():
    sentences = [("a.pdf", "The theme leader is in charge of animating the workgroup."),
                 ("a.pdf", "IdeaValuation is a live evaluation tool for the sessions."),
                 ("a.pdf", "The facilitator identifies ideas which are rated by participants."),
                 ("b.pdf", "The method permits to structure the information quickly."),
                 ("b.pdf", "The method permits to compare many ideas at once, always."),
                 ("b.pdf", "Each step is described following the same format here.")]
    qs = external_sets.pdf_questions(sentences, limit=10)
    assert [(q.question, q.facts[0]) for q in qs] == [
        ("What is the theme leader?", "in charge of animating"),
        ("What is IdeaValuation?", "a live evaluation tool")]


class TinyHit:
    def __init__(self, text: str) -> None:
        self.text = text


def test_baseline_ranks_sentences_by_cosine():
    hits = [TinyHit("Bananas are yellow fruit. The voucher is worth five thousand euros."),
            TinyHit("The voucher is worth five thousand euros. Trains run at night here.")]
    got = external.baseline_sentences("how many euros is the voucher worth", hits,
                                      HashEmbedder(), 2)
    assert got[0] == "The voucher is worth five thousand euros."
    assert len(got) == 2 and len(set(got)) == 2  # sentences count once
    assert external.baseline_sentences("q", [], HashEmbedder(), 3) == []


def test_memo_embedder_embeds_each_text_once():
    calls = []

    class Counting(HashEmbedder):
        def embed_documents(self, texts, show_progress=False):
            calls.append(list(texts))
            return super().embed_documents(texts)

    memo = external.MemoEmbedder(Counting())
    a = memo.embed_documents(["x y", "z"])
    b = memo.embed_documents(["z", "x y", "new"])
    assert calls == [["x y", "z"], ["new"]]
    assert np.allclose(a[0], b[1]) and memo.dim == 64 and memo.name == "hash-test"


def test_external_run_end_to_end(tmp_path, settings, hash_embedder):
    out = external.run("eu-call-topics", write_eu(tmp_path / "data"), settings,
                       embedder=hash_embedder, limit=6)
    sm = out["summary"]
    assert out["documents"] == 12 and sm["questions"] == 6
    assert set(out["by_kind"]) <= {"deadline", "budget", "objective", "programme"}
    for key in ("kb_fact", "base_fact", "kb_first", "base_first", "read"):
        assert 0.0 <= sm[key] <= 1.0
    r = out["results"][0]
    assert len(r["baseline"]) == (r["sentences"] or settings.answer_sentences)
    # the baseline reads the same passages as ask: it cannot hold a fact they lack
    assert all(x["read"] or not x["base_fact"] for x in out["results"])


def test_external_cli_writes_one_file_per_set(tmp_path, hash_model, capsys):
    from kb.cli import main

    data = write_eu(tmp_path / "data")
    rc = main(["eval", "--store", str(tmp_path / "s"), "--external", str(data),
               "--set", "eu-call-topics", "--limit", "3", "--results", str(tmp_path / "res")])
    assert rc == 0
    saved = json.loads((tmp_path / "res" / "external-eu-call-topics.json").read_text())
    assert saved["summary"]["questions"] == 3 and "cosine baseline" in capsys.readouterr().out


@pytest.mark.skipif(not (EVAL_DATA / "eu-call-topics").is_dir(), reason="no ../shared/eval-data")
def test_real_eu_set_asks_one_question_per_topic():
    ext = external_sets.build("eu-call-topics", EVAL_DATA)
    assert len(ext.questions) == len(ext.files) == external_sets.EU_DOCS
    assert len(external_sets.build("eu-call-topics", EVAL_DATA, limit=40).questions) == 40


def test_sign_test_tells_a_real_difference_from_a_few_questions():
    assert external.sign_test(5, 7) == 0.7744  # QMSum's answers: kb 5, the baseline 7
    assert external.sign_test(12, 1) < 0.01 and external.sign_test(0, 0) == 1.0
    assert external.sign_test(3, 9) == external.sign_test(9, 3)


def test_summary_counts_the_questions_only_one_side_gets():
    def result(kb: bool, base: bool) -> external.ExternalResult:
        return external.ExternalResult("q", "k", "?", ["f"], ["a.md"], "", [], False, 3,
                                       kb, kb, base, False, True, True)
    sm = external.summarise([result(True, False)] * 4 + [result(False, True), result(True, True)])
    assert (sm["fact_kb_only"], sm["fact_base_only"], sm["first_kb_only"]) == (4, 1, 5)
    assert sm["fact_sign_p"] == external.sign_test(4, 1) and sm["kb_beats_baseline"]



def test_count_questions_ask_how_many_of_unambiguous_nouns():
    sentences = [("a.pdf", "The session produced 73 different ideas for this session overall."),
                 ("a.pdf", "We invited 15 participants per theme by email."),
                 ("a.pdf", "Each room held 12 participants per room at most."),
                 ("a.pdf", "In 2019 it had 2019 members in total here.")]
    qs = external_sets.count_questions(sentences)
    assert [(q.question, q.facts) for q in qs] == [
        ("How many different ideas for this session overall?", ["73 different ideas"])]
    assert external_sets.english("The facilitator asks the participants to vote.")
    assert not external_sets.english("Les participants et le facilitateur sont dans la salle.")
