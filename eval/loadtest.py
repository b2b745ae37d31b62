"""Concurrent clients against the running app: errors and answer times under load.

``app.py`` runs as a subprocess on a free loopback port (``KB_HOST=127.0.0.1``, ``KB_PORT``,
``KB_STORE``, optionally ``KB_CHROMA_URL``); N ``gradio_client`` clients, one thread each, call its
``/ask`` and ``/search`` endpoints for T seconds. Every loop is bounded by time and by count.
Scenarios (``run_loadtest``):

- ``a``: 10 clients x 30 s asking;
- ``b``: 20 clients x 60 s, ask and search alternating;
- ``c``: as ``b``, with the app on a Chroma server (``chroma run`` on a free loopback port).

The clients run on the same machine as the app (two cores here), so the numbers are for app and
load generator together. Questions rotate through the golden set: after the first round the app's
query-embedding cache (1,024 entries) holds them, which spares about one query encode per call.

``python -m eval.loadtest STORE`` runs the scenarios on an existing store.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from kb.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
MAX_CALLS_PER_CLIENT = 5_000
SCENARIOS = {  # name: (clients, seconds, operations cycled by each client, chroma server?)
    "a": (10, 30, ("ask",), False),
    "b": (20, 60, ("ask", "search"), False),
    "c": (20, 60, ("ask", "search"), True),
}
QUICK = {"a": (2, 5, ("ask",), False), "b": (3, 5, ("ask", "search"), False),
         "c": (3, 5, ("ask", "search"), True)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:3]} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def start_app(store: Path, port: int, chroma_url: str | None = None,
              log_file: Path | None = None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_STORE=str(store), KB_HOST="127.0.0.1", KB_PORT=str(port))
    if chroma_url:
        env["KB_CHROMA_URL"] = chroma_url
    out = open(log_file, "w") if log_file else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    return _answering(proc, f"http://127.0.0.1:{port}/", 300)


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    return _answering(proc, f"http://127.0.0.1:{port}/api/v2/heartbeat", 60)


def _answering(proc: subprocess.Popen, url: str, timeout: float) -> subprocess.Popen:
    """``proc`` once ``url`` answers; stopped if it never does."""
    try:
        wait_http(url, timeout, proc)
    except Exception:
        stop(proc)
        raise
    return proc


def stop(proc: subprocess.Popen, grace: float = 15) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def peak_rss_mb(pid: int) -> float | None:
    """The process's RSS high-water mark (VmHWM) while it is still running."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


# -- the clients ----------------------------------------------------------------------------------
def _call(client, op: str, question: str):
    if op == "ask":
        return client.predict(question, api_name="/ask")
    return client.predict(question, 10, "", "", "", api_name="/search")


def run_clients(url: str, clients: int, seconds: float, ops: tuple[str, ...],
                questions: list[str]) -> dict[str, Any]:
    """``clients`` threads, each with its own gradio_client, calling until the time is up."""
    from gradio_client import Client

    made = [Client(url, verbose=False) for _ in range(clients)]
    for op in set(ops):  # the first call of each endpoint is not timed
        _call(made[0], op, questions[0])
    samples: list[tuple[str, float, str | None]] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def work(n: int) -> None:
        start.wait()
        for i in range(MAX_CALLS_PER_CLIENT):
            if time.monotonic() >= deadline[0]:
                return
            op = ops[(n + i) % len(ops)]
            question = questions[(n * 7 + i) % len(questions)]
            began, error = time.perf_counter(), None
            try:
                _call(made[n], op, question)
            except Exception as exc:  # every failure is a result to count
                error = f"{type(exc).__name__}: {str(exc)[:200]}"
            with lock:
                samples.append((op, time.perf_counter() - began, error))

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.monotonic() + seconds
    began = time.perf_counter()
    start.wait()
    for t in threads:
        t.join(seconds + 180)
    wall = time.perf_counter() - began
    return summarise(samples, wall, clients, seconds)


