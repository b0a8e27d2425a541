"""Reading a CSV or XLSX file into numbered rows, and matching its header to the columns an import knows.

Row numbers are the spreadsheet's own: the header is row 1, so the first data row is row 2, as Excel shows it, and a
blank row is skipped without renumbering the rows after it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alignment_fund.spreadsheets.cells import is_empty

SUFFIXES = (".csv", ".xlsx", ".txt")


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (wrong type, no header, not a spreadsheet)."""


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, Any]  # header text as written in the file → cell value

    def is_blank(self) -> bool:
        return all(is_empty(v) for v in self.values.values())

    def cell(self, mapping: dict[str, str], key: str) -> Any:
        """The cell under the header that `mapping` gives for `key`; None when the file has no such column."""
        header = mapping.get(key)
        return self.values.get(header) if header else None


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]


def _table(headers: Sequence[Any], records: Iterable[tuple[int, Sequence[Any]]]) -> Table:
    names = ["" if h is None else str(h).strip() for h in headers]
    rows = []
    for number, record in records:
        cells = list(record) + [None] * (len(names) - len(record))
        extra = [c for c in cells[len(names) :] if not is_empty(c)]
        if extra:
            raise SpreadsheetError(f"Row {number} has more cells than the header has columns.")
        row = Row(number, {name: cells[i] for i, name in enumerate(names) if name})
        if not row.is_blank():
            rows.append(row)
    return Table([n for n in names if n], rows)


def read_table(path: str | Path) -> Table:
    """A CSV (UTF-8, as Excel saves it) or XLSX file's first sheet, with each row's spreadsheet row number."""
    path = Path(path)
    return read_upload(path.name, path.read_bytes())


def read_upload(name: str, data: bytes) -> Table:
    """A file's content, read as its name's suffix says (.csv, .txt or .xlsx)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(data)
    if suffix in {".csv", ".txt"}:
        return read_csv(data)
    raise SpreadsheetError(f"{name}: only .csv and .xlsx files can be imported.")


def read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError("The CSV file is not UTF-8: save it from Excel as 'CSV UTF-8'.") from exc
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        raise SpreadsheetError("The file is empty.")
    # A record is one spreadsheet row even when a quoted cell spans several lines.
    return _table(records[0], ((i, r) for i, r in enumerate(records[1:], start=2)))


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise SpreadsheetError("The file is not an Excel workbook (.xlsx).") from exc
    try:
        records = list(book.active.iter_rows(values_only=True))
    finally:
        book.close()
    if not records:
        raise SpreadsheetError("The workbook's first sheet is empty.")
    return _table(records[0], ((i, r) for i, r in enumerate(records[1:], start=2)))


# Columns


def normalise_header(text: str) -> str:
    """'Amount requested (GBP)' → 'amount requested gbp'; 'institution_org-id' → 'institution org id'."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # how the column is named in our template and in messages when the file lacks it
    aliases: tuple[str, ...] = ()
    required: bool = False

    def matches(self, header: str) -> bool:
        wanted = {normalise_header(self.title), *(normalise_header(a) for a in self.aliases)}
        return normalise_header(header) in wanted


def match_columns(headers: Sequence[str], columns: Sequence[Column]) -> tuple[dict[str, str], list[str], list[str]]:
    """Map each column key to the header that provides it. Returns (mapping, file errors, ignored headers)."""
    mapping: dict[str, str] = {}
    errors: list[str] = []
    ignored: list[str] = []
    for header in headers:
        column = next((c for c in columns if c.matches(header)), None)
        if column is None:
            ignored.append(header)
        elif column.key in mapping:
            errors.append(f"Columns '{mapping[column.key]}' and '{header}' both give the {column.title}: keep one.")
        else:
            mapping[column.key] = header
    for column in columns:
        if column.required and column.key not in mapping:
            errors.append(f"The file has no '{column.title}' column.")
    return mapping, errors, ignored
