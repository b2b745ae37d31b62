from ingest.fields import fields_from_lines


def test_a_sentence_broken_at_a_label_word_is_not_a_field():
    # NordBatt Link's PDF once broke its notice over lines at "funding"
    lines = ["NordBatt Link and its partner clusters are invented; the",
             "funding instrument is described in general terms and all figures are invented.",
             "Funding: EUR 4 850 000"]
    meta = fields_from_lines(lines)
    assert meta["funding"] == "EUR 4 850 000"
    assert meta["funding_eur"] == 4_850_000


def test_label_value_forms_are_read():
    meta = fields_from_lines(["**Coordinator:** Mobile Heights AB", "Status Completed",
                              "Project duration: May 2022 - January 2023",
                              "Funding SEK 2 138 347"])
    assert meta["coordinator"] == "Mobile Heights AB"
    assert meta["status"] == "Completed"
    assert (meta["start_year"], meta["end_year"]) == (2022, 2023)
    assert meta["funding_sek"] == 2_138_347


def test_a_capitalised_sentence_opening_with_a_label_word_is_not_a_field():
    assert fields_from_lines(["Funding instrument rules are described below."]) == {}
    assert fields_from_lines(["status of the project is unclear"]) == {}
