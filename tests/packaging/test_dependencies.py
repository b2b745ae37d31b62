"""pyproject.toml tells the truth: every third-party module the code imports comes from a
declared distribution, and every declared distribution is imported.

- ``kb/`` (with the app, ``kb/ui``), ``ingest/`` and ``app.py`` (its entry): the main
  dependencies;
- ``eval/``: the main dependencies and the ``eval`` extra.

A module is traced to the distribution whose installed files hold it (so ``llama_index.core``
and ``llama_index.llms.openai_like`` are told apart).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN = {"kb", "ingest", "eval", "app", "tests", "__future__"}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def names(requirements: list[str]) -> set[str]:
    return {normal(re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0]) for r in requirements}


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def third_party_imports(paths: list[Path]) -> set[str]:
    """Dotted names of the absolute imports that are neither standard library nor kb's own
    (``from a.b import c`` gives ``a.b``)."""
    out = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found = [node.module]
            else:
                continue
            out.update(m for m in found if m.split(".")[0] not in
                       (OWN | set(sys.stdlib_module_names)))
    return out


@cache
def _top_level() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def distribution(module: str) -> str:
    """The distribution that holds ``module``: the only one that provides its top-level name,
    or (a namespace such as ``llama_index``) the one whose files hold the module's source."""
    top = module.split(".")[0]
    candidates = sorted(set(_top_level().get(top, [])))
    assert candidates, f"no installed distribution provides {module}"
    if len(candidates) == 1:
        return normal(candidates[0])
    parts = module.split(".")
    # the shortest prefix below the namespace that is a real package (not imported: find_spec
    # imports the parents only, and those are namespaces)
    origins = (getattr(importlib.util.find_spec(".".join(parts[:k])), "origin", None)
               for k in range(2, len(parts) + 1))
    origin = next((o for o in origins if o and o.endswith(".py")), None)
    assert origin, f"cannot find {module}"
    parts = Path(origin).parts
    relative = "/".join(parts[len(parts) - 1 - parts[::-1].index(top):])
    owners = [d for d in candidates
              if any(str(f) == relative for f in metadata.distribution(d).files or ())]
    assert len(owners) == 1, f"{module}: held by {owners} of {candidates}"
    return normal(owners[0])


def used(paths: list[Path]) -> dict[str, str]:
    return {m: distribution(m) for m in sorted(third_party_imports(paths))}


def core_files() -> list[Path]:
    return [*ROOT.glob("kb/**/*.py"), *ROOT.glob("ingest/**/*.py"), ROOT / "app.py"]


def test_kb_ingest_and_the_app_import_only_declared_distributions():
    declared = names(project()["dependencies"])
    undeclared = {m: d for m, d in used(core_files()).items() if d not in declared}
    assert undeclared == {}


def test_every_main_dependency_is_imported_by_kb_ingest_or_the_app():
    assert names(project()["dependencies"]) - set(used(core_files()).values()) == set()


def test_eval_imports_only_main_and_eval_distributions_and_uses_its_extra():
    extra = names(project()["optional-dependencies"]["eval"])
    declared = names(project()["dependencies"]) | extra
    got = used(list(ROOT.glob("eval/**/*.py")))
    assert {m: d for m, d in got.items() if d not in declared} == {}
    assert extra - set(got.values()) == set()
