"""What an import did, or in a dry run would do, row by row; and the one transaction that writes it all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from alignment_fund.spreadsheets.reading import Row

# A progress reporter wraps an iterable, like tqdm: progress(iterable, total=..., desc=...).
Progress = Callable[..., Iterable]


def no_progress(iterable: Iterable, **_kwargs) -> Iterable:
    return iterable


def chunks(items: list, size: int = 900):
    """Slices short enough for an `IN (...)` list on any database (SQLite allows 999 parameters)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Action:
    NEW = "new"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class CellError:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return f"Row {self.row}: {self.message}"
        return f"Row {self.row}, column '{self.column}': {self.message}"


@dataclass
class RowOutcome:
    row: Row
    action: str = Action.NEW
    description: str = ""
    errors: list[CellError] = field(default_factory=list)
    instance: Any = None  # the object the row created, once written

    @property
    def number(self) -> int:
        return self.row.number

    def error(self, column: str | None, message: str) -> None:
        self.errors.append(CellError(self.row.number, column, message))
        self.action = Action.ERROR

    def __str__(self) -> str:
        if self.errors:
            return "; ".join(str(e) for e in self.errors)
        return f"Row {self.number}: {self.action}, {self.description}"


@dataclass
class ImportReport:
    """What an import did, or in a dry run would do. Nothing is written unless every row is valid."""

    what: str  # "projects", "pledges and receipts"
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    written: bool = False
    created: dict[str, int] = field(default_factory=dict)  # what was created → how many

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(r.errors for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        counts = {Action.NEW: 0, Action.UNCHANGED: 0, Action.ERROR: 0}
        for outcome in self.rows:
            counts[outcome.action] += 1
        return counts

    @property
    def errors(self) -> list[CellError]:
        return [CellError(None, None, e) for e in self.file_errors] + [e for r in self.rows for e in r.errors]

    def summary(self) -> str:
        counts = self.counts
        verb = "would be" if self.dry_run else "were"
        text = (
            f"{len(self.rows)} rows: {counts[Action.NEW]} new, {counts[Action.UNCHANGED]} unchanged, "
            f"{counts[Action.ERROR]} with errors."
        )
        if not self.ok:
            return f"{text} Nothing {verb} imported: fix the errors and import the whole file again."
        if self.dry_run:
            return f"{text} Dry run: nothing was written."
        return text


class _RollBack(Exception):
    pass


class RowFailed(Exception):
    """A row was valid when planned but its operation refused it; the whole import is rolled back."""


def run_all_or_nothing(report: ImportReport, apply: Callable[[], None]) -> ImportReport:
    """Write the planned rows in one transaction if every row is valid; roll back on a dry run or on the first row
    that fails while being written (whose error `apply` records on its outcome before raising `RowFailed`)."""
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            apply()
            if report.dry_run:
                raise _RollBack
    except (_RollBack, RowFailed):
        pass
    else:
        report.written = True
    if not report.ok or report.dry_run:
        for outcome in report.rows:
            outcome.instance = None
        report.created = {}
    return report


def fail_row(outcome: RowOutcome, exc: ValidationError, columns: dict[str, str]) -> RowFailed:
    """Record an action's refusal on its row, naming the file's column for the field it complains about."""
    for field_name, messages in _message_dict(exc).items():
        for message in messages:
            outcome.error(columns.get(field_name), message)
    return RowFailed()


def _message_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}
