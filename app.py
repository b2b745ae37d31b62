"""The kb web app: Ask (cited, streamed answers), Search, Browse and Add documents.

A thin shell over ``kb.KnowledgeBase``: it renders what the library returns and nothing more.
Every piece of document text is HTML-escaped before it is put in HTML. Start it with
``python app.py`` or ``kb serve``; it listens on ``KB_HOST:KB_PORT`` (127.0.0.1:7860), never on a
public share link. ``create_server`` gives the FastAPI app (the Gradio UI plus ``/file/{doc_id}``,
which serves the original files); ``build_app`` gives the Gradio Blocks alone.
"""

from __future__ import annotations

import kb  # noqa: F401  (first: it sets the offline environment before gradio is imported)

# isort: split
import csv
import functools
import html
import inspect
import ipaddress
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse

from kb import Answer, Citation, DocInfo, Hit, KBError, KnowledgeBase, Settings, UsageError
from kb.answer import markup
from kb.answer.citations import MARKER, location
from kb.lexical import tokenize
from kb.models import CATEGORIES, doc_id_for

log = logging.getLogger("kb.app")

KIND_LABELS = {"toolbox": "Toolbox method", "report": "Project report", "transcript": "Webinar",
               "document": "Document"}
UPLOAD_TYPES = (".pdf", ".md", ".markdown", ".html", ".htm", ".vtt", ".srt", ".txt")
UPLOAD_FOLDERS = {"auto": "documents", "toolbox": "toolbox", "report": "reports",
                  "transcript": "webinars"}
EXAMPLES = [
    "How do I run a reverse pitch with a large company?",
    "What should happen in a new member's first month?",
    "How can innovation vouchers help SMEs, and what do they cost?",
    "Which projects worked on hydrogen or batteries, and who coordinated them?",
]
RESULT_HEADERS = ["#", "Title", "Kind", "Where", "Score", "Passage", "Source"]
MEDIA_TYPES = {".pdf": "application/pdf", ".html": "text/html; charset=utf-8",
               ".htm": "text/html; charset=utf-8"}
# Served originals never run anything: no scripts, no requests, a unique origin.
FILE_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
EXPORTS = Path(tempfile.gettempdir()) / f"kb-exports-{os.getpid()}"
_WORDS = re.compile(r"[^\W_]+")
_feedback_lock = threading.Lock()


# -- errors: one translation, at this boundary -------------------------------------------------
def user_errors(fn: Callable) -> Callable:
    """Library errors reach the user as a readable ``gr.Error``; anything else is logged and
    reported in one line, never as a stack trace."""

    def translate(exc: Exception) -> gr.Error:
        if isinstance(exc, KBError):
            return gr.Error(str(exc))
        log.exception("unexpected error in %s", fn.__name__)
        return gr.Error(f"Something went wrong ({type(exc).__name__}); the server log has details.")

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as exc:
                raise translate(exc) from None
        return gen

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:
            raise translate(exc) from None
    return call


# -- rendering: escaped text, highlighted terms, citation links ----------------------------------
def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def highlight(text: str, query: str) -> str:
    """Escaped ``text`` with the words that share a stem with a query term wrapped in <mark>."""
    terms = set(tokenize(query))
    out, last = [], 0
    for m in _WORDS.finditer(text):
        if terms and set(tokenize(m.group(0))) & terms:
            out.append(esc(text[last:m.start()]) + f"<mark>{esc(m.group(0))}</mark>")
            last = m.end()
    out.append(esc(text[last:]))
    return "".join(out)


def file_url(source: str, page: int | None = None) -> str:
    """A relative link (it works under any root path) to the original file, at the page for PDFs."""
    return f"file/{doc_id_for(source)}" + (f"#page={int(page)}" if page else "")


