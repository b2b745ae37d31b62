import json

import numpy as np
import pytest
from filelock import FileLock

from ingest.pipeline import run
from kb import sentences
from kb.api import KnowledgeBase
from kb.errors import LockError, ModelMismatchError
from kb.store import Store
from kb.testing import HashEmbedder
from tests.conftest import make_pdf, write

TOOL = "---\ntitle: {title}\ncategory: event\ntags: [demo]\n---\n# {title}\n\n## Purpose\n{body}\n"


def corpus(root):
    write(root / "toolbox" / "reverse-pitch.md",
          TOOL.format(title="Reverse pitch",
                      body="Large firms present zanzibar challenges to SMEs."))
    write(root / "toolbox" / "study-tour.md",
          TOOL.format(title="Study tour",
                      body="Members visit a quokka cluster abroad for three days."))
    write(root / "webinars" / "vouchers.vtt",
          "WEBVTT\n\n00:00:01.000 --> 00:00:20.000\n"
          "<v Ann>Vouchers of 50 000 SEK buy platypus tests.</v>\n")
    make_pdf(root / "reports" / "textiles.pdf",
             ["Circular textiles\nCoordinator: Fibre AB",
              "Results: 140 tonnes recycled by narwhal sorting."])
    return root


def search_sources(settings, embedder, query):
    return [h.source for h in KnowledgeBase(settings, embedder=embedder).search(query, k=5)
            if query.split()[0] in h.text]


def test_incremental_add_change_delete(tmp_path, settings, hash_embedder):
    root = corpus(tmp_path / "corpus")
    first = run([root], settings, embedder=hash_embedder)
    assert (first.added, first.updated, first.unchanged, first.removed) == (4, 0, 0, 0)
    assert not first.failed
    docs = {d.source: d for d in KnowledgeBase(settings, embedder=hash_embedder).docs()}
    assert set(docs) == {"toolbox/reverse-pitch.md", "toolbox/study-tour.md",
                         "webinars/vouchers.vtt", "reports/textiles.pdf"}
    assert docs["reports/textiles.pdf"].kind == "report"
    assert docs["webinars/vouchers.vtt"].kind == "transcript"

    again = run([root], settings, embedder=hash_embedder)
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 4, 0)

    write(root / "toolbox" / "study-tour.md",
          TOOL.format(title="Study tour", body="Members visit a wombat cluster for two days."))
    (root / "toolbox" / "reverse-pitch.md").unlink()
    changed = run([root], settings, embedder=hash_embedder)
    assert (changed.added, changed.updated, changed.unchanged, changed.removed) == (0, 1, 2, 1)
    assert search_sources(settings, hash_embedder, "wombat cluster") == ["toolbox/study-tour.md"]
    assert search_sources(settings, hash_embedder, "quokka cluster") == []
    assert search_sources(settings, hash_embedder, "zanzibar challenges") == []
    kb = KnowledgeBase(settings, embedder=hash_embedder)
    stored = kb.retriever.store.chunks.get(include=["metadatas"])
    assert {m["source"] for m in stored["metadatas"]} == {
        "toolbox/study-tour.md", "webinars/vouchers.vtt", "reports/textiles.pdf"}


