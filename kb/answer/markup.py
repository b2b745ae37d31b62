"""The Markdown marks that passages carry (bold, italics, the bars of a table row), for display.
An answer's text and its snippets stay verbatim (citations are checked against the stored text);
the app shows the marks as emphasis (``html``), the CLI without them (``plain``)."""

from __future__ import annotations

import re

BOLD = re.compile(r"\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*")
ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![*\w])")
# a quoted table row, "| **Total** | **21 560** | [1]": its outer bars go
ROW = re.compile(r"(^|\n|\] )\| ([^\n]*?) \|(?= \[\d+\]|\n|$)")


def unrow(text: str) -> str:
    """``text`` with the outer bars of its quoted table rows dropped."""
    return ROW.sub(r"\1\2", text)


def plain(text: str) -> str:
    """``text`` without emphasis marks and table rows' outer bars."""
    return ITALIC.sub(r"\1", BOLD.sub(r"\1", unrow(text)))


def html(escaped: str) -> str:
    """Escaped text with its emphasis marks as ``<strong>`` and ``<em>``."""
    return ITALIC.sub(r"<em>\1</em>", BOLD.sub(r"<strong>\1</strong>", escaped))
