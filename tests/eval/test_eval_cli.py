"""eval.cli (``kb eval``) and eval.report on the tiny BEIR folder and golden set (hash embedder)."""

from __future__ import annotations

import argparse
import json

import pytest

from eval import cli, report


@pytest.fixture
def results_dir(tmp_path, monkeypatch, hash_embedder):
    """JSON goes to tmp_path, and every model load gets the hash embedder."""
    import kb.embedding

    folder = tmp_path / "results"
    monkeypatch.setattr(cli, "RESULTS", folder)
    monkeypatch.setattr(kb.embedding, "get_embedder", lambda settings: hash_embedder)
    return folder


def args(**kw) -> argparse.Namespace:
    base = dict(beir=None, golden=None, corpus=None, plot=None, json=False, store=None)
    return argparse.Namespace(**{**base, **kw})


def test_beir_json_plot_and_results_file(make_beir, tmp_path, settings, results_dir, capsys):
    folder = make_beir()
    png = tmp_path / "beir.png"
    assert cli.run_eval(args(beir=str(folder), json=True, plot=str(png)), settings) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"dataset", "queries", "modes", "published"} <= set(out)
    assert set(out["modes"]) == {"dense", "bm25", "hybrid"}
    assert set(out["modes"]["hybrid"]) == {"ndcg@10", "recall@100", "mrr@10"}
    assert json.loads((results_dir / "beir-tiny.json").read_text())["modes"] == out["modes"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_beir_tune_table(make_beir, settings, results_dir, capsys):
    folder = make_beir()
    assert cli.run_eval(args(beir=str(folder), tune=True), settings) == 0
    text = capsys.readouterr().out
    assert "tuning sweep on the train split" in text and "minmax" in text and "rrf" in text
    assert (results_dir / "beir-tiny-tune.json").is_file()


def test_golden_table_calibration_and_report(make_beir, golden_set, tmp_path, settings,
                                             results_dir, capsys):
    corpus, gold = golden_set
    png = results_dir / "golden.png"  # a plot beside the results is shown in the README
    assert cli.run_eval(args(golden=str(gold), corpus=str(corpus), plot=str(png)), settings) == 0
    text = capsys.readouterr().out
    assert "hit@5" in text and "heldout (1)" in text and png.is_file()
    assert cli.run_eval(args(golden=str(gold), corpus=str(corpus), calibrate=True), settings) == 0
    assert "threshold" in capsys.readouterr().out
    assert (results_dir / "golden-calibration.json").is_file()
    cli.run_eval(args(beir=str(make_beir()), json=True), settings)
    capsys.readouterr()

    readme = tmp_path / "README.md"
    readme.write_text("# kb\n\n## Results\n<!-- results:start -->\nold\n"
                      "<!-- results:end -->\nafter\n")
    assert report.main(["--readme", str(readme), "--results", str(results_dir)]) == 0
    new = readme.read_text()
    assert "\nold\n" not in new and new.startswith("# kb\n")
    assert new.endswith("<!-- results:end -->\nafter\n")
    assert "### Golden set" in new and "### BEIR tiny (test split)" in new
    assert "| kb BM25 (bm25s, stemmed) |" in new and "cores" in new
    assert "python -m eval.report" in new
    assert "![golden](results/golden.png)" in new


def test_report_needs_markers(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# kb\n")
    results = tmp_path / "results"
    results.mkdir()
    (results / "golden.json").write_text("{}")
    assert report.main(["--readme", str(readme), "--results", str(results)]) == 1
    assert "<!-- results:start -->" in capsys.readouterr().err
    assert report.main(["--readme", str(tmp_path / "none.md"), "--results", str(results)]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert report.main(["--print", "--results", str(tmp_path / "empty")]) == 1
    assert "no results" in capsys.readouterr().err


def test_results_go_to_another_folder_when_asked(make_beir, tmp_path, settings, results_dir,
                                                 capsys):
    """Experiments must not overwrite the results the README reports."""
    elsewhere = tmp_path / "experiment"
    assert cli.run_eval(args(beir=str(make_beir()), results=str(elsewhere)), settings) == 0
    assert (elsewhere / "beir-tiny.json").is_file()
    assert not results_dir.exists() or not any(results_dir.iterdir())
