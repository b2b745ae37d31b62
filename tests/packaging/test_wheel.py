"""The wheel a user installs: built from a copy of the source, installed into a new virtual
environment, and ``kb`` run from outside the checkout.

What is checked as a user gets it: the files in the wheel (``kb`` and ``ingest`` only, no
``app`` or ``eval``; the app's CSS and JavaScript inside ``kb/ui``), the ``kb`` entry point,
ingest/docs/search/ask on a small corpus, that nothing is written into site-packages while they
run, that ``kb serve`` answers on a loopback port, and that ``kb eval``/``kb bench`` say they need
the checkout.

What is not: resolving the dependencies from the index. That needs the network and takes minutes
(``pip install torch==2.13.0`` then the wheel, about 2 GB), so the new environment sees this
environment's site-packages through a ``.pth`` line after its own: ``kb`` itself comes from the
wheel (asserted), its dependencies from here. That the declared dependencies are the right ones
is ``test_dependencies.py``'s job; the full install was timed by hand (docs/decisions/16.md).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
SAMPLE = ["toolbox/reverse-pitch.md",
          "webinars/reverse-pitch-tverrfjord-process-cluster.vtt"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``pip wheel`` of a copy of the source (the build writes build/ and *.egg-info)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("kb", "ingest"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--no-index", "-q", str(src), "-w", str(out)], check=True, timeout=300,
                   capture_output=True)
    (found,) = out.glob("kb-*.whl")
    return found


@pytest.fixture(scope="module")
def env(wheel, tmp_path_factory) -> Path:
    """A new virtual environment with the wheel installed (``--no-deps``; see the docstring)."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                                "get_paths()['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--no-index", "-q", str(wheel)], check=True, timeout=300, capture_output=True)
    return home


def test_the_wheel_holds_kb_and_ingest_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"kb", "ingest"}
    assert {"kb/ui/server.py", "kb/ui/static/app.css", "kb/ui/static/app.js"} <= set(names)


def _site(env: Path) -> Path:
    (site,) = env.glob("lib/python*/site-packages")
    return site


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("KB_")}


def _kb(env: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(env / "bin" / "kb"), *args], cwd=cwd, env=_environ(),
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def work(env, tmp_path_factory) -> tuple[Path, set[str], subprocess.CompletedProcess]:
    """A folder with two documents ingested into ``store`` by the installed kb; the files of
    site-packages before the ingest, and the ingest's result."""
    work = tmp_path_factory.mktemp("work")
    for rel in SAMPLE:
        (work / "docs" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / rel, work / "docs" / rel)
    before = _files(_site(env))
    return work, before, _kb(env, work, "ingest", "docs", "--store", str(work / "store"))


def test_the_installed_kb_ingests_searches_and_answers(env, work):
    work, before, ingested = work
    assert ingested.returncode == 0, ingested.stderr[-2000:]
    where = _kb(env, work, "--help")
    assert where.returncode == 0 and "ingest" in where.stdout

    steps = [("docs",), ("search", "reverse pitch", "--k", "3"),
             ("ask", "How does a reverse pitch work?")]
    done = [_kb(env, work, *step, "--store", str(work / "store")) for step in steps]
    for step, got in zip(steps, done, strict=True):
        assert got.returncode == 0, (step, got.stderr[-2000:])
    assert "2 documents" in done[0].stdout
    assert "reverse-pitch" in done[1].stdout
    assert "Sources:" in done[2].stdout
    assert _files(_site(env)) == before  # nothing written into site-packages
    origin = subprocess.run([str(env / "bin" / "python"), "-c", "import kb; print(kb.__file__)"],
                            cwd=work, capture_output=True, text=True,
                            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert origin.stdout.strip().startswith(str(_site(env)))  # the wheel's kb, not the checkout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _page(url: str, proc: subprocess.Popen, timeout: float) -> str:
    """The page at ``url`` once the server answers, or a failure with the server's output."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        assert proc.poll() is None, proc.communicate()[0][-3000:]
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                assert r.status == 200
                return r.read().decode("utf-8")
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    pytest.fail(f"kb serve did not answer within {timeout} s")


def test_the_installed_kb_serves_the_app(env, work):
    work, _, ingested = work
    assert ingested.returncode == 0, ingested.stderr[-2000:]
    port = _free_port()
    proc = subprocess.Popen([str(env / "bin" / "kb"), "serve", "--store", str(work / "store"),
                             "--host", "127.0.0.1", "--port", str(port)], cwd=work,
                            env=_environ(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        page = _page(f"http://127.0.0.1:{port}/", proc, timeout=120)
        assert "kb: cluster knowledge base" in page
        assert "kb-cite" in page  # the app's JavaScript, read from the wheel's kb/ui/static
    finally:
        proc.terminate()
        try:
            out = proc.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            out = proc.communicate()[0]
    assert "2 documents" in out


@pytest.mark.parametrize("command", ["eval", "bench"])
def test_checkout_only_commands_say_so(env, tmp_path, command):
    got = _kb(env, tmp_path, command)
    assert got.returncode == 2
    assert "needs the repository checkout" in got.stderr
