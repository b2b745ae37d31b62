"""``kb ingest`` killed with SIGKILL at random points: the next run finishes the job and the store
holds every document exactly once, with no orphan or duplicate chunk, and BM25 in step.

Most kills hit tests/robust/child.py (the kb CLI with the hash embedder, which says where it is);
one test kills the installed ``kb ingest`` with the real model. Each test prints its ROBUST_SEED.
"""

from __future__ import annotations

import random
import time

import pytest

from kb.api import KnowledgeBase
from kb.settings import Settings
from kb.testing import HashEmbedder
from tests.robust.conftest import (
    DIM,
    Proc,
    assert_consistent,
    assert_done_means_complete,
    child_env,
    corpus_files,
    done_records_on_disk,
    ingest_ok,
    kb_child,
    kb_real,
    make_corpus,
    new_seed,
    write_item,
)


def kill_somewhere(proc: Proc, rng: random.Random, remaining: int, deletes: bool = False) -> str:
    """Kill after a random traced point plus a random delay: while loading files or marking the
    store dirty, inside the k-th document's writes, while deleting, or inside the BM25 rebuild."""
    roll = rng.random()
    if roll < 0.15:
        point, count, delay = "locked", 1, rng.uniform(0.0, 1.5)
    elif roll < 0.25 and deletes:
        point, count, delay = "deleted", 1, rng.uniform(0.0, 0.05)
    elif roll < 0.4:
        point, count, delay = "finish", 1, rng.uniform(0.0, 0.4)
    else:
        point, count, delay = "wrote", rng.randint(1, max(1, remaining)), rng.uniform(0.0, 0.12)
    reached = proc.wait_event(lambda e: e.startswith(point), count)
    if reached:
        time.sleep(delay)
    killed = proc.kill()
    where = f"{point} #{count} + {delay:.2f} s" if reached else f"(no {point} #{count})"
    return f"{where}: {'killed' if killed else 'had finished'} after {proc.wrote} writes"


def finish_and_check(folder, store, logs, log: list[str]) -> None:
    settings = Settings(store=store)
    env = child_env(store)
    states = assert_done_means_complete(settings, "\n".join(log))
    reader = KnowledgeBase(settings, embedder=HashEmbedder(DIM))  # a store cut short still answers
    assert len(reader.docs()) == states["done"]
    reader.search("uniq0v0s0 cluster")
    report = ingest_ok([folder], env, logs)
    log.append(f"final run: {report}")
    context = "\n".join(log)
    summary = assert_consistent(settings, [folder], context)
    again = ingest_ok([folder], env, logs)
    assert (again["added"], again["updated"], again["removed"], again["chunks"]) == (0, 0, 0, 0), (
        context, again)
    assert again["unchanged"] == summary["documents"]


@pytest.mark.slow
def test_sigkill_at_random_points_then_rerun_converges(tmp_path):
    rng = random.Random(new_seed())
    folder = make_corpus(tmp_path / "corpus", 40, rng)
    store, logs = tmp_path / "store", tmp_path / "logs"
    env = child_env(store)
    log: list[str] = []
    written = 0
    for n in range(4):
        proc = kb_child(["ingest", str(folder), "--json"], env, logs)
        log.append(f"kill {n + 1}: " + kill_somewhere(proc, rng, 40 - written))
        written += proc.wrote
        log.append(f"  records: {assert_done_means_complete(Settings(store=store), log[-1])}")
    print("\n".join(log))
    finish_and_check(folder, store, logs, log)


def mutate(folder, rng: random.Random, next_item: int, log: list[str]) -> int:
    """Between kills: delete, change (another number of chunks) and add files."""
    files = corpus_files(folder)
    gone = rng.sample(files, k=min(len(files), rng.randint(1, 2)))
    for path in gone:
        path.unlink()
    changed = rng.sample([p for p in files if p not in gone], k=rng.randint(1, 3))
    for path in changed:
        write_item(folder, int(path.stem.rsplit("-", 1)[1]), rng, version=rng.randint(1, 99))
    added = [write_item(folder, next_item + i, rng) for i in range(rng.randint(1, 2))]
    log.append(f"  deleted {[p.name for p in gone]}, changed {[p.name for p in changed]}, "
               f"added {[p.name for p in added]}")
    return next_item + len(added)


@pytest.mark.slow
def test_sigkill_with_files_deleted_changed_and_added_between_kills(tmp_path):
    rng = random.Random(new_seed())
    folder = make_corpus(tmp_path / "corpus", 30, rng)
    store, logs = tmp_path / "store", tmp_path / "logs"
    env = child_env(store)
    log: list[str] = []
    next_item = 30
    ingest_ok([folder], env, logs)  # a complete store first, so that updates and deletes happen
    for n in range(4):
        next_item = mutate(folder, rng, next_item, log)
        proc = kb_child(["ingest", str(folder), "--json"], env, logs)
        log.append(f"kill {n + 1}: " + kill_somewhere(proc, rng, 6, deletes=True))
        log.append(f"  records: {assert_done_means_complete(Settings(store=store), log[-1])}")
    next_item = mutate(folder, rng, next_item, log)
    print("\n".join(log))
    finish_and_check(folder, store, logs, log)


