"""HTML project pages: main content only, sections from headings, label/value pairs
from dl/table."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from ingest.fields import fields_from_lines, fields_from_pairs
from ingest.text import read_text
from kb.errors import LoadError
from kb.models import Document, Unit

_DROP_TAGS = ["script", "style", "noscript", "nav", "footer", "header", "aside", "form", "iframe",
              "svg", "template", "button"]
_DROP_HINT = re.compile(r"cookie|consent|gdpr|banner|navbar|menu|breadcrumb|footer|skip-link|share",
                        re.I)
_BLOCKS = ["h1", "h2", "h3", "h4", "p", "li", "dt", "dd", "tr", "blockquote", "pre", "figcaption"]


def load(path: Path, source: str, kind: str) -> Document:
    soup = BeautifulSoup(read_text(path, source), "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    flag = soup.find("meta", attrs={"name": "illustrative"})
    illustrative = bool(flag) and str(flag.get("content", "")).strip().lower() == "true"
    _strip_chrome(soup)
    main = (soup.find("main") or soup.find("article") or soup.find(attrs={"role": "main"})
            or soup.body)
    if main is None:
        raise LoadError(source, "no HTML body")
    h1 = main.find("h1")
    title = h1.get_text(" ", strip=True) if h1 else page_title.split("|")[0].strip()
    meta = fields_from_pairs(_pairs(main))
    units = _units(main, title or path.stem)
    if not units:
        raise LoadError(source, "no text in the page's main content")
    meta = {**fields_from_lines([line for u in units for line in u.text.splitlines()]), **meta}
    if illustrative:  # <meta name="illustrative" content="true">: an invented example
        meta["illustrative"] = True
    return Document(source=source, kind=kind, title=title or path.stem, units=units, metadata=meta)


def _strip_chrome(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.name in ("html", "body", "main", "article"):
            continue
        hints = " ".join([tag.get("id") or "", *(tag.get("class") or []), tag.get("role") or ""])
        if _DROP_HINT.search(hints):
            tag.decompose()


def _pairs(main: Tag) -> list[tuple[str, str]]:
    pairs = []
    for dl in main.find_all("dl"):
        for dt in dl.find_all("dt"):
            dd = dt.find_next_sibling("dd")
            if dd:
                pairs.append((dt.get_text(" ", strip=True), dd.get_text(" ", strip=True)))
    for tr in main.find_all("tr"):
        cells = tr.find_all(["th", "td"])
        if len(cells) == 2:
            pairs.append((cells[0].get_text(" ", strip=True), cells[1].get_text(" ", strip=True)))
    return pairs


def _units(main: Tag, title: str) -> list[Unit]:
    units: list[Unit] = []
    section, buf = title, []

    def flush() -> None:
        if buf:
            units.append(Unit(text="\n".join(buf), section=section))
            buf.clear()

    for el in main.find_all(_BLOCKS):
        if el.find_parent(_BLOCKS) is not None and el.name not in ("tr",):
            continue  # nested block: its text is part of the parent's
        if el.name in ("h1", "h2", "h3", "h4"):
            flush()
            section = el.get_text(" ", strip=True) or section
            continue
        if el.name == "tr":
            text = ": ".join(c.get_text(" ", strip=True) for c in el.find_all(["th", "td"]))
        elif el.name == "dt":
            dd = el.find_next_sibling("dd")
            text = el.get_text(" ", strip=True) + (": " + dd.get_text(" ", strip=True)
                                                   if dd else "")
        elif el.name == "dd":
            continue
        else:
            text = el.get_text(" ", strip=True)
        if text:
            buf.append(text)
    flush()
    return units
