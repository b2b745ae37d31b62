"""``kb ingest`` killed with SIGKILL at random points: the next run finishes the job and the store
holds every document exactly once, with no orphan or duplicate chunk, and BM25 in step.

Most kills hit tests/robust/child.py (the kb CLI with the hash embedder, which says where it is);
one test kills the installed ``kb ingest`` with the real model. Each test prints its ROBUST_SEED.
"""

from __future__ import annotations

import random
import time

import pytest

from kb.settings import Settings
from tests.robust.conftest import (
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

pytestmark = pytest.mark.slow


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
    report = ingest_ok([folder], env, logs)
    log.append(f"final run: {report}")
    context = "\n".join(log)
    summary = assert_consistent(settings, [folder], context)
    again = ingest_ok([folder], env, logs)
    assert (again["added"], again["updated"], again["removed"], again["chunks"]) == (0, 0, 0, 0), (
        context, again)
    assert again["unchanged"] == summary["documents"]


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
