"""The Browse page and the Search filters' choices, from the stored documents (pure HTML)."""

from __future__ import annotations

from typing import Any

from kb import DocInfo
from kb.answer.citations import hh_mm_ss
from kb.models import CATEGORIES
from kb.ui.render import esc, file_url


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="kb-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _doc_link(d: DocInfo) -> str:
    lang = d.metadata.get("language")
    badge = f' <span class="kb-lang" title="language">{esc(lang)}</span>' if lang else ""
    if d.metadata.get("illustrative"):
        badge += ' <span class="kb-badge">illustrative</span>'
    return (f'<a href="{esc(file_url(d.source))}" target="_blank" rel="noopener">{esc(d.title)}</a>'
            + badge)


def language_choices(docs: list[DocInfo]) -> list[tuple[str, str]]:
    """'Any' and the languages of the stored documents, for the Search filter."""
    codes = sorted({str(d.metadata["language"]) for d in docs if d.metadata.get("language")})
    return [("Any", "")] + [(c, c) for c in codes]


def _years(m: dict) -> str:
    start, end = _year(m.get("start_year")), _year(m.get("end_year"))
    return esc(f"{start}–{end}" if start and end and start != end else start or end or "")


def _year(value: Any) -> int | None:
    """A stored year as an int, or None for anything else (the renderers survive any value)."""
    try:
        year = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return year if 1000 <= year <= 2999 and not isinstance(value, bool) else None


def _minutes(seconds: Any) -> str:
    try:
        minutes = float(seconds) / 60
    except (TypeError, ValueError):
        return ""
    return f"{round(minutes)} min" if 0 < minutes < 1e7 else ""


def _texts(value: Any) -> list[str]:
    """A stored list of texts (tags) as a list of str, whatever was stored."""
    items = value if isinstance(value, (list, tuple)) else [] if value in (None, "") else [value]
    return [str(v) for v in items if v not in (None, "")]


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
            rows = [[_doc_link(d), esc(", ".join(_texts(d.metadata.get("tags")))),
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
             esc(", ".join(d.metadata.get("speakers") or [])),
             esc(_minutes(d.metadata.get("duration_seconds"))), _years(d.metadata),
             chapters_html(d.metadata.get("chapters") or [])]
            for d in by_kind.get("transcript", [])]
    parts += ["<h2>Webinars</h2>", _table(["Webinar", "Presenter", "Speakers", "Length", "Year",
                                           "Chapters"], rows)]
    if by_kind.get("document"):
        rows = [[_doc_link(d), esc(d.source)] for d in by_kind["document"]]
        parts += ["<h2>Other documents</h2>", _table(["Document", "Source"], rows)]
    return "".join(parts)


def chapters_html(chapters: list[dict]) -> str:
    """A recording's chapters as a folded, numbered list: '00:04:13 supplier qualification'."""
    if not chapters:
        return ""
    items = "".join(f"<li>{esc(hh_mm_ss(c['start']))} {esc(c['title'])}</li>" for c in chapters)
    return f"<details><summary>{len(chapters)} chapters</summary><ol>{items}</ol></details>"


def speaker_choices(docs: list[DocInfo]) -> list[str]:
    """Everyone who speaks in a stored recording, for the speaker filter."""
    return sorted({s for d in docs for s in d.metadata.get("speakers") or []}, key=str.lower)


def filter_choices(docs: list[DocInfo]) -> tuple[list[str], list[str], list[int]]:
    """The tags, organisations and years found in the stored documents, for the filters."""
    tags = sorted({t for d in docs for t in _texts(d.metadata.get("tags"))}, key=str.lower)
    orgs = sorted({str(d.metadata[k]) for d in docs for k in ("coordinator", "contributed_by")
                   if d.metadata.get(k)}, key=str.lower)
    years = sorted({y for d in docs for k in ("start_year", "end_year")
                    if (y := _year(d.metadata.get(k))) is not None})
    return tags, orgs, years
