"""Two ``kb ingest`` on one store at once: the second waits for the lock or refuses it with a clear
message; the store is never corrupted."""

from __future__ import annotations

import random

import pytest

from kb.settings import Settings
from tests.robust.conftest import (
    assert_consistent,
    child_env,
    kb_child,
    kb_real,
    make_corpus,
    write_item,
)

pytestmark = pytest.mark.slow
LOCK_MESSAGE = "another 'kb ingest' is writing"


def test_second_ingest_is_refused_while_the_first_holds_the_lock(tmp_path):
    folder = make_corpus(tmp_path / "corpus", 8, random.Random(1))
    store, logs, release = tmp_path / "store", tmp_path / "logs", tmp_path / "release"
    first = kb_child(["ingest", str(folder), "--json"], child_env(store, ROBUST_HOLD=release), logs)
    assert first.wait_event(lambda e: e == "locked", timeout=120)

    second = kb_real(["ingest", str(folder)], child_env(store, KB_LOCK_TIMEOUT="1"), logs)
    rc, out, err = second.finish()
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc == 1, (rc, out, err)
    assert lines and lines[-1].startswith(f"kb: error: {LOCK_MESSAGE} to {store}"), err
    assert "Traceback" not in err

    release.touch()
    rc, out, err = first.finish()
    assert rc == 0, err
    assert_consistent(Settings(store=store), [folder])


def test_second_ingest_waits_for_the_lock_then_does_its_work(tmp_path):
    rng = random.Random(2)
    first_folder = make_corpus(tmp_path / "first", 6, rng)
    second_folder = tmp_path / "second"
    for i in range(100, 106):
        write_item(second_folder, i, rng)
    store, logs, release = tmp_path / "store", tmp_path / "logs", tmp_path / "release"
    first = kb_child(["ingest", str(first_folder), "--json"], child_env(store, ROBUST_HOLD=release),
                     logs)
    assert first.wait_event(lambda e: e == "locked", timeout=120)
    second = kb_child(["ingest", str(second_folder), "--json"],
                      child_env(store, KB_LOCK_TIMEOUT="120"), logs)
    assert not second.wait_event(lambda e: e == "locked", timeout=4, required=False), (
        "the second ingest took the lock while the first held it")

    release.touch()
    assert first.finish()[0] == 0
    rc, out, err = second.finish()
    assert rc == 0, err
    assert '"added": 6' in out, out
    assert_consistent(Settings(store=store), [first_folder, second_folder])


def test_two_ingests_started_together_write_each_document_once(tmp_path):
    folder = make_corpus(tmp_path / "corpus", 12, random.Random(3))
    store, logs = tmp_path / "store", tmp_path / "logs"
    env = child_env(store, KB_LOCK_TIMEOUT="120")
    procs = [kb_child(["ingest", str(folder), "--json"], env, logs) for _ in range(2)]
    results = [p.finish() for p in procs]
    assert [rc for rc, _, _ in results] == [0, 0], [err[-2000:] for _, _, err in results]
    added = sorted(int(out.split('"added": ')[1].split(",")[0]) for _, out, _ in results)
    assert added == [0, 12]  # one wrote everything, the other found it all unchanged
    assert_consistent(Settings(store=store), [folder])


def test_threads_opening_a_new_store_at_once_all_get_it(tmp_path):
    """chromadb fails when two threads of one process create a store's client at the same
    moment (an app's first requests, a watcher's refresh beside a search): kb opens one at a
    time."""
    import threading

    from kb.store import Store

    for trial in range(3):
        folder = tmp_path / f"store{trial}"
        errors: list[BaseException] = []
        start = threading.Barrier(4)

        def open_it(folder=folder, start=start, errors=errors) -> None:
            start.wait()
            try:
                Store(Settings(store=folder)).count()
            except Exception as exc:  # noqa: BLE001 (any failure is the finding)
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
