"""The layout: what is where on the page, and which event calls which handler."""

from __future__ import annotations

import gradio as gr

from kb import KnowledgeBase, Settings
from kb.models import CATEGORIES
from kb.ui.access import upload_policy
from kb.ui.handlers import Handlers
from kb.ui.render import KIND_LABELS, sources_html
from kb.ui.uploads import UPLOAD_TYPES

EXAMPLES = [
    "How do I run a reverse pitch with a large company?",
    "What should happen in a new member's first month?",
    "How can innovation vouchers help SMEs, and what do they cost?",
    "Which projects worked on hydrogen or batteries, and who coordinated them?",
]
RESULT_HEADERS = ["#", "Title", "Kind", "Where", "Score", "Passage", "Source"]


def _example(evt: gr.SelectData) -> str:
    return evt.value["text"]


def _reset() -> tuple:
    return [], sources_html([]), [], ""


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
            with gr.Row():
                stated = gr.Checkbox(True, label="Apply the filters a question names (a kind, "
                                     "organisation or years)", elem_id="kb-stated-filters",
                                     scale=3)
                clear = gr.Button("New conversation", size="sm", scale=1)
        with gr.Column(scale=2):
            sources = gr.HTML(sources_html([]), elem_id="kb-sources", max_height=640)
    outs = [chat, sources, turns, box]
    box.submit(h.respond, [box, turns, stated], outs, **UI, **READ)
    send.click(h.respond, [box, turns, stated], outs, **UI, **READ)
    chat.example_select(_example, None, box, **UI).then(h.respond, [box, turns, stated], outs,
                                                        **UI, **READ)
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
            gr.Dropdown([("Any", "")], value="", label="To year", elem_id="kb-year-to"),
            gr.Dropdown([("Any", "")], value="", label="Language", elem_id="kb-language"),
            gr.Dropdown([], value=None, allow_custom_value=True, label="Speaker (recordings)",
                        elem_id="kb-speaker")]
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