def answer_html(text: str, turn: int, filters: list[str] | None = None) -> str:
    """The answer as one line of HTML (so Markdown leaves it alone), ``[n]`` linked to its card;
    Markdown emphasis and the outer bars of a quoted table row rendered; a list answer's "- "
    lines as a list, an outline's lines as lines; the filters the question stated, if applied."""
    lines = [markup.html(esc(markup.unrow(line))) for line in text.split("\n")]
    items = [line[2:] for line in lines if line.startswith("- ")]
    rest = "<br>".join(line for line in lines if not line.startswith("- "))
    body = rest + ("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else "")
    if filters:
        body += ('<div class="kb-filters">Filtered by the question: ' + esc("; ".join(filters))
                 + " (ask without naming it to search everything)</div>")
    body = MARKER.sub(lambda m: f'<a class="kb-cite" href="#kb-src-{turn}-{m.group(1)}">'
                                f"[{m.group(1)}]</a>", body)
    return f'<div class="kb-answer">{body}</div>'


def where(d: dict) -> str:
    """'p. 3' or '00:12:05-00:13:10' for a citation or hit as a dict."""
    return location(SimpleNamespace(page=d.get("page"), start=d.get("start"), end=d.get("end")))


def card_html(d: dict, text: str, query: str, anchor: str = "", n: int | None = None) -> str:
    """A source card: [n], title, kind, page or time, speaker, the passage, an open link."""
    url = esc(file_url(d["source"], d.get("page")))
    meta = [KIND_LABELS.get(d["kind"], d["kind"]), where(d),
            f"speaker: {d['speaker']}" if d.get("speaker") else "", d["source"]]
    num = f'<span class="kb-num">[{int(n)}]</span> ' if n is not None else ""
    if d.get("illustrative"):
        meta.insert(0, "illustrative example")
    link = f'href="{url}" target="_blank" rel="noopener"'
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return (f'<div class="kb-card"{ident}>'
            f'<div class="kb-card-head">{num}<a class="kb-title" {link}>{esc(d["title"])}</a></div>'
            f'<div class="kb-meta">{" · ".join(esc(m) for m in meta if m)}</div>'
            f'<blockquote class="kb-snippet">{markup.html(highlight(text, query))}</blockquote>'
            f'<a class="kb-open" {link}>open ↗</a></div>')


def sources_html(turns: list[dict]) -> str:
    """The cards of every answer, newest first; older answers' cards folded away."""
    if not turns:
        return '<div class="kb-empty">Sources of the answers appear here.</div>'
    blocks = []
    for t in range(len(turns), 0, -1):
        turn = turns[t - 1]
        cards = "".join(card_html(c, c["snippet"], turn["question"], f"kb-src-{t}-{c['n']}", c["n"])
                        for c in turn["citations"])
        cards = cards or '<div class="kb-empty">No sources for this answer.</div>'
        head = f"Sources for: {esc(turn['question'])}"
        state = " open" if t == len(turns) else ""
        blocks.append(f'<details class="kb-turn"{state}><summary>{head}</summary>{cards}</details>')
    return "".join(blocks)


def chat_messages(turns: list[dict], pending: str | None = None, partial: str = "") -> list[dict]:
    messages = []
    for t, turn in enumerate(turns, start=1):
        messages.append({"role": "user", "content": f"<div>{esc(turn['question'])}</div>"})
        messages.append({"role": "assistant",
                         "content": answer_html(turn["answer"], t, turn.get("filters"))})
    if pending is not None:
        messages.append({"role": "user", "content": f"<div>{esc(pending)}</div>"})
        text = answer_html(partial, len(turns) + 1) if partial else (
            '<div class="kb-thinking">Searching the knowledge base…</div>')
        messages.append({"role": "assistant", "content": text})
    return messages


def citation_dict(c: Citation) -> dict:
    return {**c.to_dict(), "doc_id": doc_id_for(c.source)}


def result_rows(hits: list[dict]) -> list[list]:
    return [[i, h["title"], KIND_LABELS.get(h["kind"], h["kind"]), where(h), round(h["score"], 3),
             _shorten(h["text"], 220), h["source"]] for i, h in enumerate(hits, start=1)]


def _shorten(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"


def similar_html(hits: list[Hit], title: str) -> str:
    if not hits:
        return f'<div class="kb-empty">Nothing similar to {esc(title)}.</div>'
    items = "".join(f'<li><a href="{esc(file_url(h.source))}" target="_blank" rel="noopener">'
                    f'{esc(h.title)}</a> <span class="kb-meta">'
                    f'{esc(KIND_LABELS.get(h.kind, h.kind))} · {h.score:.2f}</span></li>'
                    for h in hits)
    return f'<div class="kb-similar"><b>Similar to {esc(title)}</b><ol>{items}</ol></div>'


# -- browse ----------------------------------------------------------------------------------------
def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="kb-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _doc_link(d: DocInfo) -> str:
    badge = (' <span class="kb-badge">illustrative</span>' if d.metadata.get("illustrative")
             else "")
    return (f'<a href="{esc(file_url(d.source))}" target="_blank" rel="noopener">'
            f"{esc(d.title)}</a>{badge}")


def _years(m: dict) -> str:
    start, end = m.get("start_year"), m.get("end_year")
    return esc(f"{start}–{end}" if start and end and start != end else start or "")


def _minutes(seconds: Any) -> str:
    return f"{round(float(seconds) / 60)} min" if seconds else ""


def browse_html(docs: list[DocInfo]) -> str:
    if not docs:
        return '<div class="kb-empty">The store is empty: run <code>kb ingest corpus</code>.</div>'
    by_kind: dict[str, list[DocInfo]] = {}
    for d in docs:
        by_kind.setdefault(d.kind, []).append(d)
    parts = ["<h2>Toolbox</h2>"]
    tools = by_kind.get("toolbox", [])
    for cat in [*CATEGORIES, None]:
        group = [d for d in tools if (d.metadata.get("category") or None) == cat
                 or (cat is None and d.metadata.get("category") not in CATEGORIES)]
        if group:
            rows = [[_doc_link(d), esc(", ".join(d.metadata.get("tags") or [])),
                     esc(d.metadata.get("contributed_by", ""))] for d in group]
            parts.append(f"<details open><summary>{esc((cat or 'other').capitalize())} "
                         f"({len(group)})</summary>"
                         f"{_table(['Method', 'Tags', 'Contributed by'], rows)}</details>")
    rows = [[_doc_link(d), esc(d.metadata.get("coordinator", "")),
             esc(d.metadata.get("funding", "")), _years(d.metadata)]
            for d in by_kind.get("report", [])]
    parts += ["<h2>Project reports</h2>",
              _table(["Report", "Coordinator", "Funding", "Years"], rows)]
    rows = [[_doc_link(d), esc(d.metadata.get("presenter", "")),
             esc(_minutes(d.metadata.get("duration_seconds"))), _years(d.metadata)]
            for d in by_kind.get("transcript", [])]
    parts += ["<h2>Webinars</h2>", _table(["Webinar", "Presenter", "Length", "Year"], rows)]
    if by_kind.get("document"):
        rows = [[_doc_link(d), esc(d.source)] for d in by_kind["document"]]
        parts += ["<h2>Other documents</h2>", _table(["Document", "Source"], rows)]
    return "".join(parts)


def filter_choices(docs: list[DocInfo]) -> tuple[list[str], list[str], list[int]]:
    """The tags, organisations and years found in the stored documents, for the filters."""
    tags = sorted({t for d in docs for t in d.metadata.get("tags") or []}, key=str.lower)
    orgs = sorted({str(d.metadata[k]) for d in docs for k in ("coordinator", "contributed_by")
                   if d.metadata.get(k)}, key=str.lower)
    years = sorted({int(d.metadata[k]) for d in docs for k in ("start_year", "end_year")
                    if d.metadata.get(k)})
    return tags, orgs, years


# -- feedback, CSV, uploads ---------------------------------------------------------------------
def record_feedback(store: Path, turn: dict, vote: str) -> None:
    line = {"time": datetime.now(UTC).isoformat(timespec="seconds"),
            "question": turn["question"], "answer": turn["answer"],
            "citations": turn["citations"], "vote": vote}
    store.mkdir(parents=True, exist_ok=True)
    with _feedback_lock, open(store / "feedback.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")


def _csv_cell(value: Any) -> Any:
    """Keep a spreadsheet from reading a cell as a formula."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def export_csv(hits: list[dict], query: str) -> str:
    """The hits as a CSV file in a folder of its own; exports older than an hour are removed."""
    EXPORTS.mkdir(parents=True, exist_ok=True)
    for old in EXPORTS.iterdir():
        if time.time() - old.stat().st_mtime > 3600:
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(dir=EXPORTS))
    slug = "-".join(_WORDS.findall(query.lower()))[:40] or "results"
    path = folder / f"kb-search-{slug}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["rank", "title", "kind", "where", "score", "source", "passage"])
        for i, h in enumerate(hits, start=1):
            w.writerow([_csv_cell(v) for v in (i, h["title"], h["kind"], where(h),
                                                h["score"], h["source"], h["text"])])
    return str(path)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def upload_policy(settings: Settings) -> tuple[bool, str]:
    """Uploads are off unless KB_ALLOW_UPLOAD=1; off the loopback interface they need KB_AUTH."""
    if not settings.allow_upload:
        return False, ("Adding documents is turned off on this server. Whoever runs it can turn it "
                       "on with `KB_ALLOW_UPLOAD=1`.")
    if not is_loopback(settings.host) and not settings.auth:
        return False, (f"Adding documents is off: this server listens on `{settings.host}`, so "
                       "uploads need a login. Set `KB_AUTH=user:password` to turn them on.")
    return True, ""


def check_upload(path: Path, max_mb: int) -> str | None:
    """Why an uploaded file is refused, or None: its type, its size, and its first bytes."""
    if path.suffix.lower() not in UPLOAD_TYPES:
        return f"unsupported type {path.suffix or '(none)'}; allowed: {', '.join(UPLOAD_TYPES)}"
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        return f"too large ({size / 1048576:.1f} MB; the limit is {max_mb} MB)"
    if size == 0:
        return "the file is empty"
    with path.open("rb") as f:
        head = f.read(8192)
    if path.suffix.lower() == ".pdf":
        return None if head.startswith(b"%PDF-") else "not a PDF (it does not start with %PDF-)"
    return "binary content in a text file" if b"\x00" in head else None


def safe_name(name: str) -> str:
    """A plain file name: no folders, no odd characters, the extension in lower case."""
    path = Path(Path(name).name)
    stem = re.sub(r"[^\w.-]+", "-", path.stem).strip(".-")[:120] or "upload"
    return stem + re.sub(r"[^\w.]+", "", path.suffix.lower())


def ingest_uploads(kb_: KnowledgeBase, files: list[str], kind: str,
                   progress: Callable[[float, str], None]) -> list[list[str]]:
    """Check, copy into ``<store>/uploads/<kind>/`` and ingest; one result row per file."""
    from ingest.pipeline import run

    settings = kb_.settings
    folder = settings.store / "uploads" / UPLOAD_FOLDERS.get(kind, "documents")
    folder.mkdir(parents=True, exist_ok=True)
    known = {d.source for d in kb_.docs()}
    rows, accepted = [], []
    for f in files or []:
        path = Path(f)
        name = safe_name(path.name)
        reason = check_upload(path, settings.max_upload_mb)
        if reason:
            rows.append([name, "refused", reason])
            continue
        shutil.copyfile(path, folder / name)
        accepted.append(folder / name)
    if accepted:
        report = run(accepted, settings, embedder=kb_.embedder,
                     progress=lambda src, i, n: progress(i / n, f"Indexing {src}"))
        kb_.refresh()
        failed = {f["source"]: f["error"] for f in report.failed}
        for p in accepted:
            error = next((e for s, e in failed.items() if s == p.name or s.endswith("/" + p.name)),
                         None)
            rows.append([p.name, "failed", error] if error else
                        [p.name, "updated" if p.name in known else "added", "indexed"])
    return rows


# -- the handlers: what each event does ----------------------------------------------------------
class Handlers:
    """The app's event handlers, over one knowledge base. Each returns what the UI shows."""

    def __init__(self, kb_: KnowledgeBase, settings: Settings) -> None:
        self.kb = kb_
        self.settings = settings

    @user_errors
    def refreshed(self) -> tuple:
        """The Browse page and the filter choices, from the documents stored now."""
        docs = self.kb.docs()
        tags, orgs, years = filter_choices(docs)
        any_year = [("Any", "")] + [(str(y), str(y)) for y in years]
        return (browse_html(docs), gr.Dropdown(choices=tags), gr.Dropdown(choices=orgs),
                gr.Dropdown(choices=any_year), gr.Dropdown(choices=any_year))

    @user_errors
    def respond(self, question: str, done: list[dict]):
        """Stream one answer into the conversation; its cards go to the sources panel."""
        question = (question or "").strip()
        if not question:
            raise UsageError("Type a question first.")
        yield chat_messages(done, question), gr.skip(), done, ""
        answer = None
        try:
            history = [(t["question"], t["answer"]) for t in done]
            for step in self.kb.ask_stream(question, history=history):
                if isinstance(step, Answer):
                    answer = step
                else:
                    yield chat_messages(done, question, step), gr.skip(), done, ""
        except Exception:
            yield chat_messages(done), gr.skip(), done, question  # the question stays typed in
            raise
        turn = {"question": question, "answer": answer.text, "mode": answer.mode,
                "filters": list(answer.filters_applied),
                "citations": [citation_dict(c) for c in answer.citations]}
        done = [*done, turn]
        yield chat_messages(done), sources_html(done), done, ""

    @user_errors
    def vote(self, done: list[dict], data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        if 0 <= index // 2 < len(done):  # two messages per turn: question, answer
            value = {True: "up", False: "down"}.get(data.liked, str(data.liked))
            record_feedback(self.settings.store, done[index // 2], value)

    @user_errors
    def run_search(self, q: str, kind: str, category: str, tags: list[str], org: str, y0: str,
               y1: str) -> tuple:
        if not (q or "").strip():
            raise UsageError("Type something to search for.")
        filters = {"kind": kind, "category": category, "tags": tags, "organisation": org,
                   "year_from": int(y0) if y0 else None, "year_to": int(y1) if y1 else None}
        hits = [h.to_dict() for h in self.kb.search(q, k=20, filters=filters)]
        note = "Select a result to see its passage." if hits else (
            "No results: try fewer filters or other words.")
        csv_file = gr.DownloadButton(value=export_csv(hits, q) if hits else None,
                                     visible=bool(hits))
        return (result_rows(hits), hits, csv_file, f'<div class="kb-empty">{note}</div>', "",
                None, gr.Button(interactive=False))

    def pick(self, hits: list[dict], q: str, evt: gr.SelectData) -> tuple:
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not hits or row is None or row >= len(hits):
            return gr.skip(), None, gr.Button(interactive=False)
        hit = hits[row]
        return card_html(hit, hit["text"], q or ""), hit, gr.Button(interactive=True)

    @user_errors
    def show_similar(self, hit: dict | None) -> str:
        if not hit:
            raise UsageError("Select a result first.")
        return similar_html(self.kb.similar(hit["source"], k=5), hit["title"])

    @user_errors
    def upload(self, paths: list[str] | None, kind: str,
               progress=gr.Progress()) -> list[list[str]]:  # noqa: B008 (Gradio's idiom)
        if not paths:
            raise UsageError("Choose one or more files first.")
        return ingest_uploads(self.kb, paths, kind or "auto", lambda f, d: progress(f, desc=d))

    # -- the named API endpoints (gradio_client) ------------------------------------------------
    @user_errors
    def api_ask(self, question: str) -> tuple[str, list[dict]]:
        """A question in; the answer text with its [n] markers, and the numbered sources."""
        answer = self.kb.ask(question)
        return answer.text, [citation_dict(c) for c in answer.citations]

    @user_errors
    def api_search(self, query: str, k: int = 10, kind: str = "", category: str = "",
                   organisation: str = "") -> list[dict]:
        """A query in (optional filters); the hits, best first."""
        filters = {"kind": kind, "category": category, "organisation": organisation}
        return [h.to_dict() for h in self.kb.search(query, k=int(k), filters=filters)]

    @user_errors
    def api_similar(self, source: str, k: int = 5) -> list[dict]:
        """A stored document's source path in; the documents most like it."""
        return [h.to_dict() for h in self.kb.similar(source, k=int(k))]


def _example(evt: gr.SelectData) -> str:
    return evt.value["text"]


def _reset() -> tuple:
    return [], sources_html([]), [], ""


# -- the layout: what is where, and which event calls which handler ------------------------------
READ = {"concurrency_id": "read", "concurrency_limit": 4}
UI = {"api_visibility": "private"}


def build_app(kb_: KnowledgeBase, settings: Settings) -> gr.Blocks:
    h = Handlers(kb_, settings)
    # Gradio's own cache (uploads, exports) is cleared of files older than a day, every hour.
    with gr.Blocks(title="kb: cluster knowledge base", delete_cache=(3600, 86400)) as demo:
        gr.Markdown("# kb · cluster knowledge base\nBest practice for innovation cluster "
                    "organisations: toolbox methods, project reports and webinars, with sources.")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                _ask_tab(h)
            with gr.Tab("Search", id="search"):
                choosers = _search_tab(h)
            with gr.Tab("Browse", id="browse"):
                browse = gr.HTML(elem_id="kb-browse")
            with gr.Tab("Add documents", id="add"):
                _upload_tab(h, [browse, *choosers])
        demo.load(h.refreshed, None, [browse, *choosers], **UI)
        gr.api(h.api_ask, api_name="ask", **READ)
        gr.api(h.api_search, api_name="search", **READ)
        gr.api(h.api_similar, api_name="similar", **READ)
    return demo


def _ask_tab(h: Handlers) -> None:
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chat = gr.Chatbot(elem_id="kb-chat", label="Conversation", height=520,
                              latex_delimiters=[], allow_tags=False, buttons=["copy"],
                              examples=[{"text": q} for q in EXAMPLES],
                              placeholder="**Ask anything about running a cluster.** Every answer "
                                          "cites its sources; click a [n] to see the passage.")
            with gr.Row():
                box = gr.Textbox(placeholder="Ask a question…", show_label=False, scale=5,
                                 elem_id="kb-question", autofocus=True)
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="kb-ask")
            clear = gr.Button("New conversation", size="sm")
        with gr.Column(scale=2):
            sources = gr.HTML(sources_html([]), elem_id="kb-sources", max_height=640)
    outs = [chat, sources, turns, box]
    box.submit(h.respond, [box, turns], outs, **UI, **READ)
    send.click(h.respond, [box, turns], outs, **UI, **READ)
    chat.example_select(_example, None, box, **UI).then(h.respond, [box, turns], outs, **UI, **READ)
    chat.like(h.vote, turns, None, **UI)
    chat.clear(_reset, None, outs, **UI)
    clear.click(_reset, None, outs, **UI)


def _search_tab(h: Handlers) -> list[gr.Dropdown]:
    with gr.Row():
        query = gr.Textbox(placeholder="Search the knowledge base…", show_label=False, scale=5,
                           elem_id="kb-query")
        go = gr.Button("Search", variant="primary", scale=1, elem_id="kb-search")
    with gr.Row():
        filters = [
            gr.Dropdown([("Any kind", "")] + [(v, k) for k, v in KIND_LABELS.items()], value="",
                        label="Kind", elem_id="kb-kind"),
            gr.Dropdown([("Any", "")] + [(c, c) for c in CATEGORIES], value="",
                        label="Category (toolbox)", elem_id="kb-category"),
            gr.Dropdown([], multiselect=True, label="Tags (any of)", elem_id="kb-tags"),
            gr.Dropdown([], value=None, allow_custom_value=True, label="Organisation"),
            gr.Dropdown([("Any", "")], value="", label="From year", elem_id="kb-year-from"),
            gr.Dropdown([("Any", "")], value="", label="To year", elem_id="kb-year-to")]
    table = gr.Dataframe(headers=RESULT_HEADERS, interactive=False, wrap=True, elem_id="kb-results",
                         column_widths=["4%", "20%", "10%", "10%", "6%", "36%", "14%"])
    with gr.Row():
        download = gr.DownloadButton("Export CSV", visible=False, size="sm")
        similar_btn = gr.Button("Similar documents", size="sm", interactive=False)
    with gr.Row(equal_height=False):
        detail = gr.HTML('<div class="kb-empty">Select a result to see its passage.</div>',
                         elem_id="kb-detail")
        similar = gr.HTML("", elem_id="kb-similar")
    hits, selected = gr.State([]), gr.State(None)
    outs = [table, hits, download, detail, similar, selected, similar_btn]
    query.submit(h.run_search, [query, *filters], outs, **UI, **READ)
    go.click(h.run_search, [query, *filters], outs, **UI, **READ)
    table.select(h.pick, [hits, query], [detail, selected, similar_btn], **UI)
    similar_btn.click(h.show_similar, selected, similar, **UI, **READ)
    return filters[2:]


def _upload_tab(h: Handlers, refreshed: list) -> None:
    allowed, why = upload_policy(h.settings)
    if not allowed:
        gr.Markdown(why, elem_id="kb-upload-off")
        return
    gr.Markdown(f"Upload {', '.join(UPLOAD_TYPES)} files (at most {h.settings.max_upload_mb} MB "
                "each). They are kept in the store folder and indexed at once.")
    files = gr.File(file_count="multiple", file_types=list(UPLOAD_TYPES), type="filepath",
                    label="Files", elem_id="kb-files")
    kind = gr.Radio([("Guess from the file", "auto"), ("Toolbox method", "toolbox"),
                     ("Project report", "report"), ("Webinar transcript", "transcript")],
                    value="auto", label="Treat as")
    add = gr.Button("Add to the knowledge base", variant="primary", elem_id="kb-add")
    results = gr.Dataframe(headers=["File", "Result", "Detail"], interactive=False, wrap=True,
                           elem_id="kb-upload-results")
    add.click(h.upload, [files, kind], results, api_name="upload", concurrency_id="ingest",
              concurrency_limit=1).then(h.refreshed, None, refreshed, **UI)


# -- serving the original files -------------------------------------------------------------------
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


def create_server(kb_: KnowledgeBase, settings: Settings) -> FastAPI:
    """The Gradio app mounted at / on a FastAPI app that also serves ``/file/{doc_id}``."""
    demo = build_app(kb_, settings)
    demo.queue(default_concurrency_limit=4)
    server = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    auth = parse_auth(settings.auth)

    @server.api_route("/file/{doc_id}", methods=["GET", "HEAD"])
    def open_file(doc_id: str, request: Request) -> FileResponse:
        if auth and not _logged_in(server, request):
            raise HTTPException(401, "log in first")
        path = source_file(kb_, doc_id)
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
        if path.suffix.lower() != ".pdf":
            headers["Content-Security-Policy"] = FILE_CSP
        return FileResponse(path, headers=headers, content_disposition_type="inline",
                            filename=path.name, media_type=MEDIA_TYPES.get(
                                path.suffix.lower(), "text/plain; charset=utf-8"))

    return gr.mount_gradio_app(
        server, demo, path="/", server_name=settings.host, server_port=settings.port,
        auth=auth, auth_message="kb: log in to use this knowledge base", show_error=False,
        max_file_size=f"{settings.max_upload_mb}mb", footer_links=["api"], run_history=False,
        css=CSS, head=HEAD, ssr_mode=False)


def _logged_in(server: FastAPI, request: Request) -> bool:
    """Whether the request carries a Gradio login cookie (the same check Gradio makes)."""
    gradio_app = next(r.app for r in server.routes if getattr(r, "path", None) == "")
    token = (request.cookies.get(f"access-token-{gradio_app.cookie_id}")
             or request.cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}"))
    return gradio_app.tokens.get(token) is not None


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise UsageError("KB_AUTH must look like user:password")
    return user, password


def check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc} "
                             "(set KB_PORT or --port to another port)") from None


def serve(settings: Settings) -> None:
    """Load the model and the store once, then serve until interrupted (Ctrl-C)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    parse_auth(settings.auth)  # a bad KB_AUTH or a busy port fails now, not after the model loads
    check_port(settings.host, settings.port)
    kb_ = KnowledgeBase(settings)
    kb_.warm_up()
    app = create_server(kb_, settings)
    allowed, why = upload_policy(settings)
    print(f"kb: {len(kb_.docs())} documents in {settings.store}; ready in "
          f"{time.perf_counter() - started:.1f} s on http://{settings.host}:{settings.port}"
          + ("" if allowed or not settings.allow_upload else f"\nkb: {why}"), flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                timeout_graceful_shutdown=3)  # open streams must not hold up Ctrl-C


CSS = """
.kb-answer { line-height: 1.55; }
.kb-answer strong, .kb-answer em, .kb-snippet strong, .kb-snippet em { font-size: inherit; }
.kb-answer strong, .kb-snippet strong { font-weight: 600; }
#kb-chat a.kb-cite { color: var(--color-accent); font-weight: 600; text-decoration: none; }
#kb-results .cell-wrap span { font-family: var(--font); }
.kb-thinking { opacity: .65; font-style: italic; }
.kb-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
           margin: 8px 0; background: var(--background-fill-secondary); }
.kb-card.kb-flash { animation: kb-flash 1.6s ease-out; }
@keyframes kb-flash { from { box-shadow: 0 0 0 3px var(--color-accent); } to { box-shadow: none; } }
.kb-card-head { font-weight: 600; } .kb-num { color: var(--color-accent); margin-right: 4px; }
.kb-meta { font-size: .85em; opacity: .75; margin: 2px 0 6px; }
.kb-snippet { margin: 4px 0 6px; padding-left: 10px; border-left: 3px solid var(--color-accent);
              white-space: pre-wrap; font-size: .92em; }
.kb-snippet mark { background: #fde68a; color: inherit; padding: 0 1px; }
.kb-open { font-size: .85em; } .kb-empty { opacity: .6; padding: 8px; }
details.kb-turn > summary { cursor: pointer; font-weight: 600; margin: 6px 0; }
.kb-table { width: 100%; table-layout: fixed; border-collapse: collapse; margin-bottom: 12px;
            font-size: .92em; }
.kb-table th:first-child { width: 40%; }
.kb-table th, .kb-table td { text-align: left; padding: 4px 8px;
                             border-bottom: 1px solid var(--border-color-primary); }
"""

HEAD = """<script>
document.addEventListener("click", function (e) {
  var a = e.target.closest ? e.target.closest("a.kb-cite") : null;
  if (!a) return;
  var card = document.getElementById(a.getAttribute("href").slice(1));
  if (!card) return;
  e.preventDefault(); e.stopPropagation();
  var turn = card.closest("details"); if (turn) turn.open = true;
  card.scrollIntoView({behavior: "smooth", block: "center"});
  card.classList.remove("kb-flash"); void card.offsetWidth; card.classList.add("kb-flash");
}, true);
</script>"""


if __name__ == "__main__":
    import sys

    try:
        serve(Settings.from_env())
    except KBError as exc:
        print(f"kb: error: {exc}", file=sys.stderr)
        sys.exit(2 if isinstance(exc, UsageError) else 1)
