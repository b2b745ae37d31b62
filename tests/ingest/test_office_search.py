"""Office files, scans and spreadsheets through ingest and search: hits say where they are."""

import json

from ingest.pipeline import run
from kb.api import KnowledgeBase
from tests.conftest import write
from tests.ingest.office import make_pptx, make_xlsx, scanned_pdf


def test_hits_cite_slide_sheet_row_and_ocr_in_the_library_the_cli_and_the_card(
        tmp_path, settings, hash_embedder, hash_model, capsys):
    from kb import cli
    from kb.ui import render

    root = tmp_path / "corpus"
    make_pptx(root / "webinars" / "pitch.pptx", [
        {"title": "Intro", "body": ["Welcome to the reverse pitch"]},
        {"title": "Budget",
         "table": [["Item", "NOK"], ["Catering for the quokka lunch", "26 000"]]},
    ])
    make_xlsx(root / "projects.xlsx", {"Projects": [
        ["Project", "Coordinator"], ["Slag to Binder", "Wombat Cluster AB"]]})
    (root / "reports").mkdir()
    scanned_pdf(root / "reports" / "scan.pdf", [["Pilot line for narwhal packaging",
                                                 "The line would cost SEK 14 million."]])
    write(root / ".kbignore", "nothing\n")
    report = run([root], settings, embedder=hash_embedder)
    assert report.added == 3 and not report.failed
    kb = KnowledgeBase(settings, embedder=hash_embedder)
    hit = kb.search("quokka catering lunch", k=1)[0]
    assert (hit.source, hit.slide, hit.section) == ("webinars/pitch.pptx", 2, "Budget")
    hit = kb.search("wombat cluster coordinator", k=1)[0]
    assert (hit.sheet, hit.row, hit.metadata["coordinator"]) == ("Projects", 2,
                                                                 "Wombat Cluster AB")
    hit = kb.search("narwhal packaging pilot line", k=1)[0]
    assert (hit.page, hit.ocr) == (1, True)
    card = render.card_html(hit.to_dict(), hit.text, "narwhal")
    assert "p. 1" in card and "text read by OCR" in card
    capsys.readouterr()
    cli.main(["search", "quokka catering", "--json", "--k", "1", "--store", str(settings.store)])
    assert json.loads(capsys.readouterr().out)[0]["slide"] == 2
    cli.main(["search", "narwhal packaging", "--k", "1", "--store", str(settings.store)])
    assert "p. 1, OCR text]" in capsys.readouterr().out
