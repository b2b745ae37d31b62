"""Helpers for the robustness tests: ``kb`` subprocesses (killable at traced points), generated
corpora, a real ``chroma run`` server, and a check that a store is exactly what its folders say."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import queue
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kb.settings import Settings
from tests.conftest import ROOT
from tests.robust.child import DIM, TRACE

BIN = Path(sys.executable).parent
KB_EXE = BIN / "kb"
CHROMA_EXE = BIN / "chroma"
WORDS = ("cluster innovation member funding voucher export pilot platform network startup region "
         "policy matchmaking workshop mentor investor supplier pitch roadmap training circular "
         "digital energy health textile logistics").split()


# -- subprocesses ---------------------------------------------------------------------------------
def child_env(store: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    if store is not None:
        env["KB_STORE"] = str(store)
    env.update({k: str(v) for k, v in extra.items()})
    return env


@dataclass
class Proc:
    """A running process whose stdout is read line by line (trace events) in a thread."""

    popen: subprocess.Popen
    name: str
    err_path: Path
    lines: list[str] = field(default_factory=list)
    events: queue.Queue = field(default_factory=queue.Queue)
    reader: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.lines.append(line)
            if line.startswith(TRACE):
                self.events.put(line[len(TRACE):].strip())
        self.events.put(None)  # end of output

    def wait_event(self, wanted, count: int = 1, timeout: float = 180.0,
                   required: bool = True) -> bool:
        """Block until the ``count``-th event for which ``wanted(event)`` is true; False when the
        process ended first (or, unless ``required``, when ``timeout`` passed)."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            try:
                event = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                if not required:
                    return False
                raise AssertionError(f"{self.name}: no {count}th wanted event in {timeout} s; "
                                     f"output: {''.join(self.lines)[-2000:]}") from None
            if event is None:
                self.events.put(None)
                return False
            if wanted(event):
                seen += 1
                if seen >= count:
                    return True

    def kill(self) -> bool:
        """SIGKILL; True when the process was still running."""
        alive = self.popen.poll() is None
        if alive:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)
        self.reader.join(timeout=30)
        return alive

    def finish(self, timeout: float = 240.0) -> tuple[int, str, str]:
        try:
            rc = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} still running after {timeout} s") from None
        self.reader.join(timeout=30)  # stdout read to its end
        return rc, self.stdout, self.stderr

    @property
    def stdout(self) -> str:
        return "".join(line for line in self.lines if not line.startswith(TRACE))

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace") if self.err_path.exists() else ""

    @property
    def wrote(self) -> int:
        return sum(1 for line in self.lines if line.startswith(TRACE + "wrote "))


_counter = itertools.count()


def start(cmd: list[str], env: dict[str, str], logs: Path, name: str) -> Proc:
    logs.mkdir(parents=True, exist_ok=True)
    n = next(_counter)
    err_path = logs / f"{n:03d}-{name}.err"
    with err_path.open("w") as err:
        popen = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err,
                                 text=True, bufsize=1)
    return Proc(popen, f"{name}#{n}", err_path)


def kb_child(args: list[str], env: dict[str, str], logs: Path) -> Proc:
    """The kb CLI with the hash embedder and trace events (tests/robust/child.py)."""
    return start([sys.executable, "-m", "tests.robust.child", *args], env, logs, args[0])


def kb_real(args: list[str], env: dict[str, str], logs: Path) -> Proc:
    """The installed ``kb`` command, as a user runs it (the real model)."""
    return start([str(KB_EXE), *args], env, logs, f"kb-{args[0]}")


def ingest_ok(folders: list[Path], env: dict[str, str], logs: Path) -> dict:
    rc, out, err = kb_child(["ingest", *map(str, folders), "--json"], env, logs).finish()
    assert rc == 0, f"ingest failed ({rc}): {err[-3000:]}"
    return json.loads(out)


# -- generated corpora ----------------------------------------------------------------------------
def tool_entry(i: int, sections: int, version: int, rng: random.Random) -> str:
    parts = [f"---\ntitle: Tool {i}\ncategory: {rng.choice(['event', 'service', 'tool'])}\n"
             f"tags: [robust, t{i % 5}]\n---\n# Tool {i}\n"]
    for j in range(sections):
        words = " ".join(rng.choice(WORDS) for _ in range(45))
        parts.append(f"\n## Part {j}\nuniq{i}v{version}s{j} {words}.\n")
    return "".join(parts)


