"""Hermetic tests: every store lives in tmp_path, KB_* variables are cleared, nothing goes
online."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

import kb  # noqa: F401  (sets the offline environment first)
from kb.settings import Settings
from kb.testing import HashEmbedder

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
EVAL_DATA = ROOT.parent / "shared" / "eval-data"


@pytest.fixture(autouse=True)
def env_setup(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("KB_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("KB_STORE", str(tmp_path / "store"))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(store=tmp_path / "store", lock_timeout=2)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def hash_model(monkeypatch) -> None:
    """CLI commands in this test load the hash embedder instead of the real model."""
    monkeypatch.setattr("kb.embedding._load", lambda *a: HashEmbedder())


@pytest.fixture(scope="session")
def real_embedder():
    from kb.embedding import get_embedder

    return get_embedder(Settings())


@pytest.fixture(scope="session")
def corpus_kb(tmp_path_factory, real_embedder):
    """The starter corpus ingested once with the real model into a real Chroma store."""
    from ingest.pipeline import run

    store = tmp_path_factory.mktemp("corpus-store")
    s = Settings(store=store)
    report = run([CORPUS], s, embedder=real_embedder)
    assert not report.failed, report.failed
    return kb.KnowledgeBase(s, embedder=real_embedder)


# A small toolbox entry that several tests ingest.
SUPPLIER_DAY = """
    ---
    title: Supplier day
    category: event
    ---
    # Supplier day
    ## Purpose
    A large buyer meets sixty potential suppliers in one day of short meetings.
    ## Resources
    The supplier day costs EUR 21 560 gross and EUR 4 830 net after fees.
    """


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def make_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    """A PDF with a real text layer, one string per page (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    if title:
        c.setTitle(title)
    for text in pages:
        y = 800
        for line in text.splitlines():
            c.drawString(50, y, line)
            y -= 14
        c.showPage()
    c.save()
    return path
