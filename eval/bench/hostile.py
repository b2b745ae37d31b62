"""Hostile input benchmark (issue 15): what an oversized file or question costs.

- ``big_text``: peak memory of ``kb ingest`` on a 50 MB text file, against the documented bound
  (1.5 GB): a fresh child process per file, its own ``VmHWM``.
- ``repetitive``: the per-document limits hit on a 4 MB file of one repeated word and on 4 MB of
  text without spaces, with their messages and the seconds to refusal.
- ``questions``: a normal question's time over the app's API (``/ask``), idle and while four
  clients send 3 MB questions in parallel (each refused); the ratio must stay within 2x.

``run()`` returns the result dict; ``python -m eval.bench.hostile`` writes it to
``eval/results/bench-hostile.json``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.bench.base import Benchmark, Context, Row, Target, target

ROOT = Path(__file__).resolve().parents[2]
RESULT = ROOT / "eval" / "results" / "bench-hostile.json"
MB = 1024 * 1024
MEMORY_BOUND_MB = 1536  # the README's bound for one process
QUESTION = "How do I run a reverse pitch with a large company?"
SERVE_PICKS = ["toolbox/reverse-pitch.md", "toolbox/innovation-vouchers-for-smes.md",
               "toolbox/member-onboarding-in-the-first-month.md"]


PARTS = ("big_text", "repetitive", "questions")


def run(log: Callable[[str], None] = print, repeats: int = 7,
        parts: tuple[str, ...] = PARTS) -> dict[str, Any]:
    """Run the parts; the dict says each measure, its target and whether it was met."""
    out: dict[str, Any] = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                           "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="kb-hostile-") as tmp:
        base = Path(tmp)
        if "big_text" in parts:
            log("bench-hostile: 50 MB text file ...")
            got = ingest_child(base, "big-50mb.txt", random_text(base / "big.txt", 50))
            out["big_text"] = {**got, "target": f"peak < {MEMORY_BOUND_MB} MB",
                               "met": got["peak_rss_mb"] < MEMORY_BOUND_MB}
        if "repetitive" in parts:
            out["repetitive"] = {}
            for name, make in (("one_word_4mb", one_word), ("no_spaces_4mb", no_spaces)):
                log(f"bench-hostile: {name} ...")
                got = ingest_child(base, name, make(base / f"{name}.txt", 4))
                out["repetitive"][name] = {**got, "target": "refused by a per-document limit",
                                           "met": bool(got["failed"]) and got["chunks"] == 0}
        if "questions" in parts:
            log("bench-hostile: a normal question while four 3 MB questions are refused ...")
            out["questions"] = questions(base, repeats)
    return out


def met(result: dict[str, Any]) -> bool:
    parts = [result.get("big_text"), *result.get("repetitive", {}).values(),
             result.get("questions")]
    return all(p["met"] for p in parts if p)


# -- files ----------------------------------------------------------------------------------------
def random_text(path: Path, mb: int) -> Path:
    """``mb`` MB of random words (a 5,000-word vocabulary), sentences and paragraphs."""
    rng = random.Random(15)
    vocab = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 10)))
             for _ in range(5000)]
    with path.open("w", encoding="utf-8") as f:
        while f.tell() < mb * MB:
            sentences = (" ".join(rng.choices(vocab, k=rng.randint(6, 18))).capitalize() + "."
                         for _ in range(rng.randint(3, 8)))
            f.write(" ".join(sentences) + "\n\n")
    return path


def one_word(path: Path, mb: int) -> Path:
    path.write_text("cluster " * (mb * MB // 8), encoding="utf-8")
    return path


def no_spaces(path: Path, mb: int) -> Path:
    rng = random.Random(15)
    path.write_text("".join(rng.choices(string.ascii_letters + string.digits, k=mb * MB)),
                    encoding="utf-8")
    return path


# -- ingest in a child process --------------------------------------------------------------------
def ingest_child(base: Path, name: str, path: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "eval.bench.hostile", "--child-ingest", str(base / f"s-{name}"),
           str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1800,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    if proc.returncode != 0:
        raise RuntimeError(f"ingest child failed ({proc.returncode}): {proc.stderr[-1500:]}")
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"file_mb": round(path.stat().st_size / MB, 1), **got}


def _child_ingest(store: str, path: str) -> None:
    from ingest.pipeline import run as ingest
    from kb.settings import Settings

    started = time.perf_counter()
    report = ingest([path], Settings.from_env(store=Path(store)))
    print(json.dumps({"seconds": round(time.perf_counter() - started, 1),
                      "chunks": report.chunks, "added": report.added,
                      "failed": [f["error"] for f in report.failed],
                      "peak_rss_mb": _peak_rss_mb()}))


def _peak_rss_mb(pid: int | str = "self") -> float:
    """``VmHWM`` of a process (not ``ru_maxrss``: Linux carries it over exec from the parent)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


