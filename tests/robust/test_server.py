"""kb on a real Chroma server (``chroma run`` on a free loopback port): separate processes ingest
and search the same collection, each with its own BM25 cache, and stay in step."""

from __future__ import annotations

import json
import random
import signal
import time

import pytest

from kb.api import KnowledgeBase
from kb.settings import Settings
from kb.store import Store
from kb.testing import HashEmbedder
from tests.robust.conftest import (
    DIM,
    ChromaServer,
    assert_consistent,
    assert_done_means_complete,
    child_env,
    ingest_ok,
    kb_child,
    make_corpus,
    new_seed,
    write_item,
)

pytestmark = [pytest.mark.server, pytest.mark.slow]


def search(env, logs, query: str, *flags: str) -> list[dict]:
    rc, out, err = kb_child(["search", query, "--json", *flags], env, logs).finish()
    assert rc == 0, err[-3000:]
    return json.loads(out)


def test_two_processes_share_one_chroma_server(chroma_server, tmp_path):
    url, logs = chroma_server, tmp_path / "logs"
    folder = make_corpus(tmp_path / "corpus", 12, random.Random(4))
    # process A configured by KB_CHROMA_URL, process B by --chroma-url; separate cache folders
    env_a = child_env(tmp_path / "cache-a", KB_CHROMA_URL=url)
    env_b, flag_b = child_env(tmp_path / "cache-b"), ["--chroma-url", url]
    assert ingest_ok([folder], env_a, logs)["added"] == 12
    assert not (tmp_path / "cache-a" / "chroma").exists()  # nothing embedded: all on the server

    procs = [kb_child(["search", "uniq3v0s0", "--json", *flags], env, logs)
             for env, flags in ((env_a, []), (env_b, flag_b))]
    results = []
    for p in procs:
        rc, out, err = p.finish()
        assert rc == 0, err[-3000:]
        results.append(json.loads(out))
    assert results[0][0]["source"] == "toolbox/tool-003.md"
    assert [h["chunk_id"] for h in results[0]] == [h["chunk_id"] for h in results[1]]

    # A changes one document and adds one; B (its BM25 cache now one generation old) sees both
    rng = random.Random(5)
    write_item(folder, 3, rng, version=7)
    write_item(folder, 50, rng)
    report = ingest_ok([folder], env_a, logs)
    assert (report["added"], report["updated"], report["unchanged"]) == (1, 1, 11)
    hits = search(env_b, logs, "uniq50v0s0", *flag_b)
    assert hits and hits[0]["source"] == "toolbox/tool-050.md"
    hits = search(env_b, logs, "uniq50v0s0", *flag_b, "--kind", "toolbox", "--tag", "robust")
    assert hits and hits[0]["source"] == "toolbox/tool-050.md"
    hits = search(env_b, logs, "uniq50v0s0", *flag_b, "--kind", "transcript")
    assert "tool-050" not in json.dumps(hits)
    hits = search(env_b, logs, "uniq3v7s0", *flag_b, "--kind", "toolbox")
    assert hits and hits[0]["source"] == "toolbox/tool-003.md"
    assert not any("uniq3v0s0" in h["text"] for h in search(env_b, logs, "uniq3v0s0", *flag_b))

    rc, out, err = kb_child(["docs", "--json", *flag_b], env_b, logs).finish()
    assert rc == 0 and len(json.loads(out)) == 13, err[-2000:]
    assert_consistent(Settings(store=tmp_path / "cache-a", chroma_url=url), [folder])

    # the library in this process, on the same server: search, ask, similar, docs
    kb = KnowledgeBase(Settings(store=tmp_path / "cache-c", chroma_url=url),
                       embedder=HashEmbedder(DIM))
    assert kb.search("uniq50v0s0")[0].source == "toolbox/tool-050.md"
    chunk = kb.retriever.store.get(where={"source": "toolbox/tool-050.md"})["texts"][0]
    answer = kb.ask(" ".join(chunk.split()[:12]))
    assert "toolbox/tool-050.md" in {c.source for c in answer.citations}, answer
    assert kb.similar("toolbox/tool-050.md") and len(kb.docs()) == 13