def summarise(samples: list[tuple[str, float, str | None]], wall: float, clients: int,
              seconds: float) -> dict[str, Any]:
    from eval.bench import latency_ms

    out: dict[str, Any] = {"clients": clients, "seconds": seconds, "wall_s": round(wall, 1),
                           "calls": len(samples),
                           "errors": sum(1 for s in samples if s[2]),
                           "error_examples": list(dict.fromkeys(s[2] for s in samples if s[2]))[:3],
                           "calls_per_s": round(len(samples) / wall, 2) if wall else 0.0}
    for op in ("ask", "search"):
        ok = [s[1] for s in samples if s[0] == op and not s[2]]
        if ok:
            out[op] = latency_ms(ok)
    parts = [f"{clients} clients x {seconds:.0f} s: {out['calls']} calls, {out['errors']} errors"]
    parts += [f"{op} p50/p95 {out[op]['p50_ms'] / 1000:.2f}/{out[op]['p95_ms'] / 1000:.2f} s"
              for op in ("ask", "search") if op in out]
    out["summary"] = ", ".join(parts)
    return out


# -- the scenarios --------------------------------------------------------------------------------
def chroma_copy(settings: Settings, corpus: Path, folder: Path,
                log) -> tuple[subprocess.Popen, str]:
    """A Chroma server on a free loopback port holding the corpus (ingested once, kept in
    ``folder``; later runs find nothing new to embed)."""
    from ingest.pipeline import run

    port = free_port()
    server = start_chroma(folder / "server", port)
    url = f"http://127.0.0.1:{port}"
    try:
        client_side = settings.with_(store=folder / "client", chroma_url=url)
        report = run([corpus], client_side)
        log(f"loadtest: chroma server at {url}: {report.added} added, {report.unchanged} unchanged")
    except Exception:
        stop(server)
        raise
    return server, url


def run_loadtest(settings: Settings, store: Path, corpus: Path, questions: list[str],
                 quick: bool = False, log=print, only: tuple[str, ...] = ("a", "b", "c")
                 ) -> dict[str, Any]:
    from eval.bench import load_avg

    plan = QUICK if quick else SCENARIOS
    logs = settings.store / "bench" / "loadtest-logs"
    logs.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    apps: dict[bool, tuple[subprocess.Popen, str]] = {}
    server = None
    try:
        for name in only:
            clients, seconds, ops, on_server = plan[name]
            if on_server not in apps:
                url = None
                if on_server:
                    server, url = chroma_copy(settings, corpus, settings.store / "bench" /
                                              "chroma-server", log)
                port = free_port()
                app = start_app(store if not on_server else settings.store / "bench" /
                                "chroma-server" / "client", port, url,
                                log_file=logs / f"app-{'server' if on_server else 'local'}.log")
                apps[on_server] = (app, f"http://127.0.0.1:{port}/")
            app, url = apps[on_server]
            log(f"loadtest: {name}: {clients} clients x {seconds} s {'+'.join(ops)}"
                f"{' (chroma server)' if on_server else ''} ...")
            before = load_avg()
            result = run_clients(url, clients, seconds, ops, questions)
            result.update(load_before=before, load_after=load_avg(), operations=list(ops),
                          chroma_server=on_server, app_peak_rss_mb=peak_rss_mb(app.pid))
            results[name] = result
            log(f"loadtest: {name}: {result['summary']}")
    finally:
        for app, _ in apps.values():
            stop(app)
        if server is not None:
            stop(server)
    return {"scenarios": results, "questions": len(questions),
            "note": "clients and app share the machine; gradio queue: concurrency_limit 4 for "
                    "/ask, /search; questions rotate (query-embedding cache warm after a round)"}


def main(argv: list[str] | None = None) -> int:
    import argparse

    import kb  # noqa: F401  (offline environment first)
    from eval.golden import load_golden

    p = argparse.ArgumentParser(prog="python -m eval.loadtest", description=__doc__.splitlines()[0])
    p.add_argument("store", help="an ingested store folder")
    p.add_argument("--corpus", default=str(ROOT / "corpus"), help="for the Chroma-server copy")
    p.add_argument("--scenarios", default="a,b,c")
    p.add_argument("--quick", action="store_true", help="a few clients for a few seconds")
    args = p.parse_args(argv)
    questions = [i.question for i in load_golden() if not i.follow_up_of]
    settings = Settings.from_env()
    result = run_loadtest(settings, Path(args.store), Path(args.corpus), questions,
                          quick=args.quick, only=tuple(args.scenarios.split(",")),
                          log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
