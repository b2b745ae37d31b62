"""With KB_AUTH the whole app, its API and the original files need a login (Gradio auth).

In-process (Starlette's TestClient on ``create_server``): no model, no port."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from kb import Settings, UsageError
from kb.models import DocInfo, doc_id_for
from kb.ui.server import create_server
from tests.app.fakes import FakeKB

USER, PASSWORD = "ann", "s3cret pass"



@pytest.fixture
def server(tmp_path):
    original = tmp_path / "corpus" / "note.md"
    original.parent.mkdir()
    original.write_text("# Note\n\nA note.\n")
    kb_ = FakeKB([DocInfo(doc_id_for("note.md"), "note.md", "document", "Note", 1, str(original))])
    settings = Settings(store=tmp_path / "store", auth=f"{USER}:{PASSWORD}", allow_upload=True,
                        host="0.0.0.0")
    with TestClient(create_server(kb_, settings)) as client:
        yield client


FILE = f"/file/{doc_id_for('note.md')}"


def test_nothing_without_a_login(server):
    assert server.get("/gradio_api/info").status_code == 401
    assert server.get(FILE).status_code == 401
    wrong = server.post("/login", data={"username": USER, "password": "wrong"})
    assert wrong.status_code == 400
    assert server.get(FILE).status_code == 401


def test_a_logged_in_user_opens_files_and_may_upload(server):
    assert server.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
    got = server.get(FILE)
    assert got.status_code == 200 and got.text.startswith("# Note")
    assert "sandbox" in got.headers["content-security-policy"]
    named = server.get("/gradio_api/info").json()["named_endpoints"]
    assert {"/ask", "/search", "/similar", "/upload"} <= set(named)  # 0.0.0.0 with a login


def test_auth_must_be_user_and_password(tmp_path):
    with pytest.raises(UsageError, match="user:password"):
        create_server(FakeKB([]), Settings(store=tmp_path, auth="nopassword"))
