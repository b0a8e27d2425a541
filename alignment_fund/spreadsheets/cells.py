"""Parsing spreadsheet cells: text, amounts, numbers, dates and yes/no, each refused with the reason in words.

Each parser returns a clean value or raises `CellProblem`, whose message completes a sentence about the cell
("'ten' is not an amount"). `RowCells` reads one row's cells by column key and records each problem on the row,
under the column's name as the file writes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from alignment_fund import money


class CellProblem(ValueError):
    pass


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def show(value: Any) -> str:
    """A cell as the person typed it, for messages."""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_text(value: Any, max_length: int | None = None) -> str:
    if is_empty(value):
        return ""
    text = show(value)
    if max_length and len(text) > max_length:
        raise CellProblem(f"is {len(text)} characters long: the limit is {max_length}")
    return text


def _decimal(value: Any) -> Decimal:
    """Spreadsheet numbers arrive as int or float (XLSX) or text (CSV). A float goes through its shortest text form,
    which is the number the person typed."""
    if isinstance(value, bool):
        raise CellProblem(f"'{value}' is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise CellProblem("not a number")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise CellProblem("not a number") from exc


def parse_amount(value: Any, symbols: tuple[str, ...] = ()) -> Decimal:
    """A positive amount with at most two decimal places, e.g. 200000, 200,000.00 or £200,000 where '£' is allowed."""
    try:
        return money.parse_amount(value, symbols)
    except money.AmountError as exc:
        raise CellProblem(f"'{show(value)}' {exc}") from exc


def parse_number(value: Any, low: Decimal, high: Decimal, places: int) -> Decimal:
    try:
        number = _decimal(value)
    except CellProblem as exc:
        raise CellProblem(f"'{show(value)}' is not a number") from exc
    if not (low <= number <= high):
        raise CellProblem(f"'{show(value)}' is outside {low}–{high}")
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step):
        raise CellProblem(f"'{show(value)}' has more than {places} decimal places")
    return number.quantize(step)


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y")


def parse_date(value: Any) -> date:
    """ISO (2025-11-19), UK day-first (19/11/2025), or written out (19 Nov 2025); Excel date cells as they are."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = show(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no time zone)
        except ValueError:
            continue
    raise CellProblem(f"'{text}' is not a date (write it as 2025-11-19 or 19/11/2025)")


TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0", ""}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    word = show(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellProblem(f"'{show(value)}' is not yes or no")


def parse_round_number(value: Any) -> int:
    try:
        return int(parse_number(value, Decimal("1"), Decimal("999"), places=0))
    except CellProblem as exc:
        raise CellProblem(f"'{show(value)}' is not a round number") from exc


class RowCells:
    """One row's cells by column key. `take` parses a cell and records what is wrong with it on `outcome` (anything
    with an `error(column, message)` method) under the file's own name for the column."""

    def __init__(self, row, mapping: dict[str, str], outcome) -> None:
        self.row, self.mapping, self.outcome = row, mapping, outcome

    def raw(self, key: str) -> Any:
        return self.row.cell(self.mapping, key)

    def given(self, key: str) -> bool:
        return not is_empty(self.raw(key))

    def take(self, key: str, parse: Callable[[Any], Any], *, missing: str = "") -> Any:
        """The parsed cell, or None when it is empty or wrong. A `missing` message makes the cell required."""
        raw = self.raw(key)
        if is_empty(raw):
            if missing:
                self.outcome.error(self.mapping.get(key), missing)
            return None
        try:
            return parse(raw)
        except CellProblem as exc:
            self.outcome.error(self.mapping[key], str(exc))
            return None
