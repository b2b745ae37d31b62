"""eval.golden: the checks on one answer, the summaries, calibration, and the runner end to end on a
tiny hand-made corpus and golden set (the hash embedder; one slow run with the real model)."""

from __future__ import annotations

import json

import pytest

from eval import golden
from kb.errors import UsageError
from kb.models import Citation


# -- loading ------------------------------------------------------------------------------------
def test_load_golden_reads_every_file(golden_set):
    _, gold = golden_set
    items = golden.load_golden(gold)
    assert [i.id for i in items] == ["t-1", "t-2", "t-3", "o-1"]
    assert items[1].follow_up_of == "t-1" and items[2].timestamp == 40


def test_load_golden_refuses_bad_sets(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "a", "question": "q", "sources": [], "follow_up_of": "zz"}))
    with pytest.raises(UsageError, match="follows up"):
        golden.load_golden(bad)
    bad.write_text("\n".join(json.dumps({"id": "a", "question": "q", "sources": []}) for _ in "12"))
    with pytest.raises(UsageError, match="duplicate"):
        golden.load_golden(bad)
    with pytest.raises(UsageError, match="no golden set"):
        golden.load_golden(tmp_path / "missing.jsonl")


def test_project_golden_set_loads():
    items = golden.load_golden()
    assert items and {i.split for i in items} <= {"tune", "heldout"}


# -- the checks on one answer ---------------------------------------------------------------------
def cite(n=1, source="s.md", snippet="text", page=None, start=None, end=None) -> Citation:
    return Citation(n=n, source=source, title="", kind="toolbox", snippet=snippet, score=1.0,
                    page=page, start=start, end=end)


def test_missing_facts_ignores_case_and_whitespace():
    answer = "It costs  SEK 699\u00a0908 [1] and takes\n115 Hours [2]."
    assert golden.missing_facts(["sek 699 908", "115 hours"], answer) == []
    assert golden.missing_facts(["116 hours"], answer) == ["116 hours"]


def test_page_and_timestamp_accuracy():
    cites = [cite(source="a.pdf", page=3), cite(2, source="w.vtt", start=100.0, end=160.0)]
    assert golden.cites_page(cites, ["a.pdf"], 3)
    assert not golden.cites_page(cites, ["a.pdf"], 4)
    assert not golden.cites_page(cites, ["other.pdf"], 3)
    # window 100-160 widened by 10 s: 90 <= ts <= 170
    assert golden.cites_time(cites, ["w.vtt"], 90) and golden.cites_time(cites, ["w.vtt"], 170)
    assert not golden.cites_time(cites, ["w.vtt"], 89)
    assert not golden.cites_time(cites, ["w.vtt"], 171)


def test_citation_problems():
    stored = {"s.md": ["Alpha beta gamma.", "Delta epsilon."]}
    good = [cite(1, snippet="beta gamma"), cite(2, snippet="Delta epsilon.")]
    assert golden.citation_problems("One [1]. Two [2].", good, stored.__getitem__) == []
    bad = [cite(1, snippet="beta delta")]
    problems = golden.citation_problems("One [1]. Two [3].", bad, stored.__getitem__)
    assert problems == ["marker [3] names no citation", "snippet [1] is not verbatim text of s.md"]


class FakeChunks:
    """``ChunkTexts`` over a dict: chunk id -> (source, text)."""

    def __init__(self, chunks: dict[str, tuple[str, str]]) -> None:
        self.chunks = chunks

    def __call__(self, source: str) -> list[str]:
        return [t for s, t in self.chunks.values() if s == source]

    def by_id(self, chunk_id: str) -> str:
        return self.chunks[chunk_id][1]

    def holds_field(self, source: str, line: str) -> bool:
        return source == "b.md" and line == "Typical cost: EUR 4 500"


