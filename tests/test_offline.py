"""Ingest and search with the network unavailable: a fresh network namespace with no interfaces."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import CORPUS, ROOT, write

pytestmark = pytest.mark.slow


def _no_network_prefix() -> list[str]:
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        if (shutil.which(prefix[0])
                and subprocess.run([*prefix, "true"], capture_output=True).returncode == 0):
            return prefix
    pytest.fail("cannot create a network namespace (unshare -n / -rn): the offline test cannot run")


def test_ingest_and_search_without_network(tmp_path):
    prefix = _no_network_prefix()
    docs = tmp_path / "docs"
    for name in ("toolbox/reverse-pitch.md", "toolbox/supplier-day.md"):
        shutil.copy(CORPUS / name, write(docs / name, ""))
    write(docs / "webinars" / "w.vtt",
          "WEBVTT\n\n00:00:01.000 --> 00:00:30.000\n"
          "<v Ann>Innovation vouchers buy lab tests.</v>\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "KB_"))}
    env["KB_STORE"] = str(tmp_path / "store")
    kb_bin = [sys.executable, "-m", "kb.cli"]
    probe = subprocess.run([*prefix, sys.executable, "-c",
                            "import socket; "
                            "socket.create_connection(('pypi.org', 443), timeout=3)"],
                           capture_output=True, text=True, env=env)
    assert probe.returncode != 0, "the namespace still has a network"
    ingest = subprocess.run([*prefix, *kb_bin, "ingest", str(docs), "--json"], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=300)
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["added"] == 3
    search = subprocess.run([*prefix, *kb_bin, "search", "large company presents challenges",
                             "--json", "--k", "3"], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=300)
    assert search.returncode == 0, search.stderr
    hits = json.loads(search.stdout)
    assert hits[0]["source"] == "toolbox/reverse-pitch.md"
    assert "Traceback" not in search.stderr + ingest.stderr
