"""What each event of the app does, and the named API endpoints' argument checks. Library
errors are translated once, here, into a readable ``gr.Error``."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable

import gradio as gr

from kb import Answer, KBError, KnowledgeBase, Settings, UsageError
from kb.api import checked_text
from kb.edge import api_k, api_text
from kb.ui.browse import browse_html, filter_choices, language_choices, speaker_choices
from kb.ui.exports import export_csv, record_feedback
from kb.ui.render import (
    card_html,
    chat_messages,
    citation_dict,
    result_rows,
    similar_html,
    sources_html,
    with_recordings,
)
from kb.ui.uploads import ingest_uploads

log = logging.getLogger("kb.app")


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
                gr.Dropdown(choices=any_year), gr.Dropdown(choices=any_year),
                gr.Dropdown(choices=language_choices(docs)),
                gr.Dropdown(choices=speaker_choices(docs)))

    @user_errors
    def respond(self, question: str, done: list[dict], stated: bool = True):
        """Stream one answer into the conversation; its cards go to the sources panel.
        ``stated``: apply the filters the question states (the user can untick them)."""
        if not isinstance(question, str) or not question.strip():
            raise UsageError("Type a question first.")
        question = checked_text(question, self.settings.max_question_chars)
        yield chat_messages(done, question), gr.skip(), done, ""
        answer = None
        try:
            history = [(t["question"], t["answer"]) for t in done]
            for step in self.kb.ask_stream(question, history=history,
                                           stated_filters=stated is not False):
                if isinstance(step, Answer):
                    answer = step
                else:
                    yield chat_messages(done, question, step), gr.skip(), done, ""
        except Exception:
            yield chat_messages(done), gr.skip(), done, question  # the question stays typed in
            raise
        turn = {"question": question, "answer": answer.text, "mode": answer.mode,
                "filters": list(answer.filters_applied),
                "citations": with_recordings(self.kb, [citation_dict(c)
                                                       for c in answer.citations])}
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
                   y1: str, language: str = "", speaker: str = "") -> tuple:
        if not (q or "").strip():
            raise UsageError("Type something to search for.")
        filters = {"kind": kind, "category": category, "tags": tags, "organisation": org,
                   "year_from": int(y0) if y0 else None, "year_to": int(y1) if y1 else None,
                   "language": language, "speaker": speaker}
        hits = with_recordings(self.kb, [h.to_dict() for h in self.kb.search(q, k=20,
                                                                             filters=filters)])
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
        answer = self.kb.ask(checked_text(question, self.settings.max_question_chars))
        return answer.text, [citation_dict(c) for c in answer.citations]

    @user_errors
    def api_search(self, query: str, k: int = 10, kind: str = "", category: str = "",
                   organisation: str = "", language: str = "",
                   speaker: str = "") -> list[dict]:
        """A query in (optional filters); the hits, best first."""
        query = checked_text(query, self.settings.max_question_chars, "query")
        filters = {"kind": api_text(kind, "kind"), "category": api_text(category, "category"),
                   "organisation": api_text(organisation, "organisation"),
                   "language": api_text(language, "language"),
                   "speaker": api_text(speaker, "speaker")}
        return [h.to_dict() for h in self.kb.search(query, k=api_k(k), filters=filters)]

    @user_errors
    def api_similar(self, source: str, k: int = 5) -> list[dict]:
        """A stored document's source path in; the documents most like it."""
        source = api_text(source, "source")
        if not source.strip():
            raise UsageError("give the source of a stored document (as the search hits show it)")
        return [h.to_dict() for h in self.kb.similar(source, k=api_k(k))]
