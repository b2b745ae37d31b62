"""eval.report: the external, small-store and shaped-question parts of the README section, and
commands without this machine's paths."""

from __future__ import annotations

from eval import report


def external_out(name: str, kb: float, base: float) -> dict:
    return {"set": name, "documents": 9, "command": f"kb eval --store /tmp/x/store --results "
            f"/tmp/r --external /work/shared/eval-data --set {name}",
            "summary": {"questions": 40, "kb_fact": kb, "base_fact": base, "kb_first": 0.5,
                        "base_first": 0.4, "read": 0.9, "abstained": 0.0,
                        "mean_sentences": 5.0}}


def test_section_reports_external_sets_and_small_stores():
    results = {
        "external-qmsum": external_out("qmsum", 0.6, 0.5),
        "external-eu-call-topics": external_out("eu-call-topics", 0.8, 0.625),
        "golden-small-store": {"stores": 50, "others": 10, "documents_per_store": [11, 12],
                               "answerable": 93, "out_of_scope": 17, "false_abstention": 0.0215,
                               "false_abstentions": ["tbb-001", "rep-004"],
                               "abstention_oos": 1.0, "facts_present": 0.85,
                               "command": "kb eval --small-store --store /tmp/h/store"},
    }
    results["external-eu-call-topics"]["summary"].update(
        fact_kb_only=9, fact_base_only=2, fact_sign_p=0.0654)
    text = report.section(results)
    assert "| eu-call-topics | 40 | 9 | 0.800 | 0.625 | 9 / 2 (p 0.065) |" in text
    assert "| qmsum | 40 | 9 | 0.600 | 0.500 | - |" in text  # a file from before the counts
    assert text.index("| eu-call-topics") < text.index("| qmsum")  # a fixed order
    assert "Declined: tbb-001, rep-004." in text
    assert "| answerable questions declined (false abstention) | 0.021 | 93 |" in text
    assert "kb eval --store DIR --external ../shared/eval-data --set qmsum" in text
    assert "kb eval --small-store --store DIR" in text
    assert "/tmp/" not in text and "/work/" not in text


def test_portable_commands():
    got = report.portable("kb eval --beir /work/shared/eval-data/scifact --store /tmp/s --tune")
    assert got == "kb eval --beir ../shared/eval-data/scifact --store DIR --tune"
    assert report.portable("kb eval --beir ../shared/eval-data/scifact") == \
        "kb eval --beir ../shared/eval-data/scifact"


def test_section_reports_hostile_input_and_bench_sections_run_only_by_name():
    refused = {"file_mb": 4.0, "seconds": 33.0, "peak_rss_mb": 700.0, "met": True,
               "target": "refused by a per-document limit",
               "failed": ["too many chunks: more than 16,000 (KB_MAX_DOC_CHUNKS); split it"]}
    results = {
        "bench-hostile": {"cpus": 2, "measured_at": "2026-12-08T00:15:24+00:00",
                          "big_text": {**refused, "file_mb": 50.0, "peak_rss_mb": 510.4,
                                       "target": "peak < 1536 MB"},
                          "repetitive": {"no_spaces_4mb": refused},
                          "questions": {"idle_s": {"median": 0.175},
                                        "under_attack_s": {"median": 0.144}, "ratio": 0.82,
                                        "refused": 28, "oversized_questions": 28,
                                        "target": "ratio <= 2", "met": False}},
        "bench": {"sections": {"ocr": {}, "throughput": {}}, "targets": []},
    }
    text = report.section(results)
    assert "### Hostile input" in text
    assert "| peak RSS of `kb ingest` on a 50 MB random text file | 510 MB" in text
    assert ("| 4 MB of text without spaces | too many chunks: more than 16,000 "
            "(KB_MAX_DOC_CHUNKS) (33 s) | refused by a per-document limit | met |") in text
    assert "= 0.82 (28/28 refused) | ratio <= 2 | missed |" in text
    assert "python -m eval.bench.hostile" in text
    assert "kb bench --only ocr" in text and "kb bench --only throughput" not in text


def test_qmsum_section_reports_systems_and_chapters():
    row = {g: {"hit@1": 0.5, "hit@5": 0.75, "hit@10": 0.8, "mrr@10": 0.6} for g in
           ("specific", "summary")}
    out = {"meetings": 35, "queries": {"specific": 237, "summary": 40}, "words_per_minute": 150,
           "kb": {"search": row, "ask_retrieval": row, "in_meeting": row,
                  "chapters": {"tolerance_seconds": 60, "boundary_f1": 0.3,
                               "evenly_spaced_f1": 0.2, "chapters_per_meeting": 6.0,
                               "topics_per_meeting": 5.0}},
           "llama_index": {"search": row},
           "command": "kb eval --qmsum /work/shared/eval-data/qmsum/val.jsonl --store /tmp/q"}
    text = report.section({"qmsum": out})
    assert "### Meetings (QMSum val, 35 meetings)" in text
    assert "| plain llama-index | specific | 0.500 | 0.750 | 0.800 | 0.600 |" in text
    assert "F1 0.300, beside 0.200 for as many evenly spaced boundaries" in text
    assert "kb eval --qmsum ../shared/eval-data/qmsum/val.jsonl --store DIR" in text