def transcript(i: int, cues: int, version: int, rng: random.Random) -> str:
    out = ["WEBVTT\n"]
    for c in range(cues):
        words = " ".join(rng.choice(WORDS) for _ in range(12))
        start = c * 40
        out.append(f"\n{c + 1}\n00:{start // 60:02d}:{start % 60:02d}.000 --> "
                   f"00:{(start + 39) // 60:02d}:{(start + 39) % 60:02d}.000\n"
                   f"<v Speaker {c % 2}>wuniq{i}v{version}c{c} {words}</v>\n")
    return "".join(out)


def write_item(root: Path, i: int, rng: random.Random, version: int = 0) -> Path:
    """Item ``i``: a toolbox entry of 1-4 sections (every 6th: a 2-8 cue transcript)."""
    if i % 6 == 5:
        path = root / "webinars" / f"talk-{i:03d}.vtt"
        text = transcript(i, rng.randint(2, 8), version, rng)
    else:
        path = root / "toolbox" / f"tool-{i:03d}.md"
        text = tool_entry(i, rng.randint(1, 4), version, rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_corpus(root: Path, n: int, rng: random.Random) -> Path:
    for i in range(n):
        write_item(root, i, rng)
    return root


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# -- the consistency check ------------------------------------------------------------------------
def expected_contents(folders: list[Path], settings: Settings) -> dict[str, dict]:
    """What the store must hold for these folders: doc_id -> source, file hash, {chunk id: text}."""
    from ingest.chunking import chunk_document
    from ingest.loaders import load
    from ingest.pipeline import PIPELINE_VERSION

    out = {}
    for folder in folders:
        for path in corpus_files(folder):
            source = path.relative_to(folder).as_posix()
            doc = load(path, source)
            chunks = chunk_document(doc, settings.chunk_tokens, settings.chunk_overlap,
                                    settings.cue_window_seconds, settings.cue_overlap_seconds,
                                    settings.cue_window_tokens)
            # the pipeline's hash: its version, the names of linked files (none here), the file
            data = PIPELINE_VERSION.encode() + b"\0\0" + path.read_bytes()
            out[doc.doc_id] = {"source": source, "hash": hashlib.sha256(data).hexdigest(),
                               "chunks": {c.id: c.text for c in chunks}}
    return out


def fresh_store(settings: Settings):
    """A Store whose view is loaded from disk now. chromadb keeps one system per folder in a
    process, and that system does not see vectors another process wrote after it was opened (see
    test_live.py), so the check stops this process's system for the folder and opens a new one."""
    from chromadb.api.shared_system_client import SharedSystemClient

    from kb.store import Store

    if not settings.chroma_url:
        system = SharedSystemClient._identifier_to_system.pop(str(settings.store / "chroma"), None)
        if system is not None:
            system.stop()
    return Store(settings)


def assert_consistent(settings: Settings, folders: list[Path], context: str = "") -> dict:
    """Every document exactly once and done, with exactly its current chunks (text, vector);
    no orphan or duplicate chunk; the saved BM25 holds the same ids at the store's generation."""
    from kb.lexical import SearchIndex

    expected = expected_contents(folders, settings)
    store = fresh_store(settings)
    records = store.records()
    assert set(records) == set(expected), (context, sorted(set(records) ^ set(expected)))
    for doc_id, rec in records.items():
        want = expected[doc_id]
        assert rec["state"] == "done", (context, rec)
        assert rec["source"] == want["source"], (context, rec)
        assert rec["hash"] == want["hash"], (context, "a record of an old version", rec["source"])
        assert int(rec["chunks"]) == len(want["chunks"]), (context, rec["source"])

    got = store.get()
    ids = got["ids"]
    assert len(ids) == len(set(ids)), (context, "duplicate chunk ids")
    wanted_ids = {cid for want in expected.values() for cid in want["chunks"]}
    orphans = [cid for cid, meta in zip(ids, got["metadatas"], strict=True)
               if meta.get("doc_id") not in records]
    assert not orphans, (context, "orphan chunks", orphans[:10])
    assert set(ids) == wanted_ids, (context, "missing", sorted(wanted_ids - set(ids))[:10],
                                    "extra", sorted(set(ids) - wanted_ids)[:10])
    for cid, text, meta in zip(ids, got["texts"], got["metadatas"], strict=True):
        doc_id = cid.rsplit(":", 1)[0]
        assert meta["doc_id"] == doc_id, (context, cid)
        assert meta["source"] == expected[doc_id]["source"], (context, cid)
        assert text == expected[doc_id]["chunks"][cid], (context, "stale chunk text", cid)
    assert store.count() == len(ids)

    vectors = store.get(ids, embeddings=True)
    assert sorted(vectors["ids"]) == sorted(ids), (context, "chunks without a vector")
    assert all(len(v) == DIM for v in vectors["embeddings"]), context
    for cid, vector in zip(vectors["ids"], vectors["embeddings"], strict=True):  # the HNSW too
        nearest = store.query(vector, n=1)
        assert nearest and (nearest[0][0] == cid or nearest[0][1] > 0.9999), (
            context, "a chunk its own vector does not find", cid, nearest[:1])

    generation = store.generation()
    assert generation and not generation.startswith("dirty-"), (context, generation)
    lexical = SearchIndex.load(store.cache_dir)
    assert lexical is not None, (context, "no saved BM25")
    assert lexical.generation == generation, (context, lexical.generation, generation)
    assert len(lexical.ids) == len(set(lexical.ids)) and set(lexical.ids) == set(ids), (
        context, "BM25 ids differ from the chunk ids")
    return {"documents": len(records), "chunks": len(ids)}


def assert_done_means_complete(settings: Settings, context: str = "") -> dict[str, int]:
    """Between crashes: every record is pending or done, and a done one has exactly its chunks."""
    store = fresh_store(settings)
    records = store.records()
    got = store.chunks.get(include=["metadatas"])
    by_doc: dict[str, set[str]] = {}
    for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
        by_doc.setdefault(meta["doc_id"], set()).add(cid)
    states = {"done": 0, "pending": 0}
    for doc_id, rec in records.items():
        assert rec["state"] in states, (context, rec)
        states[rec["state"]] += 1
        if rec["state"] == "done":
            want = {f"{doc_id}:{i}" for i in range(int(rec["chunks"]))}
            assert by_doc.get(doc_id, set()) == want, (
                context, "a done record with other chunks than it counts", rec["source"],
                rec["chunks"], sorted(by_doc.get(doc_id, set())))
    return states


def done_records_on_disk(store: Path) -> int | None:
    """How many documents an embedded store marks done, read from Chroma's SQLite file read-only.
    Only a timing aid for killing the real ``kb ingest`` mid-write (None when it cannot tell)."""
    path = store / "chroma" / "chroma.sqlite3"
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.2) as db:
            row = db.execute("SELECT count(*) FROM embedding_metadata "
                             "WHERE key = 'state' AND string_value = 'done'").fetchone()
        return int(row[0])
    except sqlite3.Error:
        return None


def new_seed() -> int:
    """A random seed, printed (pytest shows it when the test fails); ROBUST_SEED=N reruns with N."""
    seed = int(os.environ.get("ROBUST_SEED") or random.randrange(2**32))
    print(f"ROBUST_SEED={seed}")
    return seed


# -- a real Chroma server -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ChromaServer:
    """``chroma run`` on a loopback port, over one data folder; can be killed and started again."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> ChromaServer:
        log = self.folder.with_suffix(".log")
        with log.open("a") as out:
            self.proc = subprocess.Popen(
                [str(CHROMA_EXE), "run", "--path", str(self.folder), "--host", "127.0.0.1",
                 "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, env=child_env(ANONYMIZED_TELEMETRY="False"))
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, log.read_text()[-2000:]
            try:
                with _NO_PROXY.open(f"{self.url}/api/v2/heartbeat", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                pass
            assert time.monotonic() < deadline, f"chroma run did not answer in {timeout} s"
            time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def chroma_server(tmp_path):
    """The URL of a ``chroma run`` on a free loopback port, up until the test ends (SIGTERM)."""
    server = ChromaServer(tmp_path / "chroma-server").start()
    try:
        yield server.url
    finally:
        server.stop()
