"""Odd and hostile input to ingest (issue 15): special files, unreadable folders, errors that say
what happened, per-document limits, binary content past the first 8 KB, typed metadata."""

from __future__ import annotations

import errno
import json
import os
import threading
import tracemalloc
from pathlib import Path

import pytest

from ingest.pipeline import run
from ingest.text import read_text
from kb.errors import LoadError
from kb.store import Store
from tests.conftest import SUPPLIER_DAY, write


def _ingest_or_fail(paths, settings, embedder, seconds: float = 20.0):
    """Run an ingest in a thread; a hang is a failure (and is released so the test ends)."""
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(r=run(paths, settings,
                                                                  embedder=embedder)),
                              daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        for path in paths:
            for fifo in Path(path).rglob("*"):
                if fifo.is_fifo():  # a blocked open() of it returns once a writer appears
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(10)
        pytest.fail(f"ingest hung for {seconds} s")
    return result["r"]


def test_a_fifo_in_a_folder_is_skipped_with_its_kind(tmp_path, settings, hash_embedder):
    folder = tmp_path / "corpus"
    write(folder / "toolbox" / "supplier-day.md", SUPPLIER_DAY)
    os.mkfifo(folder / "toolbox" / "pipe.md")
    report = _ingest_or_fail([folder], settings, hash_embedder)
    assert report.added == 1 and not report.failed
    assert report.skipped == ["toolbox/pipe.md (not a regular file: a FIFO)"]


def test_special_files_named_directly_say_what_they_are(tmp_path, settings, hash_embedder):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    report = _ingest_or_fail([fifo, Path("/dev/zero"), tmp_path / "missing.md"], settings,
                             hash_embedder)
    errors = {f["source"]: f["error"] for f in report.failed}
    assert errors[str(fifo)] == "not a regular file: a FIFO"
    assert errors["/dev/zero"] == "not a regular file: a character device"
    assert errors[str(tmp_path / "missing.md")] == "no such file or folder"


@pytest.fixture
def unreadable(monkeypatch):
    """Make a folder unreadable: chmod 000, or (as root, whom modes do not stop) the same
    PermissionError from listing it or looking at anything inside it."""
    made: list[Path] = []

    def make(folder: Path) -> None:
        made.append(folder)
        if os.geteuid() != 0:
            folder.chmod(0)
            return
        real_scandir, real_stat = os.scandir, os.stat

        def denied(path) -> bool:
            return isinstance(path, (str, os.PathLike)) and Path(path).is_relative_to(folder)

        def scandir(path="."):
            if denied(path):
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_scandir(path)

        def stat(path, *args, **kwargs):
            if denied(path) and Path(path) != folder:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_stat(path, *args, **kwargs)

        monkeypatch.setattr(os, "scandir", scandir)
        monkeypatch.setattr(os, "stat", stat)

    yield make
    for folder in made:
        folder.chmod(0o755)


@pytest.mark.usefixtures("hash_model")
def test_an_unreadable_folder_is_reported_and_its_documents_kept(tmp_path, capsys, unreadable):
    from kb import cli

    folder = tmp_path / "corpus"
    write(folder / "toolbox" / "supplier-day.md", SUPPLIER_DAY)
    write(folder / "reports" / "r.md", "# Report\n\nA report on regional hydrogen projects.\n")
    assert cli.main(["ingest", str(folder)]) == 0
    capsys.readouterr()
    unreadable(folder / "toolbox")
    assert cli.main(["ingest", str(folder)]) == 3  # something was not read
    err = capsys.readouterr().err
    assert "FAILED toolbox/: cannot read folder: Permission denied" in err
    assert "lost the store" not in err
    # the same file named directly: the true reason, and the document stays
    assert cli.main(["ingest", str(folder / "toolbox" / "supplier-day.md")]) == 3
    err = capsys.readouterr().err
    assert "cannot read: Permission denied" in err and "lost the store" not in err
    sources = {r["source"] for r in Store(cli.settings_from(cli.parser().parse_args(
        ["docs"]))).records().values()}
    assert sources == {"toolbox/supplier-day.md", "reports/r.md"}


