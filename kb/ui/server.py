"""The server: the Gradio app mounted at / on a FastAPI app that also serves the original files
(``/file/{doc_id}``) and transcripts' recordings (``/recording/{doc_id}``), behind the same login.

``serve`` loads the model and the store once and listens on ``KB_HOST:KB_PORT``
(127.0.0.1:7860), never on a public share link; ``python app.py`` and ``kb serve`` call it.
``create_server`` gives the FastAPI app; ``kb.ui.layout.build_app`` the Gradio Blocks alone.
"""

from __future__ import annotations

import logging
import re
import socket
import sys
import time
import urllib.parse
from importlib import resources
from pathlib import Path

import gradio as gr
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, Response

from kb import KBError, KnowledgeBase, Settings, UsageError
from kb.edge import RequestLimit, request_limit
from kb.ui.access import open_reading_warning, parse_auth, upload_policy
from kb.ui.layout import build_app
from kb.ui.render import RECORDING_TYPES

log = logging.getLogger("kb.app")

MEDIA_TYPES = {".pdf": "application/pdf", ".html": "text/html; charset=utf-8",
               ".htm": "text/html; charset=utf-8",
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Served originals never run anything: no scripts, no requests, a unique origin.
FILE_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def static_text(name: str) -> str:
    """A file of ``kb/ui/static`` (shipped in the wheel as package data)."""
    return resources.files("kb.ui").joinpath("static", name).read_text(encoding="utf-8")


CSS = static_text("app.css")
HEAD = f"<script>\n{static_text('app.js')}</script>"


def source_file(kb_: KnowledgeBase, doc_id: str) -> Path:
    """The original file of a stored document, or an HTTPException: only files recorded in the
    store, regular, at exactly their recorded path (no symlink or ``..`` leading elsewhere)."""
    if not re.fullmatch(r"[0-9a-f]{16}", doc_id):
        raise HTTPException(404, "no such document")
    info = next((d for d in kb_.docs() if d.doc_id == doc_id), None)
    if info is None or not info.path:
        raise HTTPException(404, "no such document")
    recorded = Path(info.path)
    if not recorded.is_absolute() or ".." in recorded.parts:
        raise HTTPException(403, "refused: not a plain path")
    try:
        resolved = recorded.resolve(strict=True)
    except (OSError, RuntimeError):
        raise HTTPException(404, "the original file is gone") from None
    if resolved != recorded or recorded.is_symlink() or not resolved.is_file():
        raise HTTPException(403, "refused: the file is a link or not a regular file")
    return resolved


def recording_file(kb_: KnowledgeBase, doc_id: str) -> Path:
    """The recording recorded for a stored transcript: a plain file beside the transcript's
    own recorded file, with its stem, named in the store (the checks of ``source_file``)."""
    transcript = source_file(kb_, doc_id)
    info = next(d for d in kb_.docs() if d.doc_id == doc_id)
    name = str(info.metadata.get("recording") or "")
    candidate = transcript.parent / name
    if (not name or Path(name).name != name or candidate.suffix.lower() not in RECORDING_TYPES
            or candidate.stem != transcript.stem):
        raise HTTPException(404, "no recording for this document")
    if candidate.is_symlink() or not candidate.is_file():
        raise HTTPException(404, "the recording is gone")
    return candidate


def create_server(kb_: KnowledgeBase, settings: Settings) -> FastAPI:
    """The Gradio app mounted at / on a FastAPI app that also serves ``/file/{doc_id}``."""
    demo = build_app(kb_, settings)
    demo.queue(default_concurrency_limit=4)
    server = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    server.add_middleware(RequestLimit, limit=request_limit(settings),  # type: ignore[arg-type]
                          question_chars=settings.max_question_chars)
    auth = parse_auth(settings.auth)

    @server.api_route("/file/{doc_id}", methods=["GET", "HEAD"])
    def open_file(doc_id: str, request: Request) -> FileResponse:
        if auth and not _logged_in(server, request):
            raise HTTPException(401, "log in first")
        path = source_file(kb_, doc_id)
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
        if path.suffix.lower() == ".pdf":  # no scripts or automatic actions (kb.originals)
            return inert_pdf_response(path, headers)
        headers["Content-Security-Policy"] = FILE_CSP
        return FileResponse(path, headers=headers, content_disposition_type="inline",
                            filename=path.name, media_type=MEDIA_TYPES.get(
                                path.suffix.lower(), "text/plain; charset=utf-8"))

    @server.api_route("/recording/{doc_id}", methods=["GET", "HEAD"])
    def open_recording(doc_id: str, request: Request) -> FileResponse:
        """A transcript's recording, with range requests (Starlette's FileResponse answers
        ``Range`` with 206), so the player can seek."""
        if auth and not _logged_in(server, request):
            raise HTTPException(401, "log in first")
        path = recording_file(kb_, doc_id)
        return FileResponse(path, headers={"X-Content-Type-Options": "nosniff"},
                            media_type=RECORDING_TYPES[path.suffix.lower()])

    return gr.mount_gradio_app(
        server, demo, path="/", server_name=settings.host, server_port=settings.port,
        auth=auth, auth_message="kb: log in to use this knowledge base", show_error=False,
        max_file_size=f"{settings.max_upload_mb}mb", footer_links=["api"], run_history=False,
        css=CSS, head=HEAD, ssr_mode=False)


def inert_pdf_response(path: Path, headers: dict[str, str]) -> Response:
    """A stored PDF without its scripts and automatic actions: a sandboxing CSP does not stop
    a PDF viewer's JavaScript (Chromium ran an /OpenAction under it), so the copy is cleaned."""
    from kb.originals import inert_pdf

    try:
        body = inert_pdf(path)
    except Exception:
        log.exception("cannot clean %s for serving", path)
        raise HTTPException(422, "this PDF cannot be served safely") from None
    disposition = f"inline; filename*=utf-8''{urllib.parse.quote(path.name)}"
    return Response(body, media_type="application/pdf",
                    headers={**headers, "Content-Disposition": disposition})


def _logged_in(server: FastAPI, request: Request) -> bool:
    """Whether the request carries a Gradio login cookie (the same check Gradio makes)."""
    gradio_app = next(r.app for r in server.routes if getattr(r, "path", None) == "")
    token = (request.cookies.get(f"access-token-{gradio_app.cookie_id}")
             or request.cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}"))
    return gradio_app.tokens.get(token) is not None


def check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc} "
                             "(set KB_PORT or --port to another port)") from None