def test_bad_input_is_reported_per_file_and_everything_else_goes_in(tmp_path, settings,
                                                                     hash_embedder):
    root = corpus(tmp_path / "corpus")
    write(root / "toolbox" / "empty.md", "")
    write(root / "toolbox" / "bad-yaml.md", "---\ntitle: [oops\n---\nText body here.\n")
    write(root / "toolbox" / "party.md",
          "---\ntitle: Party\ncategory: party\n---\nText body here.\n")
    write(root / "webinars" / "broken.vtt", "WEBVTT\n\n00:00:01.000 --> later\nHello\n")
    write(root / "webinars" / "broken.srt", "1\n00:00:09,000 --> 00:00:01,000\nBackwards\n")
    write(root / "reports" / "corrupt.pdf", b"%PDF-1.4\nnot really a pdf" * 5)
    make_pdf(root / "reports" / "scan.pdf", [""])
    write(root / "notes.txt", b"\x00\x01\x02binary" * 100)
    write(root / "slides.pptx", b"PK\x03\x04 zip")
    write(root / "drawing.dwg", b"AC1032 binary")
    report = run([root], settings, embedder=hash_embedder)
    failed = {f["source"]: f["error"] for f in report.failed}
    assert set(failed) == {"toolbox/empty.md", "toolbox/bad-yaml.md", "toolbox/party.md",
                           "webinars/broken.vtt", "webinars/broken.srt", "reports/corrupt.pdf",
                           "reports/scan.pdf", "notes.txt", "slides.pptx"}
    assert "empty file" in failed["toolbox/empty.md"]
    assert "invalid front matter" in failed["toolbox/bad-yaml.md"]
    assert "unknown category" in failed["toolbox/party.md"]
    assert "OCR" in failed["reports/scan.pdf"]
    assert "binary" in failed["notes.txt"]
    assert "corrupt PowerPoint deck" in failed["slides.pptx"]
    assert report.skipped == ["drawing.dwg"]
    assert report.added == 4


def test_unsupported_file_named_directly_fails(tmp_path, settings, hash_embedder):
    path = write(tmp_path / "slides.key", b"PK zip")
    report = run([path, tmp_path / "missing.md"], settings, embedder=hash_embedder)
    assert [f["source"] for f in report.failed] == ["slides.key", str(tmp_path / "missing.md")]
    assert "unsupported file type" in report.failed[0]["error"]


def test_broken_update_keeps_last_good_version(tmp_path, settings, hash_embedder):
    root = corpus(tmp_path / "corpus")
    run([root], settings, embedder=hash_embedder)
    write(root / "toolbox" / "study-tour.md", "---\ntitle: [broken\n---\nquokka\n")
    report = run([root], settings, embedder=hash_embedder)
    assert report.failed[0]["source"] == "toolbox/study-tour.md"
    assert "last good version" in report.failed[0]["error"]
    assert report.removed == 0
    assert search_sources(settings, hash_embedder, "quokka cluster") == ["toolbox/study-tour.md"]


def test_file_named_directly_keeps_its_folder_source(tmp_path, settings, hash_embedder):
    root = corpus(tmp_path / "corpus")
    run([root], settings, embedder=hash_embedder)
    write(root / "toolbox" / "study-tour.md", TOOL.format(title="Study tour", body="An emu visit."))
    report = run([root / "toolbox" / "study-tour.md"], settings, embedder=hash_embedder)
    assert (report.updated, report.added) == (1, 0)
    assert len(KnowledgeBase(settings, embedder=hash_embedder).docs()) == 4


def test_another_model_is_refused(tmp_path, settings, hash_embedder):
    root = corpus(tmp_path / "corpus")
    run([root], settings, embedder=hash_embedder)
    other = settings.with_(embed_model="paraphrase-multilingual")
    with pytest.raises(ModelMismatchError, match="model='all-MiniLM-L6-v2'"):
        run([root], other, embedder=hash_embedder)
    with pytest.raises(ModelMismatchError):
        KnowledgeBase(other, embedder=hash_embedder).search("quokka")
    rechunked = settings.with_(chunk_tokens=512)
    with pytest.raises(ModelMismatchError, match="chunk_tokens"):
        run([root], rechunked, embedder=hash_embedder)
    from kb.testing import HashEmbedder

    with pytest.raises(ModelMismatchError, match="dim"):
        KnowledgeBase(settings, embedder=HashEmbedder(dim=32)).search("quokka")


def test_second_writer_is_refused_with_a_clear_message(tmp_path, settings, hash_embedder):
    root = corpus(tmp_path / "corpus")
    settings.store.mkdir(parents=True)
    with FileLock(str(settings.store / "ingest.lock")):
        with pytest.raises(LockError, match="another 'kb ingest' is writing"):
            run([root], settings.with_(lock_timeout=0.2), embedder=hash_embedder)


