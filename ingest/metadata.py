"""Document metadata with a known meaning, typed and checked at ingest.

Front matter is written by people, so a field may hold anything YAML can say. Fields that the
search filters and the Browse page read as numbers, dates or lists get their type here; a value
that does not fit is reported for that file and dropped (numbers) or kept as text (dates). Every
other value is stored as text, a number or a list of texts, never as something else.

    years      start_year, end_year            an integer from 1000 to 2999
    amounts    duration_seconds, funding_sek,  a number >= 0 ("1 200" and "90.5" are read)
               funding_eur
    dates      date, published, updated        YYYY-MM-DD (a longer ISO time is cut to its date)
    lists      tags, speakers                  texts ("a, b" is two tags)
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

YEARS = ("start_year", "end_year")
AMOUNTS = ("duration_seconds", "funding_sek", "funding_eur")
DATES = ("date", "published", "updated")
LISTS = ("tags", "speakers")
MAX_TEXT = 2000  # characters kept of a list or mapping turned into text


def illustrative(keywords: Any) -> bool:
    """A file's keywords (PDF ``/Keywords``, an Office file's core property) that mark it as an
    invented example: the word "illustrative" among them. The flag is shown as a badge; the
    notice is never text to index."""
    return re.search(r"\billustrative\b", str(keywords or ""), re.I) is not None


def typed(meta: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The metadata with known fields typed, and one line per value that was dropped or kept as
    text (``"duration_seconds: 'abc' is not a number; dropped"``)."""
    out: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in meta.items():
        if value is None or value == "" or value == []:
            continue
        try:
            out[key] = _typed(key, value)
        except ValueError as exc:
            if key in DATES:
                out[key] = _text(value)
                problems.append(f"{key}: {_show(value)} is not {exc}; kept as text")
            else:
                problems.append(f"{key}: {_show(value)} is not {exc}; dropped")
    if "start_year" in out and "end_year" in out and out["start_year"] > out["end_year"]:
        problems.append(f"start_year {out['start_year']} is after end_year {out['end_year']}; "
                        "both dropped")
        del out["start_year"], out["end_year"]
    return out, problems


def _typed(key: str, value: Any) -> Any:
    if key in YEARS:
        return year(value)
    if key in AMOUNTS:
        return amount(value)
    if key in DATES:
        return date(value)
    if key in LISTS:
        return texts(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def year(value: Any) -> int:
    number = amount(value, what="a year")
    if number != int(number) or not 1000 <= number <= 2999:
        raise ValueError("a year")
    return int(number)


def amount(value: Any, what: str = "a number") -> int | float:
    """A finite number >= 0; text may group digits with spaces ("1 200")."""
    if isinstance(value, bool):
        raise ValueError(what)
    if isinstance(value, str):
        text = re.sub(r"[\s\u00a0_]", "", value)
        if not re.fullmatch(r"\d+(\.\d+)?", text):
            raise ValueError(what)
        value = float(text)
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(what)
    return int(value) if float(value).is_integer() else float(value)


def date(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise ValueError("a date (YYYY-MM-DD)") from None


def texts(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else (
        list(value) if isinstance(value, (list, tuple)) else [value])
    return [_text(v) for v in items if v is not None and _text(v)]


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(_text(v) for v in value)
    elif isinstance(value, dict):
        value = "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return " ".join(str(value).split())[:MAX_TEXT]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