@pytest.mark.usefixtures("hash_model")
def test_search_into_a_closed_pipe_ends_quietly(tmp_path, capsys, monkeypatch):
    from kb import cli

    write(tmp_path / "corpus" / "toolbox" / "supplier-day.md", SUPPLIER_DAY)
    assert cli.main(["ingest", str(tmp_path / "corpus")]) == 0
    capsys.readouterr()
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head` has exited
    closed = open(write_end, "w", buffering=1)  # noqa: SIM115 (closed below)
    monkeypatch.setattr("sys.stdout", closed)
    try:
        assert cli.main(["search", "supplier day"]) == 141
    finally:
        monkeypatch.undo()
        closed.close()
    assert capsys.readouterr().err == ""


def test_binary_content_after_the_first_8_kib_is_refused(tmp_path):
    path = write(tmp_path / "notes.txt", b"plain text line\n" * 600 + bytes(range(256)) * 400)
    with pytest.raises(LoadError, match="binary content"):
        read_text(path, "notes.txt")


@pytest.mark.parametrize(("text", "limits", "message"), [
    ("cluster " * 8_000, {}, "repetitive text: "),
    ("x" * 60_000, {"max_doc_chunks": 20}, "too many chunks: more than 20 (KB_MAX_DOC_CHUNKS)"),
    ("cluster words " * 200_000, {"max_doc_text_mb": 1}, "too much text: more than 1 MB "
                                                         "(KB_MAX_DOC_TEXT_MB)"),
], ids=["one-word", "no-spaces", "text"])
def test_a_document_over_a_limit_is_refused_with_its_reason(tmp_path, settings, hash_embedder,
                                                            text, limits, message, monkeypatch):
    monkeypatch.setattr("ingest.limits.REPETITION_MIN_CHUNKS", 20)  # small files, quick tests
    write(tmp_path / "corpus" / "big.txt", text)
    write(tmp_path / "corpus" / "toolbox" / "supplier-day.md", SUPPLIER_DAY)
    report = run([tmp_path / "corpus"], settings.with_(**limits), embedder=hash_embedder)
    assert [f["source"] for f in report.failed] == ["big.txt"]
    assert message in report.failed[0]["error"] and report.added == 1


def test_a_document_over_its_time_is_refused_with_its_reason(tmp_path, settings, hash_embedder):
    write(tmp_path / "corpus" / "big.txt", "cluster " * 1000)
    report = run([tmp_path / "corpus"], settings.with_(max_doc_seconds=1e-9),
                 embedder=hash_embedder)
    assert report.failed == [{"source": "big.txt", "error": "took longer than 1e-09 s to read "
                              "and chunk (KB_MAX_DOC_SECONDS); split the file or raise the limit"}]


def test_a_large_text_file_is_read_only_up_to_the_limit(tmp_path):
    """Memory stays bounded whatever the size: reading stops at KB_MAX_DOC_TEXT_MB."""
    from ingest import limits
    from kb.settings import Settings

    path = tmp_path / "huge.txt"
    with open(path, "w") as f:
        for _ in range(20):
            f.write("random words of text " * 50_000)  # 20 MB
    tracemalloc.start()
    try:
        with limits.Budget.of(Settings(max_doc_text_mb=2), "huge.txt").use():
            with pytest.raises(LoadError, match="too much text"):
                read_text(path, "huge.txt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak


@pytest.mark.usefixtures("hash_model")
def test_json_ingest_reports_progress_on_stderr(tmp_path, capsys):
    from kb import cli

    for i in range(3):
        write(tmp_path / "corpus" / "toolbox" / f"t{i}.md", SUPPLIER_DAY)
    assert cli.main(["ingest", str(tmp_path / "corpus"), "--json"]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in err.splitlines()]
    assert lines and lines[-1]["progress"]["done"] == lines[-1]["progress"]["total"] == 3
    assert json.loads(out)["added"] == 3