# -- questions against the running app ------------------------------------------------------------
def questions(base: Path, repeats: int) -> dict[str, Any]:
    import shutil

    corpus = base / "serve-corpus"
    for pick in SERVE_PICKS:
        (corpus / pick).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "corpus" / pick, corpus / pick)
    store = base / "serve-store"
    subprocess.run([sys.executable, "-m", "kb.cli", "ingest", str(corpus), "--store", str(store)],
                   cwd=ROOT, check=True, capture_output=True, timeout=900)
    with _app(store, base / "app.log") as (url, pid):
        from gradio_client import Client

        client = Client(url, verbose=False)
        for _ in range(2):
            client.predict(QUESTION, api_name="/ask")  # warm
        rss_before = _rss_mb(pid)
        idle = [_timed(client.predict, QUESTION, api_name="/ask") for _ in range(repeats)]
        # each round: four clients (processes) send a 3 MB question while the normal one is asked
        ctx = multiprocessing.get_context("spawn")
        start, results = ctx.Barrier(5), ctx.Queue()
        attackers = [ctx.Process(target=_attack, args=(url, start, repeats, results))
                     for _ in range(4)]
        for p in attackers:
            p.start()
        busy = []
        for _ in range(repeats):
            start.wait(timeout=120)
            busy.append(_timed(client.predict, QUESTION, api_name="/ask"))
        refusals = [r for _ in attackers for r in results.get(timeout=300)]
        for p in attackers:
            p.join(60)
        rss_after = _rss_mb(pid)
    ratio = statistics.median(busy) / statistics.median(idle)
    refused = [r for r in refusals if r[1]]
    return {"idle_s": _stats(idle), "under_attack_s": _stats(busy), "ratio": round(ratio, 2),
            "target": "ratio <= 2", "met": ratio <= 2 and len(refused) == len(refusals) > 0,
            "oversized_questions": len(refusals), "refused": len(refused),
            "refusal_s": _stats([r[0] for r in refusals]),
            "refusal_message": refusals[0][2] if refusals else None,
            "server_rss_mb": {"before": rss_before, "after": rss_after}}


def _attack(url: str, start, rounds: int, results) -> None:
    """One client: in each round (``start``, a barrier) a 3 MB question to /ask over plain HTTP;
    puts its list of (seconds, refused, message) on ``results``."""
    body = json.dumps({"data": ["what does it cost " * (3 * MB // 18)]}).encode()
    out = []
    for _ in range(rounds):
        start.wait(timeout=300)
        started = time.perf_counter()
        refused, message = _ask_raw(url, body)
        out.append((time.perf_counter() - started, refused, message))
    results.put(out)


def _ask_raw(url: str, body: bytes) -> tuple[bool, str]:
    """POST a question; (refused, message): refused at the door (413) or by the handler."""
    request = urllib.request.Request(f"{url}gradio_api/call/ask", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            event = json.loads(r.read())["event_id"]
        with urllib.request.urlopen(f"{url}gradio_api/call/ask/{event}", timeout=120) as r:
            stream = r.read().decode()
        return "too long" in stream, stream[-200:]
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode()[:200]
        return exc.code == 413 and "KB_MAX_QUESTION_CHARS" in detail, detail
    except OSError as exc:  # the server closed the connection while the body was being sent
        return False, f"{type(exc).__name__}: {exc}"


def _timed(fn: Callable, *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - started


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"median": round(statistics.median(values), 3), "max": round(max(values), 3),
            "n": len(values)}


class _app:
    """``python app.py`` on a free loopback port over ``store``; stopped at the end."""

    def __init__(self, store: Path, log: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.store, self.log = store, log

    def __enter__(self) -> tuple[str, int]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
        env.update(KB_STORE=str(self.store), KB_HOST="127.0.0.1", KB_PORT=str(self.port))
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                                         stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{self.port}/"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return url, self.proc.pid
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.log.read_text()[-2000:]) from None
                time.sleep(0.5)
        raise RuntimeError("the app did not start")

    def __exit__(self, *exc: Any) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()



class Hostile(Benchmark):
    name = "hostile"
    help = "hostile input: a 50 MB text, repetitive files, oversized questions beside a normal one"

    def run(self, ctx: Context) -> dict[str, Any]:
        result = run(log=ctx.log, repeats=3 if ctx.quick else 7)
        result["met"] = met(result)
        return result

    def table(self, result: dict[str, Any], key: str) -> list[Row]:
        rows = []
        for name, part in [("big_text", result.get("big_text")),
                           *result.get("repetitive", {}).items()]:
            if part:
                why = part["failed"][0].split(":")[0] if part["failed"] else "accepted"
                rows.append((f"{key} {name}", f"{part['file_mb']:.0f} MB: {why} after "
                             f"{part['seconds']} s, peak {part['peak_rss_mb']:.0f} MB", ""))
        if q := result.get("questions"):
            rows.append((f"{key} questions", f"normal /ask {q['idle_s']['median']} s idle, "
                         f"{q['under_attack_s']['median']} s beside four 3 MB questions "
                         f"({q['refused']}/{q['oversized_questions']} refused)", ""))
        return rows

    def targets(self, result: dict[str, Any], key: str) -> list[Target]:
        out = []
        if big := result.get("big_text"):
            out.append(target("peak RSS ingesting a 50 MB text (MB)", big["peak_rss_mb"],
                              f"< {MEMORY_BOUND_MB}", big["met"]))
        for name, part in result.get("repetitive", {}).items():
            out.append(target(f"{name} refused by a per-document limit", float(part["met"]),
                              "1", part["met"]))
        if q := result.get("questions"):
            out.append(target("normal question beside four oversized ones / idle", q["ratio"],
                              "<= 2", q["met"]))
        return out


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child-ingest"]:
        _child_ingest(*sys.argv[2:4])
    else:  # [--only PART ...]: those parts again, the others kept from the last result
        only = tuple(sys.argv[2:]) if sys.argv[1:2] == ["--only"] else PARTS
        old = json.loads(RESULT.read_text()) if RESULT.is_file() and only != PARTS else {}
        result = {**old, **run(log=lambda m: print(m, file=sys.stderr, flush=True), parts=only)}
        result["met"] = met(result)
        RESULT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=1))