def test_ungrounded_sentences():
    chunks = FakeChunks({"a:0": ("a.pdf", "Alpha beta gamma. Zeta eta"),
                         "a:1": ("a.pdf", "Delta epsilon."),
                         "b:0": ("b.md", "One two three."), "b:1": ("b.md", "Four five six.")})
    located = cite(1, source="a.pdf", snippet="Alpha beta gamma.", page=1)
    located.chunk_id = "a:0"
    plain = cite(2, source="b.md", snippet="One two three.")
    plain.chunk_id = "b:0"
    # "Zeta eta. [1]": the answerer added the full stop, the words are the passage's.
    # "Delta epsilon." is in a.pdf but not in the page-1 passage [1] cites: its page is wrong.
    # "Four five six." is in another passage of b.md: fine, [2] gives no location.
    text = "Alpha beta gamma. [1] Zeta eta. [1] Delta epsilon. [1] Four five six. [2] Nope. [2]"
    assert golden.ungrounded_sentences(text, [located, plain], chunks) == ["Delta epsilon.",
                                                                          "Nope."]
    # a shaped answer's labels are not quoted text; a field line is the document's record
    shaped = ("Method\nWhat it is: Alpha beta gamma. [1]\n- Bee (2020): Four five six. [2]\n"
              "Also in: Bee: One two three. [2] Typical cost: EUR 4 500 [2] Cost: EUR 9 [2]")
    assert golden.ungrounded_sentences(shaped, [located, plain], chunks) == ["Cost: EUR 9"]


# -- summaries ---------------------------------------------------------------------
def test_summarise(make_result):
    results = [
        make_result("a1", retrieved=["a"], facts=True, page=True),
        make_result("a2", retrieved=["x", "a"], facts=False, ts=False),
        make_result("a3", retrieved=["x", "y"], abstained=True, cites_ok=None),
        make_result("o1", type="out_of_scope", expected=(), abstained=True, cites_ok=None),
        make_result("o2", type="out_of_scope", expected=(), abstained=False),
    ]
    s = golden.summarise(results)
    assert (s["questions"], s["answerable"], s["out_of_scope"]) == (5, 3, 2)
    assert s["hit@1"] == pytest.approx(1 / 3, abs=1e-4)  # a1 only (rounded to 4 places)
    assert s["mrr@10"] == pytest.approx((1 + 0.5 + 0) / 3, abs=1e-4)
    assert s["facts_present"] == 0.5 and s["facts_present_n"] == 2  # a3 had no facts to check
    assert s["page_accuracy"] == 1.0 and s["timestamp_accuracy"] == 0.0
    assert s["abstention_oos"] == 0.5 and s["false_abstention"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["citation_validity"] == 1.0 and s["citation_validity_n"] == 3
    rep = golden.report(results)
    assert {f["id"] for f in rep["failures"]} == {"a2", "a3", "o2"}
    assert set(rep["splits"]) == {"tune", "heldout", "all"}


# -- the runner ------------------------------------------------------------------------------------
def test_run_golden_end_to_end(golden_set, settings, hash_embedder):
    corpus, gold = golden_set
    out = golden.run(settings.with_(abstain_threshold=0.0), golden=gold, corpus=corpus,
                     embedder=hash_embedder)
    assert out["store"] == str(settings.store / "eval-golden")
    assert out["documents"] == 3
    by_id = {r["id"]: r for r in out["results"]}
    assert by_id["t-1"]["retrieved"][0] == "toolbox/reverse-pitch.md"
    # the follow-up is searched as a standalone question that borrows the previous one's terms
    assert "reverse pitch" in by_id["t-2"]["query"]
    assert by_id["t-3"]["split"] == "heldout"
    assert out["splits"]["all"]["citation_validity"] == 1.0
    assert out["splits"]["all"]["facts_read"] is not None  # facts found in the passages read
    assert out["splits"]["heldout"]["questions"] == 1


def test_golden_keeps_the_signals_ask_decided_on(golden_set, settings, hash_embedder):
    from kb.api import KnowledgeBase

    corpus, gold = golden_set
    gsettings = golden.golden_settings(settings)
    golden.prepare_store(gsettings, corpus, embedder=hash_embedder)
    kb = KnowledgeBase(gsettings, embedder=hash_embedder)
    items = [i for i in golden.load_golden(gold) if not i.follow_up_of]
    for item, res in zip(items, golden.run_items(items, kb, answers=False), strict=True):
        sig = kb.ask(item.question).signals
        assert sig is not None
        assert (res.top_score, res.unknown_share, res.best_sentence) == \
            (sig.top_score, sig.unknown_share, sig.best_sentence)


@pytest.mark.slow
def test_run_golden_with_the_real_model(golden_set, settings, real_embedder):
    corpus, gold = golden_set
    out = golden.run(settings, golden=gold, corpus=corpus, embedder=real_embedder)
    s = out["splits"]["all"]
    assert s["hit@1"] == 1.0 and s["citation_validity"] == 1.0
    assert s["facts_present"] == 1.0, out["failures"]
    assert s["timestamp_accuracy"] == 1.0 and s["abstention_oos"] == 1.0, out["failures"]


# -- shaped questions: lists and procedures -------------------------------------------------------
def test_shaped_items_are_checked(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "a", "question": "q", "sources": ["x"], "shape": "table"}))
    with pytest.raises(UsageError, match="shape must be"):
        golden.load_golden(bad)
    bad.write_text(json.dumps({"id": "a", "question": "q", "sources": ["x"], "shape": "list"}))
    with pytest.raises(UsageError, match="at least two sources"):
        golden.load_golden(bad)
    bad.write_text(json.dumps({"id": "a", "question": "q", "sources": ["x"],
                               "shape": "procedure"}))
    with pytest.raises(UsageError, match="names the sections"):
        golden.load_golden(bad)


