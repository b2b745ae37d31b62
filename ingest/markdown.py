"""Markdown files: toolbox entries and reports with YAML front matter, sections from headings."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from ingest.fields import fields_from_lines
from ingest.text import read_text
from kb.errors import LoadError
from kb.models import CATEGORIES, Document, Unit

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.S | re.M)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
# libyaml's parser where PyYAML was built with it: the same values as ``yaml.safe_load``, about
# 9x faster (4 ms instead of 40 ms for corpus/'s 44 front matters).
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (may be absent) and the body. Invalid YAML is a LoadError."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        meta = _yaml(m.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise LoadError(source, f"invalid front matter{where}: {problem}") from None
    if not isinstance(meta, dict):
        raise LoadError(source, "invalid front matter: expected 'key: value' pairs")
    return {str(k): _plain(v) for k, v in meta.items()}, text[m.end():]


def _yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        # PyYAML's own parser for the message: libyaml words problems differently and may point
        # at another line
        return yaml.safe_load(text)


def _plain(value: Any) -> Any:
    """YAML values as JSON-friendly scalars or lists of strings."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [str(_plain(v)) for v in value if v is not None]
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value


def sections(body: str) -> tuple[str | None, list[tuple[str | None, str]]]:
    """The first H1 (if any) and (section heading, text) pairs in reading order."""
    title: str | None = None
    current: str | None = None
    buf: list[str] = []
    out: list[tuple[str | None, str]] = []

    def flush() -> None:
        text = "\n".join(buf).strip()
        if text:
            out.append((current, text))
        buf.clear()

    in_code = False
    for line in body.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line)
        if m:
            flush()
            level, text = len(m.group(1)), m.group(2).strip()
            if level == 1 and title is None:
                title = text
                current = None
            else:
                current = text
            continue
        buf.append(line)
    flush()
    return title, out


def _headings(body: str) -> list[str]:
    return [m.group(2).strip() for line in body.splitlines() if (m := _HEADING.match(line))]


def load(path: Path, source: str, kind: str) -> Document:
    text = read_text(path, source)
    meta, body = split_front_matter(text, source)
    kind = meta.pop("type", None) or kind
    h1, parts = sections(body)
    if not parts:  # a heading-only file (a call topic without a description): its title is its text
        only = (h1 or " ".join(_headings(body))).strip()
        if not only:
            raise LoadError(source, "no text after the front matter")
        parts = [(None, only)]
    title = str(meta.pop("title", None) or h1 or path.stem.replace("-", " ").replace("_", " "))
    category = meta.get("category")
    if category is not None:
        category = str(category).strip().lower()
        if category not in CATEGORIES:
            raise LoadError(source, f"unknown category {category!r} "
                                    f"(expected one of: {', '.join(CATEGORIES)})")
        meta["category"] = category
    if "tags" in meta:
        tags = meta["tags"]
        tags = (tags.split(",") if isinstance(tags, str)
                else tags if isinstance(tags, list) else [tags])
        meta["tags"] = [str(t).strip() for t in tags if t is not None and str(t).strip()]
    if kind == "report":
        meta = {**fields_from_lines(body.splitlines()), **meta}
    units = [Unit(text=part, section=heading or title) for heading, part in parts]
    return Document(source=source, kind=kind, title=title, units=units, metadata=meta)