def test_sigkill_of_an_ingest_into_a_chroma_server_then_rerun_converges(chroma_server, tmp_path):
    rng = random.Random(new_seed())
    folder = make_corpus(tmp_path / "corpus", 24, rng)
    env, logs = child_env(tmp_path / "cache", KB_CHROMA_URL=chroma_server), tmp_path / "logs"
    settings = Settings(store=tmp_path / "cache", chroma_url=chroma_server)
    log = []
    for n in range(2):
        proc = kb_child(["ingest", str(folder), "--json"], env, logs)
        target = rng.randint(1, 10)
        reached = proc.wait_event(lambda e: e.startswith("wrote"), count=target)
        proc.kill()
        log.append(f"kill {n + 1} after wrote #{target} (reached: {reached}): "
                   f"{assert_done_means_complete(settings)}")
    print("\n".join(log))
    ingest_ok([folder], env, logs)
    assert_consistent(settings, [folder], "\n".join(log))


def test_a_second_ingest_into_the_same_server_collection_waits_or_is_refused(
        chroma_server, tmp_path):
    """The ingest lock must cover the store, not the cache folder: two machines (two KB_STORE
    folders) writing one server collection at once is the same hazard as two on one folder."""
    rng = random.Random(6)
    folder = make_corpus(tmp_path / "corpus", 6, rng)
    logs, release = tmp_path / "logs", tmp_path / "release"
    env = child_env(tmp_path / "cache-a", KB_CHROMA_URL=chroma_server, ROBUST_HOLD=release)
    first = kb_child(["ingest", str(folder), "--json"], env, logs)
    try:
        assert first.wait_event(lambda e: e == "locked", timeout=120)
        second = kb_child(["ingest", str(folder), "--json"],
                          child_env(tmp_path / "cache-b", KB_CHROMA_URL=chroma_server,
                                    KB_LOCK_TIMEOUT="1"), logs)
        rc, out, err = second.finish()
        assert rc == 1 and "another 'kb ingest' is writing" in err, (
            f"a second writer ran while the first held the lock (exit {rc}): {out[-500:]}")
    finally:
        release.touch()
        first.finish()


def test_the_server_going_away_mid_ingest_is_a_clean_error_and_a_rerun_converges(tmp_path):
    server = ChromaServer(tmp_path / "chroma-server").start()
    try:
        folder = make_corpus(tmp_path / "corpus", 20, random.Random(11))
        env, logs = child_env(tmp_path / "cache", KB_CHROMA_URL=server.url), tmp_path / "logs"
        proc = kb_child(["ingest", str(folder), "--json"], env, logs)
        assert proc.wait_event(lambda e: e.startswith("wrote"), count=3)
        server.stop(signal.SIGKILL)
        rc, out, err = proc.finish()

        server.start()  # same folder, same port: the next run finishes the job
        settings = Settings(store=tmp_path / "cache", chroma_url=server.url)
        assert_done_means_complete(settings)
        ingest_ok([folder], env, logs)
        assert_consistent(settings, [folder])
    finally:
        server.stop()
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc == 1 and lines[-1].startswith("kb: error:") and "Traceback" not in err, (
        f"a lost server must be a one-line 'kb: error: ...' (exit 1), not a traceback (exit {rc}):"
        f"\n{err[-1500:]}")


def test_the_writer_keeps_its_lease_for_as_long_as_the_ingest_runs(chroma_server, tmp_path,
                                                                    monkeypatch):
    """An ingest longer than the lease (a 10 MB file) renews it: nobody else may take it meanwhile,
    and it is gone when the ingest ends."""
    from ingest import lock
    from ingest.lock import WriterLock
    from kb.store import LEASE_ID

    monkeypatch.setattr(lock, "LEASE_SECONDS", 1.0)
    settings = Settings(store=tmp_path / "cache", chroma_url=chroma_server)
    settings.store.mkdir(parents=True)
    rival = Store(settings)
    other = {"token": "rival", "host": "elsewhere", "pid": 1}
    with WriterLock(settings):
        time.sleep(3.0)  # three lease lifetimes
        holder = rival.take_lease(other, 60.0)
        assert holder is not None and holder["token"] != "rival", "the lease expired mid-ingest"
    assert not rival.docs.get(ids=[LEASE_ID])["ids"], "the lease outlived the ingest"
    assert rival.take_lease(other, 60.0) is None
