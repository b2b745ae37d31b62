import pytest

from ingest.chunking import chunk_document
from ingest.loaders import load
from ingest.siblings import siblings
from kb.errors import LoadError
from tests.conftest import write
from tests.ingest.office import encrypt, make_pptx

SLIDES = [
    {"title": "Reverse pitch in practice", "body": ["Tverrfjord Process Cluster", "March 2024"]},
    {"title": "Budget", "table": [["Item", "EUR"], ["Venue and lunch", "1 900"],
                                  ["Facilitator", "2 600"]],
     "notes": "Mention that the host company paid for the venue."},
    {"title": "Three pitfalls", "body": ["Challenges too vague", "No NDA policy",
                                         "No follow-up owner"] * 20},
]
VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Helena Strand>Welcome to the webinar.\n"


def test_one_unit_per_slide_with_tables_and_notes_and_chunks_cite_the_slide(tmp_path):
    path = make_pptx(tmp_path / "deck.pptx", SLIDES, title="Reverse pitch webinar slides")
    doc = load(path, "deck.pptx")
    assert doc.title == "Reverse pitch webinar slides" and doc.metadata["slide_count"] == 3
    assert [(u.slide, u.section) for u in doc.units] == [
        (1, "Reverse pitch in practice"), (2, "Budget"), (3, "Three pitfalls")]
    assert "| Venue and lunch | 1 900 |" in doc.units[1].text.splitlines()
    assert "Speaker notes: Mention that the host company paid" in doc.units[1].text
    chunks = chunk_document(doc, 40, 5, 75)
    assert sum(c.metadata["slide"] == 3 for c in chunks) > 1  # slide 3 is split, within slide 3
    for c in chunks:
        assert c.text in doc.units[c.metadata["slide"] - 1].text  # never spans two slides


def test_a_deck_and_a_transcript_with_one_stem_are_linked_both_ways(tmp_path):
    folder = tmp_path / "webinars"
    deck = make_pptx(folder / "reverse-pitch.pptx", SLIDES)
    write(folder / "reverse-pitch.vtt", VTT)
    write(folder / "other.vtt", VTT)
    assert siblings(deck, [".vtt", ".srt"]) == [folder / "reverse-pitch.vtt"]
    slides = load(deck, "webinars/reverse-pitch.pptx")
    transcript = load(folder / "reverse-pitch.vtt", "webinars/reverse-pitch.vtt")
    assert slides.kind == "transcript" and slides.title == "Reverse pitch in practice"
    assert slides.metadata["transcript"] == "webinars/reverse-pitch.vtt"
    assert transcript.metadata["slides"] == "webinars/reverse-pitch.pptx"
    assert "slides" not in load(folder / "other.vtt", "webinars/other.vtt").metadata
    chunk = chunk_document(transcript, 200, 30, 75)[0]
    assert chunk.metadata["slides"] == "webinars/reverse-pitch.pptx"


@pytest.mark.parametrize("make, reason", [
    (lambda p: make_pptx(p, []), "empty deck"),
    (lambda p: make_pptx(p, [{"title": " "}, {}]), "no text on any of the deck's 2 slides"),
    (lambda p: write(p, b"PK\x03\x04 broken" * 4), "corrupt PowerPoint deck"),
    (lambda p: encrypt(make_pptx(p, SLIDES)), "password-protected"),
])
def test_bad_decks_are_load_errors_naming_the_reason(tmp_path, make, reason):
    path = make(tmp_path / "bad.pptx")
    with pytest.raises(LoadError) as err:
        load(path, "bad.pptx")
    assert err.value.source == "bad.pptx" and reason in err.value.reason


def test_a_deck_added_later_links_its_transcript_on_the_next_ingest(tmp_path, settings,
                                                                    hash_embedder):
    from ingest.pipeline import run
    from kb.store import Store

    root = tmp_path / "corpus"
    write(root / "webinars" / "reverse-pitch.vtt", VTT)
    assert run([root], settings, embedder=hash_embedder).added == 1
    make_pptx(root / "webinars" / "reverse-pitch.pptx", SLIDES)
    report = run([root], settings, embedder=hash_embedder)
    assert (report.added, report.updated) == (1, 1)  # the deck, and the transcript it links
    records = {r["source"]: r for r in Store(settings).records().values()}
    assert records["webinars/reverse-pitch.vtt"]["slides"] == "webinars/reverse-pitch.pptx"
    assert records["webinars/reverse-pitch.pptx"]["transcript"] == "webinars/reverse-pitch.vtt"
    (root / "webinars" / "reverse-pitch.pptx").unlink()
    report = run([root], settings, embedder=hash_embedder)
    assert (report.removed, report.updated) == (1, 1)  # the deck gone, the transcript redone
