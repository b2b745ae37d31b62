import numpy as np

from kb import sentences
from kb.answer import extractive
from kb.lexical import SearchIndex
from kb.models import Hit
from kb.retrieval import _hit
from kb.testing import HashEmbedder

TEXT = ("Step 1 - AI readiness scan (free of charge)\n"
        "A three-hour visit at the company by two advisers. It covers data sources.\n"
        "Funding: SEK 2 480 000\n"
        "The project ran for 42 months.\n")


def test_pack_keeps_the_direction_of_every_vector():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(7, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    packed = sentences.pack(v)
    assert isinstance(packed, str) and len(packed) == 4 * 7 * 384 // 3
    back = sentences.unpack(packed, 384, 7)
    assert back.shape == (7, 384)
    assert np.allclose(np.linalg.norm(back, axis=1), 1.0, atol=1e-5)
    assert (np.einsum("ij,ij->i", v, back) > 0.999).all()


def test_unpack_refuses_what_does_not_fit():
    packed = sentences.pack(np.eye(3, 8, dtype=np.float32))
    assert sentences.unpack(packed, 8, 3) is not None
    assert sentences.unpack(packed, 8, 2) is None  # stored for other sentences
    assert sentences.unpack(packed, 16, 3) is None  # another model
    assert sentences.unpack(None, 8, 3) is None
    assert sentences.unpack("not base64!", 8, 3) is None
    assert sentences.pack(np.zeros((0, 8), dtype=np.float32)) == ""


def test_stored_vectors_are_the_answerers_own_of_its_candidates():
    embedder = HashEmbedder()
    other = "Members visit a cluster abroad for three days. The project ran for 42 months."
    got = sentences.embed_quotable(embedder, [TEXT, other, "# A heading"])
    for text, vectors in zip([TEXT, other], got, strict=False):
        texts = [s for _, s in sentences.quotable(text)]
        assert np.allclose(vectors, embedder.embed_sentences(texts))
    assert got[2].shape == (0, embedder.dim)
    # the answerer reads exactly these candidates
    hit = Hit(doc_id="a", chunk_id="a:0", source="a.md", title="A tool", kind="toolbox",
              text=TEXT, score=1.0)
    lexical = SearchIndex.build(["a:0"], [TEXT], ["a"], "test")
    read = extractive.read([hit], ("free",), lexical, embedder, embedder.embed_query("free"))
    assert sorted(s.text for s in read) == sorted(s for _, s in sentences.quotable(TEXT))


def test_a_hit_carries_its_vectors_but_never_shows_them():
    packed = sentences.pack(np.eye(2, 8, dtype=np.float32))
    meta = {"doc_id": "a", "source": "a.md", "title": "A", "kind": "toolbox", "chunk": 0,
            "category": "event", sentences.SENTENCE_KEY: packed}
    hit = _hit("a:0", 0.5, "Some text.", meta)
    assert hit.sentence_vectors == packed
    assert hit.metadata == {"category": "event"}
    assert "sentence_vectors" not in hit.to_dict()
    assert packed not in repr(hit)
