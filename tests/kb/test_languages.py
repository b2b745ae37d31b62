"""Document languages: detection at ingest, BM25 in each document's own language, the filter."""

import json

import pytest

from ingest.language import detect
from ingest.pipeline import run
from kb import lexical
from kb.api import KnowledgeBase
from kb.cli import main
from kb.lexical import SearchIndex, stopwords, tokenize, tokenize_as
from kb.store import Store
from tests.conftest import CORPUS, write

SV = ("Klustret samlar företag och högskolor i regionen. Forskaren arbetar fyra månader hos "
      "medlemsföretaget och projektet avslutas med ett frukostmöte.")
EN = "The cluster brings companies and universities together; the researcher stays four months."


def test_detect_names_the_language_or_none_when_too_short():
    assert detect(SV) == "sv"
    assert detect(EN) == "en"
    assert detect("Klyngen samler bedrifter og forskningsmiljøer for å styrke innovasjon.") == "no"
    assert detect("Hanketta rahoitti Business Finland ja se kesti kahdeksantoista kuukautta."
                  ) == "fi"
    assert detect("Kluster") is None


def test_each_language_has_its_stemmer_and_stop_words():
    assert tokenize_as(EN, "en") == tokenize(EN)  # English tokens carry no prefix
    assert tokenize_as(EN, "fr") == tokenize(EN)  # no analyzer of its own: read as English
    sv = tokenize_as("Hur fungerar klustren och medlemmarna", "sv")
    assert sv == ["sv:funger", "sv:klustr", "sv:medlemm"]  # "hur", "och" are stop words
    for lang in ("sv", "no", "da", "fi", "de"):
        assert len(stopwords(lang)) > 50


def _index(texts, languages):
    ids = [f"d{i}:0" for i in range(len(texts))]
    return SearchIndex.build(ids, texts, [i.split(":")[0] for i in ids], "g1",
                              languages=languages)


def test_a_swedish_question_finds_the_definite_form():
    lex = _index([EN, SV, "Ett annat dokument om helt andra saker."], ["en", "sv", "sv"])
    assert lex.languages == ["en", "sv"]
    terms = lex.query_terms("Vad gör ett kluster?")
    assert "sv:klustret" in terms["sv"]  # "kluster" stems to "klust"; "klustret" stays
    scores = lex.scores([t for ts in terms.values() for t in ts])
    assert scores[1] > 0 and scores[1] == max(scores)
    assert lex.question_terms("Vad gör ett kluster?") == terms["sv"]  # the language it fits
    assert lex.question_terms("What does a cluster do?") == tokenize("What does a cluster do?")
    assert lex.query_terms("klustret")["sv"] == ["sv:klustret"]  # a stem it has: not widened


def test_diacritics_are_folded_in_every_language():
    assert tokenize("Östkust Kjærgaard Beyoncé") == tokenize("Ostkust Kjaergaard Beyonce")
    assert tokenize_as("Förberedelser", "sv") == tokenize_as("förberedelse", "sv") == \
        ["sv:forbered"]  # stemmed with its own letters first
    assert tokenize_as("Oppfølging", "no") == tokenize_as("oppfolging", "no")


def test_an_index_saved_by_another_analyzer_is_rebuilt(tmp_path):
    """Its terms would not meet the queries' ("östkust" against "ostkust"): load refuses it,
    and the reader rebuilds it from the store."""
    _index([EN], None).save(tmp_path / "lex")
    meta = json.loads((tmp_path / "lex" / "index.json").read_text())
    assert meta["analyzer"] == lexical.ANALYZER and SearchIndex.load(tmp_path / "lex") is not None
    meta["analyzer"] = "older"
    (tmp_path / "lex" / "index.json").write_text(json.dumps(meta))
    assert SearchIndex.load(tmp_path / "lex") is None


def test_an_english_collection_reads_questions_as_before(tmp_path):
    lex = _index([EN, "Another text about suppliers."], None)
    assert lex.query_terms("cluster researcher") == {"en": tokenize("cluster researcher")}
    lex.save(tmp_path / "lex")
    assert SearchIndex.load(tmp_path / "lex").languages == ["en"]
    mixed = _index([EN, SV], ["en", "sv"])
    mixed.save(tmp_path / "mixed")
    assert SearchIndex.load(tmp_path / "mixed").languages == ["en", "sv"]


def _folder(root):
    write(root / "toolbox" / "forskare.md",
          f"---\ntitle: Forskare på plats\ncategory: tool\n---\n# Forskare på plats\n\n{SV}\n")
    write(root / "toolbox" / "researcher.md",
          f"---\ntitle: Researcher in residence\ncategory: tool\n---\n# Researcher\n\n{EN}\n")
    write(root / "toolbox" / "override.md",
          "---\ntitle: Marked\nlanguage: DA\n---\n# Marked\n\nA text said to be Danish.\n")
    return root


def test_ingest_records_the_language_and_search_filters_on_it(tmp_path, settings, hash_embedder):
    run([_folder(tmp_path / "c")], settings, embedder=hash_embedder)
    langs = {r["source"]: r.get("language") for r in Store(settings).records().values()}
    assert langs == {"toolbox/forskare.md": "sv", "toolbox/researcher.md": "en",
                     "toolbox/override.md": "da"}
    kb_ = KnowledgeBase(settings, embedder=hash_embedder)
    assert kb_.search("Hur länge stannar forskaren hos klustret?", k=1)[0].source == \
        "toolbox/forskare.md"
    only_en = kb_.search("forskaren klustret researcher", k=5, filters={"language": "en"})
    assert [h.source for h in only_en] == ["toolbox/researcher.md"]


def test_cli_language_filter(tmp_path, settings, hash_model, capsys):
    root = _folder(tmp_path / "c")
    assert main(["ingest", str(root), "--store", str(settings.store), "--json"]) == 0
    capsys.readouterr()
    assert main(["search", "forskaren researcher", "--language", "sv", "--json",
                 "--store", str(settings.store)]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and {h["source"] for h in hits} == {"toolbox/forskare.md"}


@pytest.mark.slow
def test_swedish_toolbox_entry_answers_a_swedish_question(corpus_kb):
    source = "toolbox/forskare-pa-plats-kompetensvaxling.md"
    assert (CORPUS / source).exists()
    hits = corpus_kb.search("Vad betalar medlemsföretaget när klustret ordnar forskare på plats?",
                            k=3)
    assert hits[0].source == source
    hits = corpus_kb.search("Vad gör ett kluster för att handledaren ska få tid?", k=5,
                            filters={"language": "sv"})
    assert hits and {h.source for h in hits} == {source}


def test_app_filters_on_language_and_browse_shows_it(tmp_path, settings, hash_embedder):
    from kb.ui import browse, handlers

    run([_folder(tmp_path / "c")], settings, embedder=hash_embedder)
    kb_ = KnowledgeBase(settings, embedder=hash_embedder)
    h = handlers.Handlers(kb_, settings)
    hits = h.api_search("forskaren researcher", k=5, language="sv")
    assert [x["source"] for x in hits] == ["toolbox/forskare.md"]
    rows = h.run_search("forskaren researcher", "", "", [], "", "", "", "en")[0]
    assert [r[-1] for r in rows] == ["toolbox/researcher.md"]
    docs = kb_.docs()
    assert browse.language_choices(docs) == [("Any", ""), ("da", "da"), ("en", "en"), ("sv", "sv")]
    assert '<span class="kb-lang" title="language">sv</span>' in browse.browse_html(docs)