@pytest.mark.usefixtures("hash_model")
def test_cli_ingest_json_and_exit_codes(tmp_path, capsys):
    from kb import cli

    root = tmp_path / "corpus"
    write(root / "toolbox" / "a.md", TOOL.format(title="A", body="Alpha text about clusters."))
    assert cli.main(["ingest", str(root), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"added", "updated", "unchanged", "removed", "chunks", "seconds", "skipped",
                        "ignored", "failed", "warnings"}
    assert out["added"] == 1
    write(root / "toolbox" / "b.md", "")
    assert cli.main(["ingest", str(root), "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["failed"][0]["source"] == "toolbox/b.md"
    with pytest.raises(SystemExit) as exit_:
        cli.main(["ingest"])
    assert exit_.value.code == 2
    assert cli.main(["docs", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["source"] == "toolbox/a.md" and listed[0]["category"] == "event"


@pytest.mark.usefixtures("hash_model")
def test_search_and_ask_on_an_empty_store_find_nothing(tmp_path, capsys):
    """Before the first ingest (or after every file was removed) the commands answer, not crash."""
    from kb import cli

    store = ["--store", str(tmp_path / "empty")]
    assert cli.main(["search", "supplier day", "--json", *store]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert cli.main(["ask", "How do others run a supplier day?", "--json", *store]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["citations"] == [] and "nothing on this" in answer["answer"]


def test_symlinks_leaving_the_folder_are_skipped(tmp_path, settings, hash_embedder):
    root = corpus(tmp_path / "corpus")
    write(tmp_path / "outside" / "secret.md", "# Secret\n\nPayroll of every member.\n")
    (root / "toolbox" / "linked.md").symlink_to(tmp_path / "outside" / "secret.md")
    report = run([root], settings, embedder=hash_embedder)
    assert "toolbox/linked.md" in report.skipped
    assert "toolbox/linked.md" not in {d.source for d in
                                       KnowledgeBase(settings, embedder=hash_embedder).docs()}


def test_a_shorter_version_leaves_no_stale_chunks_beside_documents_written_with_it(
        tmp_path, settings, hash_embedder):
    """Documents are written a batch at a time: a changed document's extra old chunks go, and
    the new documents of the same batch keep all of theirs."""
    root = tmp_path / "corpus"
    long_body = "\n\n".join(f"Paragraph {i} about walrus logistics and cluster work. " * 12
                            for i in range(12))
    write(root / "toolbox" / "long.md", TOOL.format(title="Long", body=long_body))
    run([root], settings, embedder=hash_embedder)
    write(root / "toolbox" / "long.md", TOOL.format(title="Long", body="Now only one line."))
    write(root / "toolbox" / "new.md", TOOL.format(title="New", body=long_body))
    report = run([root], settings, embedder=hash_embedder)
    assert (report.added, report.updated) == (1, 1)
    store = KnowledgeBase(settings, embedder=hash_embedder).retriever.store
    records = {r["source"]: r for r in store.records().values()}
    stored = store.chunks.get(include=["metadatas"])["metadatas"]
    for source, record in records.items():
        chunks = [m for m in stored if m["source"] == source]
        assert len(chunks) == record["chunks"], source
        assert sorted(m["chunk"] for m in chunks) == list(range(record["chunks"]))
    assert records["toolbox/long.md"]["chunks"] == 1 < records["toolbox/new.md"]["chunks"]


class CountingEmbedder:
    """The hash embedder, remembering how many texts each encoder call got."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []
        self.name, self.dim = inner.name, inner.dim

    def embed_documents(self, texts, show_progress=False):
        self.calls.append(len(texts))
        return self.inner.embed_documents(texts)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_corpus_within_one_batch_is_encoded_in_one_call(tmp_path, settings, hash_embedder):
    """The encoder sorts a call's texts by length: one call for everything pads least."""
    embedder = CountingEmbedder(hash_embedder)
    report = run([corpus(tmp_path / "c")], settings, embedder=embedder)
    assert report.added == 4 and not report.failed
    assert embedder.calls == [report.chunks]


def test_batches_hold_whole_documents_and_every_chunk_is_stored(tmp_path, settings, hash_embedder,
                                                                monkeypatch):
    monkeypatch.setattr("ingest.pipeline.BATCH_CHUNKS", 1)  # every document is a batch
    embedder = CountingEmbedder(hash_embedder)
    report = run([corpus(tmp_path / "c")], settings, embedder=embedder)
    assert len(embedder.calls) == 4 and sum(embedder.calls) == report.chunks
    store = Store(settings)
    assert sum(d.chunks for d in store.documents()) == report.chunks == store.count()


class _NoSentenceEmbedding(HashEmbedder):
    """Fails the test if a question embeds sentences: they were stored at ingest."""

    def embed_sentences(self, texts):
        raise AssertionError(f"embedded at question time: {texts}")


def test_ingest_stores_every_chunks_answer_sentence_vectors(tmp_path, settings):
    root = tmp_path / "corpus"
    write(root / "toolbox" / "vouchers.md", TOOL.format(
        title="Innovation vouchers", body="A voucher is worth SEK 50 000 and buys platypus tests "
        "at a lab.\n\nStep 1 - free scan\nAn adviser visits the company for three hours.\n"))
    ingest_embedder = HashEmbedder()
    run([root], settings, embedder=ingest_embedder)
    stored = Store(settings).get()
    assert stored["ids"]
    for text, meta in zip(stored["texts"], stored["metadatas"], strict=True):
        texts = [s for _, s in sentences.quotable(text)]
        vectors = sentences.unpack(meta[sentences.SENTENCE_KEY], ingest_embedder.dim, len(texts))
        expected = ingest_embedder.embed_sentences(texts)
        assert (np.einsum("ij,ij->i", vectors, expected) > 0.999).all()

    # (the question's words are mostly unknown to this tiny store: no abstention for that)
    kb = KnowledgeBase(settings.with_(abstain_unknown=1.0), embedder=_NoSentenceEmbedding())
    hits = kb.search("How much is a voucher worth?")
    assert hits and all(h.sentence_vectors for h in hits)
    assert all(sentences.SENTENCE_KEY not in h.metadata and "sentence_vectors" not in h.to_dict()
               for h in hits)
    answer = kb.ask("How much is a voucher worth?")
    assert "SEK 50 000" in answer.text
    assert sentences.SENTENCE_KEY not in json.dumps(answer.to_dict())


def test_sentence_vectors_can_be_left_out(tmp_path, settings):
    root = tmp_path / "corpus"
    write(root / "toolbox" / "vouchers.md", TOOL.format(
        title="Innovation vouchers", body="A voucher is worth SEK 50 000 and buys lab tests."))
    run([root], settings.with_(sentence_vectors=False), embedder=HashEmbedder())
    stored = Store(settings).get()
    assert stored["ids"] and not any(sentences.SENTENCE_KEY in m for m in stored["metadatas"])


def test_a_file_left_out_by_kbignore_is_reported_as_ignored(tmp_path, settings, hash_embedder,
                                                            hash_model, capsys):
    from kb import cli

    root = corpus(tmp_path / "corpus")
    write(root / ".kbignore", "# drafts stay out\ndrafts/*\n*.tmp.md\n")
    write(root / "drafts" / "idea.md", TOOL.format(title="Idea", body="Not yet."))
    write(root / "toolbox" / "x.tmp.md", TOOL.format(title="Tmp", body="Not yet."))
    write(root / "drawing.dwg", b"AC1032")
    report = run([root], settings, embedder=hash_embedder)
    assert sorted(report.ignored) == ["drafts/idea.md", "toolbox/x.tmp.md"]
    assert report.skipped == ["drawing.dwg"] and not report.failed
    capsys.readouterr()
    cli.main(["ingest", str(root), "--store", str(settings.store)])
    out = capsys.readouterr().out
    assert "ignored (.kbignore): drafts/idea.md, toolbox/x.tmp.md" in out
    assert "skipped: drawing.dwg (unsupported type)" in out


def test_ingest_run_is_the_public_entry_point_and_import_ingest_stays_cheap():
    import subprocess
    import sys

    import ingest
    from ingest import pipeline

    assert ingest.run is pipeline.run and ingest.write_documents is pipeline.write_documents
    code = "import sys, ingest; print('ingest.pipeline' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
