"""The chunk table held beside BM25 (kb.chunktable) and the search paths that use it: the same hits
as reading the chunks from Chroma, in step with the store's generation."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from ingest.pipeline import run
from kb.api import KnowledgeBase
from kb.chunktable import ChunkTable, TableBuilder
from kb.derived import lexical_in_step
from kb.lexical import SearchIndex
from kb.store import TEXT_KEY
from tests.conftest import SUPPLIER_DAY, write

TOPICS = {
    "supplier-day": SUPPLIER_DAY,
    "study-tour": "# Study tour\nSixteen members travel abroad for four days to see timber sites.",
    "reverse-pitch": "# Reverse pitch\nA large company presents its challenges; startups answer.",
    "living-lab": "# Living lab\nSeniors test new health products at home for three months.",
    "hackathon": "# Hackathon\nForty students build prototypes for a public transport operator.",
}


def _table(n: int = 3, dim: int = 4) -> ChunkTable:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    texts = ["first", None, "tredje \u00e5tg\u00e4rd"][:n]
    metas = [{"doc_id": "a", "page": 3, "tags": ["x", "y"]}, {"doc_id": "b"},
             {"doc_id": "c", "score": 0.25, "flag": True}][:n]
    return _built(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), texts, metas)


def _built(vectors: np.ndarray, texts: list, metas: list) -> ChunkTable:
    builder = TableBuilder(len(texts))
    builder.add(vectors, texts, metas)
    return builder.table()


def test_a_saved_table_loads_with_the_same_rows_and_vectors(tmp_path):
    table = _table()
    table.save(tmp_path, "g1")
    loaded = ChunkTable.load(tmp_path, "g1")
    assert loaded is not None and len(loaded) == 3
    assert [loaded.row(i) for i in range(3)] == [table.row(i) for i in range(3)]
    assert loaded.row(2) == ("tredje \u00e5tg\u00e4rd", {"doc_id": "c", "score": 0.25,
                                                         "flag": True})
    assert loaded.row(1) == (None, {"doc_id": "b"})
    q = np.asarray(table.vectors[0])
    np.testing.assert_array_equal(loaded.cosines([2, 0], q), np.asarray(table.vectors)[[2, 0]] @ q)


def test_a_table_of_another_generation_or_a_broken_one_is_not_used(tmp_path):
    _table().save(tmp_path, "g1")
    assert ChunkTable.load(tmp_path, "g2") is None  # the folder was swapped while being read
    (tmp_path / "rows.bin").write_bytes(b"[]")
    assert ChunkTable.load(tmp_path, "g1") is None
    assert ChunkTable.load(tmp_path / "missing", "g1") is None


def test_an_empty_table_round_trips(tmp_path):
    _built(np.zeros((0, 0), np.float32), [], []).save(tmp_path, "g0")
    assert len(ChunkTable.load(tmp_path, "g0")) == 0


def test_the_vectors_must_match_the_rows():
    with pytest.raises(ValueError):
        _built(np.zeros((2, 4), np.float32), ["one"], [{}])


@pytest.fixture
def small_kb(tmp_path, settings, hash_embedder):
    root = tmp_path / "docs"
    for name, text in TOPICS.items():
        write(root / "toolbox" / f"{name}.md", text)
    write(root / "webinars" / "talk.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:05.000\n"
          "<v Anna>Our supplier day had sixty suppliers and one buyer.\n")
    assert not run([root], settings, embedder=hash_embedder).failed
    return KnowledgeBase(settings, embedder=hash_embedder)


QUERIES = ["supplier day cost", "students prototypes transport", "seniors health at home",
           "timber", "startups challenges company", "nothing matches this at all zzz"]
FILTERS = [None, {"kind": "transcript"}, {"kind": "toolbox"}]


def _results(kb: KnowledgeBase) -> list:
    """Every hit that scores above zero (the tiny hash vectors leave many chunks tied at zero,
    in an order that is the index's own)."""
    return [[(h.chunk_id, h.score, h.text, h.metadata, h.source, h.start, h.speaker)
             for h in kb.search(q, k=4, filters=f) if h.score > 0]
            for q in QUERIES for f in FILTERS]


def test_the_saved_bm25_folder_holds_the_chunk_table(small_kb):
    store = small_kb.retriever.store
    saved = SearchIndex.load(store.cache_dir)
    assert saved is not None and saved.table is not None and lexical_in_step(store)
    got = store.get(saved.ids, embeddings=True)
    by_id = {cid: (text, meta, vector) for cid, text, meta, vector in
             zip(got["ids"], got["texts"], got["metadatas"], got["embeddings"], strict=True)}
    for i, cid in enumerate(saved.ids):
        text, meta, vector = by_id[cid]
        assert saved.table.row(i) == (text, meta)
        np.testing.assert_array_equal(saved.table.vectors[i], np.asarray(vector, np.float32))


def test_exact_and_hnsw_search_give_the_same_hits(small_kb):
    retriever = small_kb.retriever
    exact = _results(small_kb)
    assert sum(map(bool, exact)) >= len(QUERIES)
    # Chroma's HNSW for the nearest chunks (a tiny store: exact too), their text from the table
    retriever.settings = retriever.settings.with_(exact_max_chunks=0)
    hnsw = _results(small_kb)
    assert exact == hnsw
    transcript = [h for row in exact[1::3] for h in row]
    assert transcript and all(h[4].endswith(".vtt") for h in transcript)


def test_a_bm25_folder_without_a_table_is_rebuilt_by_reader_and_writer(small_kb, settings,
                                                                       hash_embedder):
    store = small_kb.retriever.store
    for name in ("vectors.npy", "rows.bin", "rows.npy", "table.json"):
        (store.cache_dir / name).unlink()  # as saved by an older kb
    assert not lexical_in_step(store)
    reader = KnowledgeBase(settings, embedder=hash_embedder)
    assert reader.retriever.lexical.get().table is not None
    assert reader.search("supplier day cost", k=3)[0].source == "toolbox/supplier-day.md"
    shutil.rmtree(store.cache_dir)
    run([settings.store.parent / "docs"], settings, embedder=hash_embedder)
    assert lexical_in_step(store)


def test_a_search_right_after_an_ingest_in_the_same_process_sees_the_new_document(
        tmp_path, settings, hash_embedder):
    """The table and BM25 are re-checked against the store at most once a second; ``refresh``
    (the app calls it after an upload) makes the next search see what was just written."""
    corpus = tmp_path / "c"
    write(corpus / "toolbox/supplier-day.md", SUPPLIER_DAY)
    run([corpus], settings, embedder=hash_embedder)
    kb = KnowledgeBase(settings, embedder=hash_embedder)
    assert kb.search("wombat burrow")[0].source == "toolbox/supplier-day.md"
    write(corpus / "toolbox/wombat.md",
          "# Wombat workshop\nMembers plan the year at a wombat burrow.")
    run([corpus], settings, embedder=hash_embedder)
    kb.refresh()
    assert kb.search("wombat burrow")[0].source == "toolbox/wombat.md"


def test_chunk_text_is_kept_out_of_chromas_full_text_index_and_old_stores_still_read(
        small_kb, settings, hash_embedder):
    """kb keeps a chunk's text in its metadata: Chroma indexes ``documents`` for full-text search
    on every write, which kb never uses. A store written by an older kb (text in ``documents``)
    reads the same, through the table rebuilt from it and through Chroma's own query."""
    store = small_kb.retriever.store
    raw = store.chunks.get(include=["documents", "metadatas"])
    assert raw["ids"] and all(d is None for d in raw["documents"])
    texts = [m[TEXT_KEY] for m in raw["metadatas"]]
    assert any("sixty suppliers" in t for t in texts)
    before = _results(small_kb)
    qvec = hash_embedder.embed_query("supplier day cost")
    nearest = store.query(qvec, 3)
    assert all(TEXT_KEY not in meta for _, _, _, meta in nearest)
    # rewrite every chunk as an older kb stored it, and drop the derived indexes
    old = store.chunks.get(include=["metadatas", "embeddings"])
    store.chunks.upsert(ids=old["ids"], embeddings=old["embeddings"], documents=texts,
                        metadatas=[{k: v for k, v in m.items() if k != TEXT_KEY}
                                   for m in old["metadatas"]])
    shutil.rmtree(store.cache_dir)
    reader = KnowledgeBase(settings, embedder=hash_embedder)
    assert _results(reader) == before
    again = reader.retriever.store.query(qvec, 3)
    assert [(i, t, m) for i, _, t, m in again] == [(i, t, m) for i, _, t, m in nearest]


def test_warm_up_opens_what_the_first_question_needs(small_kb, settings, hash_embedder,
                                                     monkeypatch):
    """The app's start-up warm-up runs one search: BM25 and the chunk table are loaded and, in a
    store served by Chroma's HNSW, the HNSW index is queried once, not at the first question.
    On an empty store it is a no-op, not an error."""
    fresh = KnowledgeBase(settings.with_(exact_max_chunks=0), embedder=hash_embedder)
    calls = []
    nearest = fresh.retriever.store.nearest
    monkeypatch.setattr(fresh.retriever.store, "nearest",
                        lambda *a, **k: calls.append(a) or nearest(*a, **k))
    fresh.warm_up()
    assert len(calls) == 1 and fresh.retriever.lexical._index is not None
    assert fresh.retriever.lexical._index.table is not None
    empty = KnowledgeBase(settings.with_(store=settings.store.parent / "empty"),
                          embedder=hash_embedder)
    empty.warm_up()
    assert empty.search("supplier day") == []
