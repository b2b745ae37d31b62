from types import SimpleNamespace

import pytest

from kb.answer.citations import citation, location
from kb.models import Hit


@pytest.mark.parametrize("where, label", [
    ({"page": 3}, "p. 3"),
    ({"slide": 7}, "slide 7"),
    ({"sheet": "Projects", "row": 6}, "sheet Projects, row 6"),
    ({"row": 2}, "row 2"),
    ({"start": 65.0, "end": 130.0}, "00:01:05-00:02:10"),
    ({}, ""),
])
def test_location_names_page_slide_row_or_time(where, label):
    fields = {"page": None, "slide": None, "sheet": None, "row": None, "start": None, "end": None}
    assert location(SimpleNamespace(**{**fields, **where})) == label


def test_a_citation_keeps_its_hits_slide_row_and_ocr():
    hit = Hit(doc_id="d", chunk_id="d:0", source="deck.pptx", title="T", kind="transcript",
              text="Catering costs 26 000.", score=0.5, slide=6, ocr=True)
    c = citation(1, hit, "Catering costs 26 000.")
    assert (c.slide, c.ocr, location(c)) == (6, True, "slide 6")
    assert c.to_dict()["slide"] == 6
