"""The app's view of the store while another process ingests: a ``KnowledgeBase`` in this process
keeps answering ``search`` during a ``kb ingest`` subprocess, and afterwards finds the new
documents (and loses the deleted ones) without being re-created."""

from __future__ import annotations

import queue
import random
import time

import pytest

from kb.api import KnowledgeBase
from kb.settings import Settings
from kb.testing import HashEmbedder
from tests.robust.conftest import DIM, child_env, ingest_ok, kb_child, make_corpus, write_item

pytestmark = pytest.mark.slow


def top_source(kb: KnowledgeBase, query: str, **filters) -> str | None:
    hits = kb.search(query, k=3, filters=filters or None)
    return hits[0].source if hits else None


class Writer:
    """Where a traced ``kb ingest`` is, read from its events without waiting."""

    def __init__(self, proc) -> None:
        self.proc, self.wrote, self.finishing = proc, 0, False

    def poll(self) -> None:
        while not self.finishing:
            try:
                event = self.proc.events.get_nowait()
            except queue.Empty:
                return
            if event is None or event == "finish":  # ended, or the BM25 swap begins
                self.finishing = True
            elif event.startswith("wrote "):
                self.wrote += 1


def eventually(check, timeout: float = 10.0):
    """The reader looks for a new generation at most once a second (SearchIndexCache.interval)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def reader_writer(request, tmp_path) -> tuple[Settings, dict]:
    """The reader's settings and the writer's environment: one embedded store folder, or one
    Chroma server with a cache folder each."""
    if request.param == "embedded":
        return Settings(store=tmp_path / "store"), child_env(tmp_path / "store")
    url = request.getfixturevalue("chroma_server")
    return (Settings(store=tmp_path / "reader", chroma_url=url),
            child_env(tmp_path / "writer", KB_CHROMA_URL=url))


def test_reader_keeps_answering_during_an_ingest_and_then_sees_the_new_documents(
        reader_writer, tmp_path):
    settings, env = reader_writer
    logs, rng = tmp_path / "logs", random.Random(7)
    ingest_ok([make_corpus(tmp_path / "old", 6, rng)], env, logs)
    kb = KnowledgeBase(settings, embedder=HashEmbedder(DIM))
    assert top_source(kb, "uniq1v0s0") == "toolbox/tool-001.md"

    new = tmp_path / "new"
    for i in range(100, 130):
        write_item(new, i, rng)
    proc = kb_child(["ingest", str(new), "--json"], env, logs)
    writer, searches = Writer(proc), 0
    while not writer.finishing:  # until every document is written and the BM25 swap begins
        writer.poll()
        assert top_source(kb, "uniq1v0s0") == "toolbox/tool-001.md"
        assert top_source(kb, "uniq2v0s0", kind="toolbox") == "toolbox/tool-002.md"
        searches += bool(writer.wrote)
    rc, out, err = proc.finish()
    assert rc == 0, err[-3000:]
    assert searches, "no search ran while the documents were being written"

    def sees_new_documents():
        assert top_source(kb, "uniq100v0s0") == "toolbox/tool-100.md"
        assert top_source(kb, "wuniq101v0c0", kind="transcript") == "webinars/talk-101.vtt"
        assert len(kb.docs()) == 36

    eventually(sees_new_documents)
    # the dense side too: the new chunk's own vector finds it in this process's vector index
    store = kb.retriever.store
    got = store.get(where={"source": "toolbox/tool-100.md"})
    qvec = kb.embedder.embed_query(got["texts"][0])
    assert store.query(qvec, 1)[0][0] == got["ids"][0]
    answer = kb.ask(" ".join(got["texts"][0].split()[:12]))
    assert "toolbox/tool-100.md" in {c.source for c in answer.citations}, answer


def test_embedded_reader_sees_what_another_process_changed(tmp_path):
    """Minimal: one ingest in another process (a change, a deletion, an addition), then search."""
    store, logs, rng = tmp_path / "store", tmp_path / "logs", random.Random(8)
    folder = make_corpus(tmp_path / "corpus", 4, rng)
    env = child_env(store)
    ingest_ok([folder], env, logs)
    kb = KnowledgeBase(Settings(store=store), embedder=HashEmbedder(DIM))
    assert top_source(kb, "uniq2v0s0") == "toolbox/tool-002.md"

    write_item(folder, 1, rng, version=5)
    (folder / "toolbox" / "tool-002.md").unlink()
    write_item(folder, 9, rng)
    ingest_ok([folder], env, logs)

    def sees_the_changes():
        assert top_source(kb, "uniq9v0s0") == "toolbox/tool-009.md"
        assert top_source(kb, "uniq1v5s0") == "toolbox/tool-001.md"
        hits = kb.search("uniq2v0s0 uniq1v0s0")
        assert not [h.source for h in hits if h.source == "toolbox/tool-002.md"
                    or "uniq1v0s0" in h.text], "a deleted or replaced chunk is still found"

    eventually(sees_the_changes)
