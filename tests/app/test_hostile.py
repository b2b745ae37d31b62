"""The app under odd and hostile input (issue 15), without a browser: oversized questions, wrong
API types, bad metadata on Browse, CSV cells, upload names, scripted PDFs, open reading."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import gradio as gr
import pytest
from starlette.testclient import TestClient

from ingest.metadata import typed
from ingest.pipeline import run
from kb import KnowledgeBase, Settings, UsageError
from kb.models import DocInfo, doc_id_for
from kb.testing import HashEmbedder
from kb.ui import access, browse, exports, handlers, server, uploads
from tests.app.fakes import FakeKB
from tests.conftest import SUPPLIER_DAY, make_pdf, write

BAD_TRANSCRIPT = """
    ---
    title: Odd webinar
    type: transcript
    duration_seconds: abc
    start_year: twenty twenty
    tags: 5
    ---
    # Odd webinar
    A webinar about cluster vouchers for small firms.
    """


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[KnowledgeBase, Settings, object]:
    """A store with one toolbox entry and one transcript with bad metadata (hash embedder)."""
    base = tmp_path_factory.mktemp("hostile")
    write(base / "corpus" / "toolbox" / "supplier-day.md", SUPPLIER_DAY)
    write(base / "corpus" / "webinars" / "odd.md", BAD_TRANSCRIPT)
    settings = Settings(store=base / "store", lock_timeout=2, max_upload_mb=1)
    report = run([base / "corpus"], settings, embedder=HashEmbedder())
    return KnowledgeBase(settings, embedder=HashEmbedder()), settings, report


# -- 2: typed metadata, and a Browse page that survives anything -------------------------------
def test_browse_loads_after_a_transcript_with_a_bad_duration(small):
    kb_, settings, report = small
    assert report.added == 2 and not report.failed
    warnings = {w["warning"] for w in report.warnings if w["source"] == "webinars/odd.md"}
    assert "duration_seconds: 'abc' is not a number; dropped" in warnings
    assert "start_year: 'twenty twenty' is not a year; dropped" in warnings
    page, tags, *_ = handlers.Handlers(kb_, settings).refreshed()
    assert "Odd webinar" in page and "Supplier day" in page
    assert [c[0] if isinstance(c, tuple) else c for c in tags.choices] == ["5"]  # "tags: 5"


@pytest.mark.parametrize("value", ["abc", None, [1, 2], {"a": 1}, float("inf"), -5, True, "1e999"])
def test_the_renderers_survive_any_stored_value(value):
    meta = {"duration_seconds": value, "start_year": value, "end_year": value, "tags": value,
            "coordinator": value, "funding": value, "contributed_by": value}
    docs = [DocInfo("a", "webinars/w.md", "transcript", "W", 1, "", dict(meta)),
            DocInfo("b", "reports/r.md", "report", "R", 1, "", dict(meta)),
            DocInfo("c", "toolbox/t.md", "toolbox", "T", 1, "", dict(meta))]
    page = browse.browse_html(docs)
    assert "W" in page and "R" in page and "T" in page
    browse.filter_choices(docs)


def test_known_fields_are_typed_and_bad_values_reported():
    meta, problems = typed({"start_year": "2021", "end_year": 2023.0, "duration_seconds": "1 200",
                            "funding_sek": "12 500 000", "date": "2024-03-01T10:00",
                            "published": "last spring", "tags": "a, b", "coordinator": 7,
                            "funding_eur": -3})
    assert meta == {"start_year": 2021, "end_year": 2023, "duration_seconds": 1200,
                    "funding_sek": 12_500_000, "date": "2024-03-01", "published": "last spring",
                    "tags": ["a", "b"], "coordinator": 7}
    assert problems == ["published: 'last spring' is not a date (YYYY-MM-DD); kept as text",
                        "funding_eur: -3 is not a number; dropped"]
    assert typed({"start_year": 2024, "end_year": 2020})[0] == {}


# -- 1: the question's size ----------------------------------------------------------------------
def test_an_oversized_question_is_refused_at_once_everywhere(small, capsys):
    kb_, settings, _ = small
    h = handlers.Handlers(kb_, settings)
    huge = "what " * 2_000_000  # 10 MB
    started = time.perf_counter()
    with pytest.raises(gr.Error, match="too long: 10,000,000 characters; the limit is 2,000"):
        h.api_ask(huge)
    with pytest.raises(gr.Error, match="too long"):
        h.api_search(huge)
    with pytest.raises(gr.Error, match="too long"):
        next(h.respond(huge, []))
    with pytest.raises(UsageError, match="KB_MAX_QUESTION_CHARS"):
        kb_.ask(huge)
    assert time.perf_counter() - started < 1.0
    from kb import cli

    assert cli.main(["ask", "x" * 5000, "--store", str(settings.store)]) == 2
    assert "the question is too long: 5,000 characters" in capsys.readouterr().err
    assert cli.main(["search", "x" * 5000, "--store", str(settings.store)]) == 2


def test_an_oversized_api_call_is_refused_before_it_is_read(tmp_path):
    settings = Settings(store=tmp_path / "store")
    huge = {"data": ["what " * 600_000]}  # 3 MB
    with TestClient(server.create_server(FakeKB([]), settings)) as client:
        for path in ("/gradio_api/call/ask", "/gradio_api/queue/join"):
            started = time.perf_counter()
            got = client.post(path, json=huge)
            assert got.status_code == 413 and time.perf_counter() - started < 1.0
            assert "at most 2,000 characters (KB_MAX_QUESTION_CHARS)" in got.json()["detail"]
        assert client.post("/gradio_api/call/ask", json={"data": ["hi"]}).status_code != 413


# -- 8: wrong types in the HTTP API --------------------------------------------------------------
@pytest.mark.parametrize(("call", "message"), [
    (lambda h: h.api_ask(None), "question must be text, not NoneType"),
    (lambda h: h.api_ask(42), "question must be text, not int"),
    (lambda h: h.api_ask(["a"]), "question must be text, not list"),
    (lambda h: h.api_ask({"q": 1}), "question must be text, not dict"),
    (lambda h: h.api_search(None), "query must be text, not NoneType"),
    (lambda h: h.api_search("vouchers", k="abc"), "k must be a whole number from 1 to 100, not "
                                                  "'abc'"),
    (lambda h: h.api_search("vouchers", k=1e309), "not inf"),
    (lambda h: h.api_search("vouchers", k=[3]), "not list"),
    (lambda h: h.api_search("vouchers", k=0), "not 0"),
    (lambda h: h.api_search("vouchers", kind=["report"]), "kind must be text, not list"),
    (lambda h: h.api_search("vouchers", kind="nonsense"), "unknown kind 'nonsense'"),
    (lambda h: h.api_search("vouchers", category="party"), "unknown category 'party'"),
    (lambda h: h.api_search("vouchers", organisation=5), "organisation must be text, not int"),
    (lambda h: h.api_similar(None), "give the source of a stored document"),
    (lambda h: h.api_similar(["a"]), "source must be text, not list"),
    (lambda h: h.api_similar("toolbox/supplier-day.md", k=0), "not 0"),
    (lambda h: h.api_similar("toolbox/supplier-day.md", k=-3), "not -3"),
    (lambda h: h.api_similar("toolbox/supplier-day.md", k=10**9), "not 1000000000"),
    (lambda h: h.api_similar("toolbox/supplier-day.md", k=1e309), "not inf"),
])
def test_wrong_types_get_a_clear_message(small, call, message):
    kb_, settings, _ = small
    with pytest.raises(gr.Error) as err:
        call(handlers.Handlers(kb_, settings))
    assert message in err.value.message and "went wrong" not in err.value.message


def test_the_library_checks_too(small):
    kb_, _, _ = small
    for k in (0, -1, 10**9):
        with pytest.raises(UsageError, match="k must be a whole number"):
            kb_.similar("toolbox/supplier-day.md", k=k)
    with pytest.raises(UsageError, match="unknown kind"):
        kb_.search("vouchers", filters={"kind": "nonsense"})
    h = handlers.Handlers(kb_, Settings(store=kb_.settings.store))
    assert h.api_search("supplier day", k="3")  # numbers as text or as floats are read
    assert len(h.api_similar("toolbox/supplier-day.md", k=5.0)) == 1


# -- 9: CSV cells --------------------------------------------------------------------------------
def test_csv_export_defuses_tab_and_carriage_return_before_a_formula():
    hit = {"title": "\t=HYPERLINK(\"x\")", "kind": "\r=1+1", "score": 0.5, "source": "s",
           "text": "=2+2", "page": None, "start": None, "end": None}
    with open(exports.export_csv([hit], "q"), encoding="utf-8", newline="") as f:
        row = list(csv.reader(f))[1]
    assert row[1] == "'\t=HYPERLINK(\"x\")" and row[2] == "'\r=1+1" and row[6] == "'=2+2"


# -- 11: upload names ----------------------------------------------------------------------------
def test_an_upload_never_replaces_another(tmp_path):
    settings = Settings(store=tmp_path / "store", lock_timeout=2)
    kb_ = KnowledgeBase(settings, embedder=HashEmbedder())
    first = write(tmp_path / "a" / "collide.md", "# First\n\nThe first wombat upload.\n")
    second = write(tmp_path / "b" / "collide.md", "# Second\n\nThe second numbat upload.\n")

    def upload(path: Path, kind: str) -> list[list[str]]:
        return uploads.ingest_uploads(kb_, [str(path)], kind, lambda *a: None)

    assert upload(first, "auto") == [["collide.md", "added", "indexed"]]
    rows = upload(second, "toolbox")
    assert rows == [["collide-2.md", "added", "indexed; saved as collide-2.md: a different "
                                              "collide.md was uploaded before"]]
    assert upload(first, "auto")[0][:2] == ["collide.md", "added"]  # the same file again
    titles = {d.source: d.title for d in kb_.docs()}
    assert titles == {"collide.md": "First", "collide-2.md": "Second"}
    assert (settings.store / "uploads" / "documents" / "collide.md").read_text().startswith(
        "# First")


# -- 3: a scripted PDF is served without its scripts ----------------------------------------------
def scripted_pdf(path: Path) -> Path:
    """A PDF whose /OpenAction, page and link run JavaScript, plus named document scripts."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    plain = make_pdf(path.with_suffix(".plain.pdf"), ["Scripted report about wombat clusters."])
    writer = PdfWriter(clone_from=plain)

    def js(code: str):
        return writer._add_object(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                                    NameObject("/JS"): TextStringObject(code)}))

    root = writer._root_object
    root[NameObject("/OpenAction")] = js("app.alert('open action');")
    root[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
        NameObject("/Names"): ArrayObject([TextStringObject("x"), js("app.alert('named');")])})})
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js("app.alert('page');")})
    link = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                             NameObject("/Subtype"): NameObject("/Link"),
                             NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
                             NameObject("/A"): js("app.alert('link');")})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    writer.write(path)
    plain.unlink()
    return path