def serve(settings: Settings, watch: list[str] | None = None) -> None:
    """Load the model and the store once, then serve until interrupted (Ctrl-C)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for chatty in ("watchfiles", "bm25s"):  # "1 change detected", "Building index from tokens"
        logging.getLogger(chatty).setLevel(logging.WARNING)
    started = time.perf_counter()
    parse_auth(settings.auth)  # a bad KB_AUTH or a busy port fails now, not after the model loads
    check_port(settings.host, settings.port)
    if watch:
        from ingest.watch import check_folders, watch_in_background

        check_folders(watch)
    kb_ = KnowledgeBase(settings)
    kb_.warm_up()
    if watch:  # ingest changes to these folders while serving
        watch_in_background(watch, settings, kb_)
    app = create_server(kb_, settings)
    allowed, why = upload_policy(settings)
    if (warning := open_reading_warning(settings)):
        log.warning(warning)
    print(f"kb: {len(kb_.docs())} documents in {settings.store}; ready in "
          f"{time.perf_counter() - started:.1f} s on http://{settings.host}:{settings.port}"
          + ("" if allowed or not settings.allow_upload else f"\nkb: {why}"), flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                timeout_graceful_shutdown=3)  # open streams must not hold up Ctrl-C


def main() -> int:
    """``python app.py``: serve with the settings of the environment; a kb error is one line."""
    try:
        serve(Settings.from_env())
    except KBError as exc:
        print(f"kb: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    return 0
