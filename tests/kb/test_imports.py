"""Imports run one way and stay cheap.

The layers, innermost first: the core (every module of ``kb`` but ``kb.cli`` and ``kb.ui``:
models, settings, store, embedding, retrieval, answer, ...), then ``ingest``, then the edges
(``kb.cli``, the app: ``kb.ui`` and ``app.py``, ``eval``). A module imports only from its own
layer or an inner one (the app may use ingest, for its upload tab, but not the CLI or eval); the
check reads the source (``ast``), so an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EDGES = ("kb.cli", "kb.ui", "app", "eval", "gradio", "fastapi", "uvicorn")
FORBIDDEN = {"core": ("ingest", *EDGES), "ingest": EDGES, "ui": ("kb.cli", "app", "eval")}
HEAVY = ("torch", "transformers", "sentence_transformers", "chromadb", "onnxruntime", "tokenizers",
         "gradio", "llama_index", "bm25s", "scipy", "numpy", "pypdf", "eval", "ingest", "app")


def layer(path: Path) -> str | None:
    rel = path.relative_to(ROOT).as_posix()
    if rel.startswith("kb/ui/"):
        return "ui"
    if rel.startswith("kb/") and rel != "kb/cli.py":
        return "core"
    if rel.startswith("ingest/"):
        return "ingest"
    return None


def imported(source: str) -> set[str]:
    """Every module an ``import`` or ``from ... import`` names (absolute imports; ``from kb
    import cli`` names ``kb.cli``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            if "." not in node.module:
                names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def violations(path: Path, source: str | None = None) -> list[str]:
    banned = FORBIDDEN.get(layer(path) or "", ())
    source = path.read_text(encoding="utf-8") if source is None else source
    return sorted(f"{path.relative_to(ROOT)} imports {name}" for name in imported(source)
                  if any(name == b or name.startswith(b + ".") for b in banned))


def test_the_core_ingest_and_the_app_never_import_an_outer_layer():
    files = sorted([*ROOT.glob("kb/**/*.py"), *ROOT.glob("ingest/**/*.py")])
    assert len(files) > 20
    assert [v for f in files for v in violations(f)] == []


def test_the_check_sees_an_import_inside_a_function():
    source = ("import numpy\n\ndef f():\n"
              "    from ingest.pipeline import run\n    from kb import cli\n")
    assert violations(ROOT / "kb" / "answer" / "x.py", source) == [
        "kb/answer/x.py imports ingest.pipeline", "kb/answer/x.py imports kb.cli"]


def test_the_core_never_imports_the_app_and_the_app_never_the_cli():
    assert violations(ROOT / "kb" / "store.py", "from kb.ui import render\n") == [
        "kb/store.py imports kb.ui"]
    assert violations(ROOT / "kb" / "ui" / "x.py", "import gradio\nfrom ingest import loaders\n"
                      "from kb import cli\n") == ["kb/ui/x.py imports kb.cli"]


def _modules_after(code: str, top: bool = True) -> set[str]:
    """The modules loaded after ``code`` runs (their top-level names, unless ``top`` is False)."""
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\n"
                          f"print(' '.join(sorted({{m.split('.')[0] if {top} else m "
                          "for m in sys.modules})))"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("code", ["import kb", "import kb.cli; kb.cli.parser('search')",
                                  "import kb.cli; kb.cli.parser('serve')"])
def test_import_kb_and_the_cli_parser_load_nothing_heavy(code):
    assert _modules_after(code) & set(HEAVY) == set()
    assert {m for m in _modules_after(code, top=False) if m.startswith("kb.ui")} == set()


def test_the_bench_parser_loads_eval_only_for_kb_bench():
    assert "eval" in _modules_after("import kb.cli; kb.cli.parser('bench')")