def test_project_has_list_and_procedure_questions_with_a_heldout_quarter():
    items = golden.load_golden()
    for shape in ("list", "procedure"):
        shaped = [i for i in items if i.shape == shape]
        assert len(shaped) >= 15
        assert len([i for i in shaped if i.split == "heldout"]) >= len(shaped) // 4


def test_shape_metrics_in_the_summary(make_result):
    a = make_result("l1", facts=None)
    a.shape, a.list_recall = "list", 0.5
    b = make_result("p1", facts=None)
    b.shape, b.section_coverage, b.sections_quoted = "procedure", 0.75, ["Preparation"]
    b.sections_missing = ["Resources"]
    c = make_result("f1", facts=True)
    c.fact_first = False
    s = golden.summarise([a, b, c])
    assert s["list_recall"] == 0.5 and s["list_n"] == 1
    assert s["section_coverage"] == 0.75 and s["procedure_n"] == 1
    assert s["fact_first"] == 0.0 and s["fact_first_n"] == 1
    problems = {f["id"]: f["problems"] for f in golden.report([a, b, c])["failures"]}
    assert "list cites 0.50 of the expected documents" in problems["l1"]
    assert "procedure misses sections ['Resources'] (quotes ['Preparation'])" in problems["p1"]


def test_run_golden_scores_procedure_sections(golden_set, settings, hash_embedder):
    corpus, gold = golden_set
    (corpus / "toolbox" / "reverse-pitch.md").write_text(
        "---\ntitle: Reverse pitch\ncategory: event\n---\n# Reverse pitch\n\n"
        "## Preparation\nEight weeks ahead the facilitator holds a workshop with the host.\n\n"
        "## Execution\nEach challenge owner presents for ten minutes to the small firms.\n",
        encoding="utf-8")
    (gold / "c.jsonl").write_text(json.dumps(
        {"id": "p-1", "question": "How do we run a reverse pitch workshop with the host?",
         "sources": ["toolbox/reverse-pitch.md"], "shape": "procedure",
         "sections": ["Preparation", "Execution", "Follow-up"], "split": "tune"}) + "\n")
    out = golden.run(settings.with_(abstain_threshold=0.0), golden=gold, corpus=corpus,
                     embedder=hash_embedder)
    p1 = next(r for r in out["results"] if r["id"] == "p-1")
    assert p1["shape"] == "procedure" and p1["sections_quoted"]
    assert set(p1["sections_quoted"]) <= {"Preparation", "Execution"}
    assert p1["section_coverage"] == round(len(p1["sections_quoted"]) / 3, 4)
    assert "Follow-up" in p1["sections_missing"]  # the entry has no such section
    assert out["splits"]["all"]["procedure_n"] == 1
def test_a_recording_span_grounds_quotes_from_every_window_it_overlaps():
    class SpanChunks(FakeChunks):
        times = {"w:0": (0.0, 180.0), "w:1": (180.0, 360.0), "w:2": (360.0, 540.0)}

        def within(self, source: str, start: float, end: float) -> list[str]:
            return [t for cid, (s, t) in self.chunks.items() if s == source
                    and self.times[cid][0] < end and start < self.times[cid][1]]

    chunks = SpanChunks({"w:0": ("w.vtt", "Karin Holm: Budgets are tight."),
                         "w:1": ("w.vtt", "Barry Hughes: We cut travel."),
                         "w:2": ("w.vtt", "Karin Holm: Next item.")})
    span = cite(1, source="w.vtt", snippet="Budgets are tight.", page=None)
    span.start, span.end, span.chunk_id = 0.0, 360.0, "w:0"
    text = ("00:01:10 Karin Holm: Budgets are tight. [1]\n00:03:20 Barry Hughes: We cut travel. [1]"
            "\n00:06:10 Karin Holm: Next item. [1]")
    assert golden.ungrounded_sentences(text, [span], chunks) == ["Next item."]
