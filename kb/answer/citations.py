"""Citations are made from stored text: a snippet is a span of a stored chunk, and ``[n]``
markers are assigned after the citations are chosen, so they cannot point at nothing."""

from __future__ import annotations

import re

from kb.models import Citation, Hit

MARKER = re.compile(r"\[(\d+)\]")


def citation(n: int, hit: Hit, snippet: str) -> Citation:
    if snippet not in hit.text:
        raise ValueError("a snippet must be verbatim text of its chunk")
    return Citation(n=n, source=hit.source, title=hit.title, kind=hit.kind, snippet=snippet,
                    score=round(hit.score, 4), page=hit.page, start=hit.start, end=hit.end,
                    speaker=hit.speaker, chunk_id=hit.chunk_id, slide=hit.slide,
                    sheet=hit.sheet, row=hit.row, ocr=hit.ocr,
                    illustrative=bool(hit.metadata.get("illustrative")))


def markers(text: str) -> list[int]:
    return [int(m) for m in MARKER.findall(text)]


def keep_valid_markers(text: str, valid: set[int]) -> str:
    """Remove every ``[n]`` that points at no source."""
    cleaned = MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in valid else "", text)
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()


def renumber(text: str, order: list[int]) -> str:
    """Rewrite markers so that ``order[0]`` becomes [1], ``order[1]`` becomes [2], ..."""
    mapping = {old: new for new, old in enumerate(order, start=1)}
    return MARKER.sub(lambda m: f"[{mapping[int(m.group(1))]}]" if int(m.group(1)) in mapping
                      else "", text)


def hh_mm_ss(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def location(c: Citation | Hit) -> str:
    """A human label for where a passage is: 'p. 3', 'slide 7', 'sheet Projects, row 4' or
    '00:12:05-00:13:10'."""
    if c.page is not None:
        return f"p. {c.page}"
    if getattr(c, "slide", None) is not None:
        return f"slide {c.slide}"
    if getattr(c, "row", None) is not None:
        return f"sheet {c.sheet}, row {c.row}" if getattr(c, "sheet", None) else f"row {c.row}"
    if c.start is not None:
        return f"{hh_mm_ss(c.start)}-{hh_mm_ss(c.end)}" if c.end is not None else hh_mm_ss(c.start)
    return ""
