"""Spreadsheets (.xlsx with openpyxl, .csv with the standard library): a sheet with a header row
is read as records, one unit per row, cited as ``sheet`` and ``row`` (the row's number in the
sheet), with the row's columns kept as fields. A row's text is one line,
``Column: value; Column: value``, so that an answer quotes the whole record."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ingest.metadata import illustrative
from ingest.text import read_text
from ingest.word import check_package
from kb.errors import LoadError
from kb.models import Document, Unit

MAX_COLUMNS = 60


def load_xlsx(path: Path, source: str, kind: str) -> Document:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_package(path, source, "Excel workbook")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise LoadError(source, f"corrupt Excel workbook ({type(exc).__name__}: "
                                f"{str(exc)[:120]})") from None
    try:
        units = [u for ws in book.worksheets
                 for u in records(ws.title, ws.iter_rows(values_only=True))]
        title = (book.properties.title or "").strip()
        meta = {"author": (book.properties.creator or "").strip(),
                "illustrative": illustrative(book.properties.keywords)}
    finally:
        book.close()
    if not units:
        raise LoadError(source, "no sheet with a header row and data rows")
    return Document(source=source, kind=kind, title=title or _title(path), units=units,
                    metadata={k: v for k, v in meta.items() if v})


def load_csv(path: Path, source: str, kind: str) -> Document:
    text = read_text(path, source)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    units = records(path.stem, csv.reader(io.StringIO(text), dialect))
    if not units:
        raise LoadError(source, "no header row followed by data rows")
    return Document(source=source, kind=kind, title=_title(path), units=units)


def records(sheet: str, rows: Iterable[tuple[Any, ...] | list[Any]]) -> list[Unit]:
    """One unit per data row under the header; ``row`` is the row's 1-based number in the sheet.
    The header is the first row with two or more cells filled (the first non-empty row in a
    one-column sheet); one-cell rows above it (a caption) are units of their own. A header with
    an empty cell names that column ``column N``."""
    table = [(n, cells) for n, row in enumerate(rows, start=1)
             if any(cells := [_cell(v) for v in row[:MAX_COLUMNS]])]
    at = next((i for i, (_, cells) in enumerate(table) if sum(map(bool, cells)) >= 2), 0)
    units = [Unit(text=" ".join(filter(None, cells)), sheet=sheet, row=n, section=sheet)
             for n, cells in table[:at]]
    if not table[at + 1:]:
        return []
    header = [c or f"column {i}" for i, c in enumerate(table[at][1], start=1)]
    for n, cells in table[at + 1:]:
        fields = {name: value for name, value in zip(header, cells, strict=False) if value}
        text = "; ".join(f"{name}: {value}" for name, value in fields.items())
        units.append(Unit(text=text, sheet=sheet, row=n, section=sheet,
                          fields={_key(k): v for k, v in fields.items()}))
    return units


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        value = value.isoformat()
        value = value[:-9] if value.endswith("T00:00:00") else value
    return " ".join(str(value).split())


def _key(name: str) -> str:
    """A column name as a metadata key: 'Project coordinator' -> 'project_coordinator'."""
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")[:60] or "column"


def _title(path: Path) -> str:
    return path.stem.replace("-", " ").replace("_", " ")
