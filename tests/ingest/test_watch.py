"""The folder watcher: every change under it reaches the store, through the normal ingest."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from ingest.watch import check_folders, watch
from kb.api import KnowledgeBase
from kb.errors import UsageError
from kb.store import Store
from tests.conftest import ROOT, write

TOOL = "---\ntitle: {title}\ncategory: event\n---\n# {title}\n\n## Purpose\n{body}\n"
PASS = "pass"


class Watcher:
    """``watch`` in a thread; ``next_pass()`` gives the changes of the next ingest pass."""

    def __init__(self, root, settings, embedder, settle=0.3):
        self.events, self.stop = queue.Queue(), threading.Event()
        self.thread = threading.Thread(target=self._run, args=(root, settings, embedder, settle),
                                       daemon=True)
        self.thread.start()

    def _run(self, root, settings, embedder, settle):
        for change in watch([root], settings, embedder=embedder, stop=self.stop, debounce_ms=100,
                            settle=settle, on_pass=lambda: self.events.put(PASS)):
            self.events.put(change)

    def next_pass(self, timeout=30.0):
        changes = []
        while (item := self.events.get(timeout=timeout)) != PASS:
            changes.append(item)
        return sorted((c.action, c.source) for c in changes)

    def close(self):
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def watched(tmp_path, settings, hash_embedder):
    root = tmp_path / "folder"
    write(root / "toolbox" / "a.md", TOOL.format(title="Alpha", body="Alpha uses zanzibar."))
    w = Watcher(root, settings, hash_embedder)
    assert w.next_pass() == [("added", "toolbox/a.md")]  # the catch-up pass
    yield root, w
    w.close()


def texts(settings):
    store = Store(settings)
    got = store.chunks.get(include=["metadatas"])
    return {m["source"]: m.get("kb_text", "") for m in got["metadatas"]}


def test_add_change_delete_and_rename(watched, settings, hash_embedder):
    root, w = watched
    write(root / "toolbox" / "b.md", TOOL.format(title="Beta", body="Beta uses quokka."))
    assert w.next_pass() == [("added", "toolbox/b.md")]
    write(root / "toolbox" / "a.md", TOOL.format(title="Alpha", body="Alpha now uses narwhal."))
    assert w.next_pass() == [("updated", "toolbox/a.md")]
    (root / "toolbox" / "b.md").unlink()
    assert w.next_pass() == [("removed", "toolbox/b.md")]
    (root / "toolbox" / "a.md").rename(root / "toolbox" / "alpha.md")
    assert w.next_pass() == [("added", "toolbox/alpha.md"), ("removed", "toolbox/a.md")]
    hits = KnowledgeBase(settings, embedder=hash_embedder).search("narwhal", k=3)
    assert [h.source for h in hits] == ["toolbox/alpha.md"]


def test_a_file_that_turns_corrupt_keeps_its_last_good_version(watched, settings):
    root, w = watched
    (root / "toolbox" / "a.md").write_bytes(b"---\ntitle: [unclosed\n---\n\xff\xfe")
    changes = []
    while not changes:
        changes = w.next_pass()
    assert changes == [("failed", "toolbox/a.md")]
    assert "zanzibar" in texts(settings)["toolbox/a.md"]


def test_a_file_still_being_written_is_read_once_complete(tmp_path, settings, hash_embedder):
    root = tmp_path / "folder"
    root.mkdir()
    w = Watcher(root, settings, hash_embedder, settle=1.0)
    assert w.next_pass() == []
    with open(root / "slow.md", "w", encoding="utf-8") as f:
        for part in ("---\ntitle: Slow\n---\n# Slow\n\n", "First part. ", "Last part arrives."):
            f.write(part)
            f.flush()
            time.sleep(0.4)  # longer than the debounce, shorter than the settle time
    assert w.next_pass() == [("added", "slow.md")]
    assert "Last part arrives." in texts(settings)["slow.md"]
    w.close()
    assert w.events.empty()  # one pass only: the file was not read half-written


def test_not_a_folder_is_refused(tmp_path):
    with pytest.raises(UsageError, match="not a folder"):
        check_folders([tmp_path / "missing"])


def test_a_killed_watcher_loses_nothing(tmp_path, settings, hash_embedder):
    """The CLI watcher is killed; what changes meanwhile is caught up by the next start."""
    root = tmp_path / "folder"
    write(root / "a.md", TOOL.format(title="Alpha", body="Alpha uses zanzibar."))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KB_STORE": str(settings.store)}
    code = ("import sys; from kb.testing import HashEmbedder; import kb.embedding as e; "
            "e._load = lambda *a: HashEmbedder(); from kb.cli import main; sys.exit(main())")
    proc = subprocess.Popen([sys.executable, "-c", code, "ingest", "--watch", "--json",
                             str(root)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        assert (first["action"], first["source"]) == ("added", "a.md")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    write(root / "b.md", TOOL.format(title="Beta", body="Beta uses quokka."))
    (root / "a.md").unlink()
    w = Watcher(root, settings, hash_embedder)  # the next start catches up first
    assert w.next_pass() == [("added", "b.md"), ("removed", "a.md")]
    w.close()
    assert set(texts(settings)) == {"b.md"}


def test_a_served_knowledge_base_sees_new_documents_without_a_restart(tmp_path, settings,
                                                                        hash_embedder):
    from ingest.watch import watch_in_background

    root = tmp_path / "folder"
    write(root / "a.md", TOOL.format(title="Alpha", body="Alpha uses zanzibar."))
    kb_ = KnowledgeBase(settings, embedder=hash_embedder)
    kb_.warm_up()  # as ``serve`` does: the store is open before the watcher starts
    stop = watch_in_background([root], settings, kb_)
    try:
        _until(lambda: [h.source for h in kb_.search("zanzibar", k=1)] == ["a.md"])
        write(root / "b.md", TOOL.format(title="Beta", body="Beta uses quokka."))
        _until(lambda: [h.source for h in kb_.search("quokka", k=1)] == ["b.md"])
    finally:
        stop.set()


def test_serve_refuses_a_watch_folder_that_is_not_one(tmp_path, capsys):
    from kb.cli import main

    assert main(["serve", "--watch", str(tmp_path / "missing"), "--port", "0"]) == 2
    assert "not a folder" in capsys.readouterr().err


def _until(condition, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")