def test_a_scripted_pdf_is_served_without_its_scripts(tmp_path):
    pdf = scripted_pdf(tmp_path / "corpus" / "scripted.pdf")
    assert pdf.read_bytes().count(b"/JS ") == 4
    kb_ = FakeKB([DocInfo(doc_id_for("scripted.pdf"), "scripted.pdf", "report", "S", 1,
                          str(pdf))])
    with TestClient(server.create_server(kb_, Settings(store=tmp_path / "store"))) as client:
        got = client.get(f"/file/{doc_id_for('scripted.pdf')}")
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    body = got.content
    assert body.startswith(b"%PDF-") and b"/JS" not in body and b"/JavaScript" not in body
    assert b"/OpenAction" not in body and b"/AA" not in body
    from io import BytesIO

    from pypdf import PdfReader

    assert "wombat clusters" in PdfReader(BytesIO(body)).pages[0].extract_text()


# -- 12: reading beyond loopback -----------------------------------------------------------------
def test_open_reading_beyond_loopback_is_warned_about():
    assert access.open_reading_warning(Settings(host="127.0.0.1")) is None
    assert access.open_reading_warning(Settings(host="0.0.0.0", auth="a:b")) is None
    warning = access.open_reading_warning(Settings(host="0.0.0.0"))
    assert "0.0.0.0 without KB_AUTH" in warning and "/ask, /search" in warning


def test_with_auth_the_reading_endpoints_need_a_login(tmp_path):
    settings = Settings(store=tmp_path / "store", auth="ann:pw", host="0.0.0.0")
    with TestClient(server.create_server(FakeKB([]), settings)) as client:
        for name in ("ask", "search", "similar"):
            got = client.post(f"/gradio_api/call/{name}", json={"data": ["vouchers"]})
            assert got.status_code == 401, (name, got.status_code)
