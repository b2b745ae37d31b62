"""Project-report fields found as label/value pairs anywhere in a report."""

from __future__ import annotations

import re
from typing import Any

# label (lower case) -> metadata key
LABELS = {
    "reference number": "reference_number",
    "reference no": "reference_number",
    "diarienummer": "reference_number",
    "coordinator": "coordinator",
    "project coordinator": "coordinator",
    "lead partner": "coordinator",
    "funding": "funding",
    "funding from vinnova": "funding",
    "total funding": "funding",
    "project duration": "duration",
    "duration": "duration",
    "status": "status",
}
_LABEL_RE = re.compile(
    r"^\s*(?:[*_]{2})?(" + "|".join(sorted(map(re.escape, LABELS), key=len, reverse=True)) + r")"
    r"(?:[*_]{2})?\s*(:|\s)\s*(?:[*_]{2})?\s*(.+?)\s*$",
    re.IGNORECASE,
)
_AMOUNT_RE = re.compile(r"(SEK|EUR|€|kr)\s*([\d][\d\s.,\u00a0]*)"
                        r"|([\d][\d\s.,\u00a0]*)\s*(SEK|EUR|kr)", re.I)
_VALUE_START = re.compile(r"[A-ZÅÄÖ0-9€$£]")
_YEAR_RE = re.compile(r"\b(19|20)\d{2}\b")


def fields_from_lines(lines: list[str]) -> dict[str, Any]:
    """Scan text lines for ``Label: value`` (or ``Label value``, ``**Label:** value``). Without a
    colon, a line is a field only when it is written like one: the label capitalised and the
    value opening with a capital, a digit or a currency sign ("Funding SEK 2 000 000", not a
    sentence broken over lines at "funding instrument is described in general terms")."""
    pairs = []
    for line in lines:
        m = _LABEL_RE.match(line)
        if not m:
            continue
        label, value = m.group(1), m.group(3).strip(" :*")
        if m.group(2) != ":" and not (label[:1].isupper() and _VALUE_START.match(value)):
            continue
        if 0 < len(value) <= 150:
            pairs.append((label, value))
    return fields_from_pairs(pairs)


def fields_from_pairs(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Normalise label/value pairs (from text lines, ``<dl>`` or ``<table>``) into metadata."""
    meta: dict[str, Any] = {}
    for label, value in pairs:
        key = LABELS.get(re.sub(r"[\s:*_]+", " ", label).strip().lower())
        value = " ".join(value.split())
        if not key or not value or key in meta:
            continue
        meta[key] = value
    if "funding" in meta:
        meta.update(parse_funding(meta["funding"]))
    if "duration" in meta:
        years = [int(m.group(0)) for m in _YEAR_RE.finditer(meta["duration"])]
        if years:
            meta["start_year"], meta["end_year"] = min(years), max(years)
    return meta


def parse_funding(text: str) -> dict[str, Any]:
    m = _AMOUNT_RE.search(text)
    if not m:
        return {}
    currency = (m.group(1) or m.group(4) or "").upper()
    digits = re.sub(r"[^\d]", "", m.group(2) or m.group(3) or "")
    if not digits:
        return {}
    if currency in ("SEK", "KR"):
        return {"funding_sek": int(digits)}
    if currency in ("EUR", "€"):
        return {"funding_eur": int(digits)}
    return {}
