"""Fixtures for the app tests: a small store (a few corpus files, an XSS fixture document and a
symlink out of the corpus), and the app itself started as ``python app.py`` on a free loopback port.

Both are session-scoped: the store is ingested once and the app started once for all app tests.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
# A few files of each kind; globs, because the corpus is still growing.
CORPUS_PICKS = [
    "toolbox/reverse-pitch.md",
    "toolbox/innovation-vouchers-for-smes.md",
    "toolbox/member-onboarding-in-the-first-month.md",
    "reports/*hydrogen*.pdf",
    "reports/*.html",
    "webinars/reverse-pitch*.vtt",
]
XSS_TITLE = "Quokka counting <script>alert(1)</script>"
XSS_BODY = ("The quokka counting method <script>alert(1)</script> <img src=x onerror=alert(1)> "
            "helps a cluster count its quokkas once a year. A quokka census is written in the "
            "quokka ledger.")
XSS_DOC = f"""---
title: "{XSS_TITLE}"
category: tool
tags: [quokka, "<img src=x onerror=alert(1)>"]
contributed_by: "Quokka <b>Cluster</b> (Nowhere)"
---
# {XSS_TITLE}

## Purpose
{XSS_BODY}

## Steps
Count every quokka twice and write both counts in the quokka ledger ${{7*7}} {{{{7*7}}}}.
"""
SECRET = "secret text outside the corpus"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    return {**env, **extra}


def make_corpus(folder: Path, outside: Path) -> Path:
    for pattern in CORPUS_PICKS:
        for src in sorted(CORPUS.glob(pattern))[:1]:
            dest = folder / src.relative_to(CORPUS)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    (folder / "toolbox").mkdir(parents=True, exist_ok=True)
    (folder / "toolbox" / "quokka-counting.md").write_text(XSS_DOC, encoding="utf-8")
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.md").write_text(f"# Secret\n\n{SECRET}\n", encoding="utf-8")
    (folder / "toolbox" / "linked-secret.md").symlink_to(outside / "secret.md")
    return folder


@pytest.fixture(scope="session")
def app_store(tmp_path_factory) -> Path:
    """A store ingested from a small corpus; the CLI runs in its own process."""
    base = tmp_path_factory.mktemp("app")
    corpus = make_corpus(base / "corpus", base / "outside")
    store = base / "store"
    done = subprocess.run([sys.executable, "-m", "kb.cli", "ingest", str(corpus), "--store",
                           str(store)], cwd=ROOT, env=clean_env(), capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    return store


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            pytest.fail(f"the app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - started
        except urllib.error.HTTPError:
            return time.perf_counter() - started  # it answers (a login page, say)
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    pytest.fail(f"the app did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def running_app(store: Path, log: Path, **env: str) -> Iterator[str]:
    """``python app.py`` on a free loopback port, stopped (SIGTERM, then SIGKILL) at the end."""
    port = free_port()
    env = clean_env(KB_STORE=str(store), KB_HOST="127.0.0.1", KB_PORT=str(port), **env)
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        seconds = _wait_until_up(url, proc, log, timeout=120)
        print(f"\napp answered after {seconds:.1f} s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def app_runner():
    """``running_app`` for tests that need an app of their own (other settings)."""
    return running_app


@pytest.fixture(scope="session")
def app_url(app_store, tmp_path_factory) -> Iterator[str]:
    """The app over the small store, uploads on (at most 1 MB), no login."""
    log = tmp_path_factory.mktemp("applog") / "app.log"
    with running_app(app_store, log, KB_ALLOW_UPLOAD="1", KB_MAX_UPLOAD_MB="1") as url:
        yield url


@pytest.fixture(scope="session")
def docs_by_source(app_store) -> dict[str, dict]:
    import json

    done = subprocess.run([sys.executable, "-m", "kb.cli", "docs", "--json", "--store",
                           str(app_store)], cwd=ROOT, env=clean_env(), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return {d["source"]: d for d in json.loads(done.stdout)}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
