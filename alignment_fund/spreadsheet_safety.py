"""Cells that a spreadsheet would run: text starting with =, +, -, @, a tab or a carriage return is taken for a
formula by Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...`). Every CSV or XLSX a
person may open goes through `neutralise`, which puts an apostrophe in front of such text, as OWASP advises, so it
shows as written and runs nothing. Numbers stay numbers: an amount like -120.00 is written as it is.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number as we write one (amounts, rates, shares): left alone, so a negative amount stays a number.
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def neutralise(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def neutralise_row(row):
    """A row (list or dict of cells) with every cell neutralised."""
    if isinstance(row, dict):
        return {key: neutralise(value) for key, value in row.items()}
    return [neutralise(value) for value in row]