@pytest.mark.slow
def test_real_kb_ingest_killed_mid_write_then_rerun_converges(tmp_path):
    """The installed ``kb ingest`` (real model): killed once mid-write, then run to the end."""
    rng = random.Random(new_seed())
    folder = make_corpus(tmp_path / "corpus", 60, rng)
    store, logs = tmp_path / "store", tmp_path / "logs"
    env = child_env(store)
    target = rng.randint(1, 50)  # kill when this many documents are done (read from disk)
    proc = kb_real(["ingest", str(folder), "--json"], env, logs)
    deadline = time.monotonic() + 240
    done = None
    while proc.popen.poll() is None and time.monotonic() < deadline:
        done = done_records_on_disk(store)
        if done is not None and done >= target:
            break
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 0.1))
    killed = proc.kill()
    log = [f"real kb ingest: target {target} done, saw {done}, "
           f"{'killed' if killed else 'had finished'}; {proc.stderr[-500:]}"]
    log.append(f"  records: {assert_done_means_complete(Settings(store=store), log[-1])}")
    print("\n".join(log))
    assert killed, log  # the run must really have been cut short, or this test proves nothing

    rc, out, err = kb_real(["ingest", str(folder), "--json"], env, logs).finish()
    assert rc == 0, err[-3000:]
    assert_consistent(Settings(store=store), [folder], "\n".join(log + [out]))


class Crash(BaseException):
    """Stands for SIGKILL at one exact point, in this process."""


def test_a_crash_while_deleting_a_document_leaves_no_done_record_without_chunks(
        tmp_path, monkeypatch):
    """Minimal, deterministic: the process dies between deleting a document's chunks and deleting
    its record. The record must not still say ``done`` (``kb docs`` would list a document whose
    chunks are gone); the next run must converge."""
    from chromadb.api.models.Collection import Collection

    from ingest.pipeline import run

    settings = Settings(store=tmp_path / "store", lock_timeout=2)
    folder = make_corpus(tmp_path / "corpus", 3, random.Random(9))
    run([folder], settings, embedder=HashEmbedder(DIM))
    (folder / "toolbox" / "tool-001.md").unlink()

    real_delete = Collection.delete

    def delete(self, *args, **kwargs):
        if self.name.endswith("_docs"):
            raise Crash("killed after the chunks were deleted, before the record was")
        return real_delete(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "delete", delete)
    with pytest.raises(Crash):
        run([folder], settings, embedder=HashEmbedder(DIM))
    monkeypatch.undo()
    try:
        assert_done_means_complete(settings, "after a crash inside delete_document")
    finally:
        run([folder], settings, embedder=HashEmbedder(DIM))
        assert_consistent(settings, [folder], "the run after the crash")


def test_a_document_cut_short_by_a_crash_and_then_unloadable_does_not_stay_half_written(
        tmp_path, monkeypatch):
    """Minimal, deterministic: an update of a document dies after its new chunks are written and
    before its record says ``done``; then the file turns bad. The next run reports the file; it
    must not leave the half-written update searchable under a ``pending`` record (the report says
    the last good version stays, but that version was partly overwritten)."""
    from chromadb.api.models.Collection import Collection

    from ingest.pipeline import run
    from kb.store import Store

    settings = Settings(store=tmp_path / "store", lock_timeout=2)
    rng = random.Random(10)
    folder = make_corpus(tmp_path / "corpus", 3, rng)
    path = folder / "toolbox" / "tool-001.md"
    path.write_text(path.read_text().split("\n## Part 1")[0])  # one section
    run([folder], settings, embedder=HashEmbedder(DIM))
    path.write_text(path.read_text() + "\n## Part 9\nuniq1v9s9 a second section.\n")

    real_upsert = Collection.upsert

    def upsert(self, *args, **kwargs):
        if self.name.endswith("_docs") and kwargs["metadatas"][0].get("state") == "done":
            raise Crash("killed before the record says done")
        return real_upsert(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "upsert", upsert)
    with pytest.raises(Crash):
        run([folder], settings, embedder=HashEmbedder(DIM))
    monkeypatch.undo()

    path.write_text("---\ntitle: [broken\n---\nText.\n")
    report = run([folder], settings, embedder=HashEmbedder(DIM))
    assert [f["source"] for f in report.failed] == ["toolbox/tool-001.md"]
    store = Store(settings)
    pending = [r["source"] for r in store.records().values() if r["state"] != "done"]
    half = store.get(where={"source": "toolbox/tool-001.md"})
    assert not pending, (f"after a complete run {pending} is still pending, with chunks "
                         f"{half['ids']} searchable (one of them from the unfinished update)")
