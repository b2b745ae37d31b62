"""The app's named endpoints through a real ``gradio_client``, and the original-file route."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from kb.models import doc_id_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_ask_returns_text_with_markers_and_numbered_sources(client):
    text, sources = client.predict("How do I run a reverse pitch?", api_name="/ask")
    assert "[1]" in text
    assert [s["n"] for s in sources] == list(range(1, len(sources) + 1))
    first = sources[0]
    assert {"title", "kind", "source", "snippet", "doc_id"} <= set(first)
    assert first["snippet"]


def test_ask_with_nothing_to_say_abstains_without_sources(client):
    text, sources = client.predict("xqzv wplk", api_name="/ask")
    assert sources == [] and "nothing" in text.lower()


def test_search_returns_hits_and_filters(client):
    hits = client.predict("quokka ledger", api_name="/search")
    assert hits and hits[0]["source"] == "toolbox/quokka-counting.md"
    reports = client.predict(query="hydrogen", kind="report", api_name="/search")
    assert reports and {h["kind"] for h in reports} == {"report"}


def test_similar_lists_other_documents(client):
    hits = client.predict(source="toolbox/reverse-pitch.md", k=3, api_name="/similar")
    assert 0 < len(hits) <= 3
    assert "toolbox/reverse-pitch.md" not in {h["source"] for h in hits}


def test_library_errors_reach_the_client_as_a_readable_message(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="no document with source"):
        client.predict(source="no/such/file.md", api_name="/similar")
    with pytest.raises(AppError, match="empty"):
        client.predict("   ", api_name="/ask")


def test_upload_adds_a_document_and_refuses_bad_files(client, tmp_path):
    from gradio_client import handle_file

    good = tmp_path / "wombat-workshop.md"
    good.write_text("# Wombat workshop\n\nA wombat workshop gathers members around one wombat "
                    "burrow to plan the year.\n", encoding="utf-8")
    fake = tmp_path / "fake.pdf"
    fake.write_text("this is not a PDF")
    rows = client.predict(paths=[handle_file(str(good)), handle_file(str(fake))], kind="toolbox",
                          api_name="/upload")
    result = {r[0]: r[1:] for r in rows["data"]}
    assert result["wombat-workshop.md"][0] == "added"
    assert result["fake.pdf"][0] == "refused" and "not a PDF" in result["fake.pdf"][1]
    hits = client.predict("wombat burrow", api_name="/search")
    assert hits[0]["title"] == "Wombat workshop" and hits[0]["kind"] == "toolbox"


def test_file_route_serves_stored_files(app_url, docs_by_source):
    pdf = next(s for s in docs_by_source if s.endswith(".pdf"))
    status, headers, body = get(app_url + f"file/{doc_id_for(pdf)}")
    assert status == 200 and body.startswith(b"%PDF-")
    assert headers["content-type"] == "application/pdf"
    status, headers, body = get(app_url + f"file/{doc_id_for('toolbox/quokka-counting.md')}")
    assert status == 200 and b"quokka" in body
    assert headers["content-type"].startswith("text/plain")
    assert "sandbox" in headers["content-security-policy"]


@pytest.mark.parametrize("path", [
    "file/..%2F..%2F..%2Fetc%2Fpasswd", "file/../../etc/passwd", "file/%2Fetc%2Fpasswd",
    "file/0000000000000000", "file/" + "a" * 40,
])
def test_file_route_refuses_anything_not_in_the_store(app_url, path):
    status, _, body = get(app_url + path)
    assert status in (403, 404) and b"root:" not in body


def test_a_symlink_out_of_the_corpus_is_neither_ingested_nor_served(app_url, docs_by_source):
    assert "toolbox/linked-secret.md" not in docs_by_source  # ingest skips links leaving the folder
    status, _, body = get(app_url + f"file/{doc_id_for('toolbox/linked-secret.md')}")
    assert status in (403, 404) and b"secret text" not in body


def test_api_lists_the_named_endpoints(app_url):
    status, _, body = get(app_url + "gradio_api/info")
    named = json.loads(body)["named_endpoints"]
    assert status == 200 and {"/ask", "/search", "/similar", "/upload"} <= set(named)
