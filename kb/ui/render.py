"""HTML of what the app shows: answers with linked [n], source cards, result rows, similar
documents. Pure functions; every piece of document text is HTML-escaped before it is put in HTML."""

from __future__ import annotations

import html
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from kb import Citation, Hit, KnowledgeBase
from kb.answer import markup
from kb.answer.citations import MARKER, location
from kb.lexical import tokenize
from kb.models import doc_id_for

KIND_LABELS = {"toolbox": "Toolbox method", "report": "Project report", "transcript": "Webinar",
               "document": "Document"}
WORDS = re.compile(r"[^\W_]+")


# -- escaped text, highlighted terms, citation links ------------------------------------------
def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def highlight(text: str, query: str) -> str:
    """Escaped ``text`` with the words that share a stem with a query term wrapped in <mark>."""
    terms = set(tokenize(query))
    out, last = [], 0
    for m in WORDS.finditer(text):
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
                 + " (untick “Apply the filters a question names” to search everything)</div>")
    body = MARKER.sub(lambda m: f'<a class="kb-cite" href="#kb-src-{turn}-{m.group(1)}">'
                                f"[{m.group(1)}]</a>", body)
    return f'<div class="kb-answer">{body}</div>'


def where(d: dict) -> str:
    """'p. 3' or '00:12:05-00:13:10' for a citation or hit as a dict."""
    return location(SimpleNamespace(**{k: d.get(k) for k in ("page", "slide", "sheet", "row",
                                                                 "start", "end")}))


def card_html(d: dict, text: str, query: str, anchor: str = "", n: int | None = None) -> str:
    """A source card: [n], title, kind, page or time, speaker, the passage, an open link."""
    url = esc(file_url(d["source"], d.get("page")))
    meta = [KIND_LABELS.get(d["kind"], d["kind"]), where(d),
            f"speaker: {d['speaker']}" if d.get("speaker") else "",
            "text read by OCR" if d.get("ocr") else "",
            (d.get("metadata") or {}).get("chapter", ""), d["source"]]
    if d.get("illustrative") or (d.get("metadata") or {}).get("illustrative"):
        meta.insert(0, "illustrative example")
    num = f'<span class="kb-num">[{int(n)}]</span> ' if n is not None else ""
    link = f'href="{url}" target="_blank" rel="noopener"'
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return (f'<div class="kb-card"{ident}>'
            f'<div class="kb-card-head">{num}<a class="kb-title" {link}>{esc(d["title"])}</a></div>'
            f'<div class="kb-meta">{" · ".join(esc(m) for m in meta if m)}</div>'
            f'<blockquote class="kb-snippet">{markup.html(highlight(text, query))}</blockquote>'
            f'{player_html(d)}<a class="kb-open" {link}>open ↗</a></div>')


# -- recordings beside transcripts: a player at the cited second --------------------------------
RECORDING_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg",
                   ".m4a": "audio/mp4"}


def player_start(start: float, length: float | None) -> float:
    """The second to start playing at: the cited one, within the recording."""
    start = max(float(start), 0.0)
    return min(start, float(length)) if length is not None else start


def player_html(d: dict) -> str:
    """A player for a transcript passage whose document has a recording (``with_recordings``),
    starting at the passage's second (a media fragment, which the browser seeks to)."""
    name, start = d.get("recording"), d.get("start")
    suffix = Path(str(name or "")).suffix.lower()
    if not name or start is None or not d.get("doc_id") or suffix not in RECORDING_TYPES:
        return ""
    at = player_start(start, d.get("recording_seconds"))
    tag = RECORDING_TYPES[suffix].split("/")[0]  # audio or video
    src = esc(f"recording/{d['doc_id']}#t={at:g}")
    return (f'<{tag} class="kb-player" controls preload="metadata" data-start="{at:g}" '
            f'src="{src}"></{tag}>')


def with_recordings(kb_: KnowledgeBase, items: list[dict]) -> list[dict]:
    """Transcript citations or hits (as dicts) with their document's recording, if any."""
    if not any(i.get("kind") == "transcript" for i in items):
        return items
    media = {d.doc_id: d.metadata for d in kb_.docs() if d.metadata.get("recording")}
    for item in items:
        meta = media.get(item.get("doc_id") or "")
        if meta:
            item.update(recording=meta["recording"],
                        recording_seconds=meta.get("recording_seconds"))
    return items


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
