"""The bench's arithmetic, targets and table, on made-up results (no model); and a smoke run."""

from __future__ import annotations

import json

import pytest

from eval import bench


def test_percentiles_are_nearest_rank():
    values = [i / 1000 for i in range(1, 101)]
    assert bench.latency_ms(values) == {"p50_ms": 50.0, "p95_ms": 95.0, "n": 100}
    assert bench.pct([0.5], 95) == 0.5


def _row(enc, search, ask):
    ms = lambda v: {"p50_ms": v / 2, "p95_ms": v, "n": 10}  # noqa: E731
    return {"chunks": 1, "encoder": ms(enc), "search": ms(search), "search_cached": ms(5),
            "ask": ms(ask)}


def test_targets_from_sections():
    sections = {
        "throughput": {"ratio_ingest_raw": 0.85, "reingest_fraction": 0.08},
        "latency": {"backend": "onnx-int8",
                    "sizes": {"10000": _row(40, 50, 200), "100000": _row(40, 120, 300)}},
        "latency-torch": {"backend": "torch", "sizes": {"10000": _row(40, 70, 100)}},
        "memory": {"ingest_corpus": {"peak_rss_mb": 900.0}, "note": "x"},
    }
    got = {t["name"]: t["met"] for t in bench.targets(sections)}
    assert got == {
        "ingest / SentenceTransformer.encode throughput": True,
        "re-ingest of an unchanged corpus / first ingest": False,
        "search p95 / encoder p95 at 10,000 chunks (onnx-int8)": True,
        "ask p95 / search p95 at 10,000 chunks (onnx-int8)": False,
        "search p95 100,000 / 10,000 chunks (onnx-int8)": False,
        "search p95 / encoder p95 at 10,000 chunks (torch)": False,
        "ask p95 / search p95 at 10,000 chunks (torch)": True,
        "peak RSS memory/ingest_corpus (MB)": True,
    }


def test_latency_with_another_backend_is_kept_beside_the_default():
    from kb.settings import Settings

    assert bench._key("latency", Settings()) == "latency"
    assert bench._key("latency", Settings(embed_backend="torch")) == "latency-torch"
    assert bench._key("memory", Settings(embed_backend="torch")) == "memory"


def test_save_merges_sections_and_table_renders(tmp_path):
    out = tmp_path / "bench.json"
    bench.save(out, {"latency": {"sizes": {"10000": _row(40, 50, 100)}, "load_before": [1, 1, 1],
                                 "load_after": [2, 2, 2]}}, ["--only", "latency"])
    data = bench.save(out, {"peer": {"kb": {"ingest_s": 10, "hit@5": 0.9},
                                     "llama_index": {"ingest_s": 20, "hit@5": 0.7, "chunks": 99}}},
                      ["--only", "peer"])
    assert set(data["sections"]) == {"latency", "peer"} and len(data["runs"]) == 2
    text = bench.table(json.loads(out.read_text()))
    assert "10,000" in text and "llama-index ingest 20 s" in text and "MET" in text


def test_unknown_sections_are_refused():
    from argparse import Namespace

    from kb.errors import UsageError

    with pytest.raises(UsageError):
        bench.chosen_sections(Namespace(only="latency,nope", quick=False))
    assert bench.chosen_sections(Namespace(only=None, quick=True, load=True)) == [
        "throughput", "latency", "load"]


@pytest.mark.slow
def test_quick_bench_on_a_tiny_store(tmp_path, tiny_corpus, eval_data):
    from kb.settings import Settings

    out = tmp_path / "bench.json"
    code = bench.main(["--quick", "--store", str(tmp_path / "store"), "--corpus", str(tiny_corpus),
                       "--eval-data", str(eval_data), "--sizes", "12", "--questions", "3",
                       "--out", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    t = data["sections"]["throughput"]
    assert t["chunks"] > 0 and t["ratio_ingest_raw"] > 0 and t["reingest"][0]["unchanged"] == 1
    for ratios in (t["ratios_to_raw"], t["ratios_to_encoder"]):
        assert ratios["with_sentence_vectors"] > 0 and ratios["without_sentence_vectors"] > 0
    assert t["ratio_ingest_raw"] == t["ratios_to_raw"]["with_sentence_vectors"]  # default: on
    assert t["raw_best"] > 0 and t["encoder_best"] > 0
    assert t["backend"] == Settings.from_env().embed_backend
    assert "SentenceTransformer.encode" in bench.table(data)
    row = data["sections"]["latency"]["sizes"]["12"]
    assert row["chunks"] == 12 and row["search"]["n"] == 3 and row["ask"]["p95_ms"] > 0
    assert (tmp_path / "store" / "bench" / "12" / "bench-ready.json").is_file()


def test_every_registered_benchmark_loads_under_its_name():
    from eval.bench.registry import REGISTRY, benchmark

    for name in REGISTRY:
        assert benchmark(name).name == name
    assert benchmark("latency-torch") is benchmark("latency")


def test_coldstart_ratios_are_targets_and_rows():
    c = {"bare_imports": {"wall_s": 2.0, "cpu_s": 1.0, "peak_rss_mb": 117},
         "search": {"wall_s": 3.0, "cpu_s": 1.5, "peak_rss_mb": 250, "wall_ratio": 1.5,
                    "cpu_ratio": 1.5},
         "ask": {"wall_s": 5.0, "cpu_s": 2.5, "peak_rss_mb": 260, "wall_ratio": 2.5,
                 "cpu_ratio": 2.5}, "runs": 3}
    got = {t["name"]: t["met"] for t in bench.targets({"coldstart": c})}
    assert list(got.values()) == [True, False] and "search" in list(got)[0]
    text = bench.table({"sections": {"coldstart": c}, "targets": []})
    assert "search/bare 1.5" in text and "ask/bare 2.5" in text


class Dummy(bench.Benchmark):
    name = "dummy"

    def run(self, ctx):
        return {"value": len(ctx.sizes)}

    def table(self, result, key):
        return [(key, f"dummy value {result['value']}", "")]


def test_a_new_benchmark_is_one_registry_line(tmp_path, monkeypatch, capsys):
    from argparse import Namespace

    from eval.bench import registry
    from kb.settings import Settings

    monkeypatch.setitem(registry.REGISTRY, "dummy", "tests.bench.test_bench:Dummy")
    out = tmp_path / "bench.json"
    args = Namespace(only="dummy", out=str(out), sizes="1,2", quick=False, json=False)
    assert bench.run_bench(args, Settings(store=tmp_path / "store")) == 0
    assert json.loads(out.read_text())["sections"]["dummy"]["value"] == 2
    assert "dummy value 2" in capsys.readouterr().out


def test_plot_draws_the_sections_that_can(tmp_path):
    from eval.bench.run import plot

    data = {"sections": {"latency": {"backend": "onnx-int8", "sizes": {
        "1000": _row(30, 40, 90), "10000": _row(40, 50, 100)}},
        "peer": {"kb": {"ingest_s": 1, "hit@5": 1}, "llama_index": {}}}}
    assert plot(data, tmp_path / "bench.png") == tmp_path / "bench.png"
    assert (tmp_path / "bench.png").stat().st_size > 1000
    assert plot({"sections": {"peer": data["sections"]["peer"]}}, tmp_path / "none.png") is None
