"""Reading administrators' spreadsheets (CSV and XLSX) row by row, with errors a person can act on.

The row logic of each import lives with its app (`projects.imports`, `grants.pledge_imports`); this module holds what they
share: reading a file into numbered rows, matching the header to known columns, parsing cells (amounts, dates, yes/no),
the report of what an import did or would do, and the adapter that lets django-import-export's admin screens run the
same import.

Row numbers are the spreadsheet's own: the header is row 1, so the first data row is row 2, as Excel shows it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export import fields, resources
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.results import Error, Result, RowResult
from tqdm import tqdm

from alignment_fund import money

# A progress reporter wraps an iterable, like tqdm: progress(iterable, total=..., desc=...).
Progress = Callable[..., Iterable]


def no_progress(iterable: Iterable, **_kwargs) -> Iterable:
    return iterable


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (wrong type, no header, not a spreadsheet)."""


# Reading


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, Any]  # header text as written in the file → cell value

    def is_blank(self) -> bool:
        return all(is_empty(v) for v in self.values.values())


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


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
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path.read_bytes())
    if suffix in {".csv", ".txt"}:
        return read_csv(path.read_bytes())
    raise SpreadsheetError(f"{path.name}: only .csv and .xlsx files can be imported.")


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


def table_from_dataset(dataset) -> Table:
    """A tablib Dataset, as django-import-export's admin reads an upload. (Its CSV reader drops blank lines, so
    after a blank line the row numbers shown can be one short of the file's.)"""
    if not dataset.headers:
        raise SpreadsheetError("The file has no header row.")
    return _table(dataset.headers, ((i, r) for i, r in enumerate(dataset, start=2)))


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


# Cells. Each parser returns a clean value or raises CellProblem with the reason, in words.


class CellProblem(ValueError):
    pass


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


# The report


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
    created: dict[str, int] = field(default_factory=dict)  # model label → rows created

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


class RowFailed(Exception):
    """A row was valid when planned but its operation refused it; the whole import is rolled back."""


def fail_row(outcome: RowOutcome, exc: ValidationError, columns: dict[str, str]) -> RowFailed:
    """Record an action's refusal on its row, naming the file's column for the field it complains about."""
    for field_name, messages_ in _message_dict(exc).items():
        for message in messages_:
            outcome.error(columns.get(field_name), message)
    return RowFailed()


def _message_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


# The django-import-export adapter, so the admin's Import button runs the same row logic as the commands


def _import_export_result(report: ImportReport) -> Result:
    result = Result()
    result.diff_headers = list(report.headers)
    result.total_rows = len(report.rows)
    for message in report.file_errors:
        result.append_base_error(Error(SpreadsheetError(message)))
    for outcome in report.rows:
        row_result = RowResult()
        row_result.row_values = outcome.row.values
        row_result.diff = [
            show(outcome.row.values.get(h)) if not is_empty(outcome.row.values.get(h)) else "" for h in report.headers
        ]
        if outcome.errors:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            by_column: dict[str, list[str]] = {}
            for error in outcome.errors:
                by_column.setdefault(error.column or NON_FIELD_ERRORS, []).append(error.message)
            row_result.validation_error = ValidationError(by_column)
            result.append_invalid_row(outcome.number, outcome.row.values, row_result.validation_error)
        elif outcome.action == Action.UNCHANGED:
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
        else:
            row_result.import_type = RowResult.IMPORT_TYPE_NEW
            row_result.instance = outcome.instance
            row_result.add_instance_info(outcome.instance)
        result.increment_row_result_total(row_result)
        result.append_row_result(row_result)
    return result


class SpreadsheetResource(resources.Resource):
    """A Resource whose import is one of our importers: the same row logic as the management command, with its
    all-or-nothing rule and its messages. Subclasses set `columns` and implement `run`."""

    columns: Sequence[Column] = ()

    def run(self, table: Table, *, actor, dry_run: bool) -> ImportReport:
        raise NotImplementedError

    @classmethod
    def get_display_name(cls) -> str:
        return getattr(cls._meta, "name", None) or cls.__name__

    def get_import_fields(self):
        return [fields.Field(column_name=c.title) for c in self.columns]

    def get_user_visible_fields(self):
        return self.get_import_fields()

    def get_diff_headers(self):
        return [c.title for c in self.columns]

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs) -> Result:
        try:
            table = table_from_dataset(dataset)
        except SpreadsheetError as exc:
            report = ImportReport(what=self.get_display_name(), dry_run=dry_run, file_errors=[str(exc)])
        else:
            report = self.run(table, actor=kwargs.get("user"), dry_run=dry_run)
        if raise_errors and not report.ok:
            raise ValidationError([str(e) for e in report.errors])
        return _import_export_result(report)


class SpreadsheetImportMixin(ImportMixin):
    """ImportMixin for a ModelAdmin: CSV and XLSX only, our wording, and an import refused at the confirmation step
    (the data changed since the preview) reported as refused rather than announced as a success."""

    import_formats = [CSV, XLSX]

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            problems = [str(e.error) for e in result.base_errors] + [
                f"Row {row.number}: " + "; ".join(m for ms in row.error_dict.values() for m in ms)
                for row in result.invalid_rows
            ]
            messages.error(request, "Nothing was imported. " + " ".join(problems[:10]))
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        new, unchanged = result.totals[RowResult.IMPORT_TYPE_NEW], result.totals[RowResult.IMPORT_TYPE_SKIP]
        messages.success(request, f"Imported: {new} new rows, {unchanged} unchanged.")


# The management commands' shared shape: `import_x FILE [--dry-run] [--user NAME]`


class ImportCommand(BaseCommand):
    """Subclasses set `help` and implement `run(table, actor=..., dry_run=..., progress=...)`."""

    def run(self, table: Table, *, actor, dry_run: bool, progress: Progress) -> ImportReport:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv (UTF-8) or .xlsx file; the header is its first row.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and show what would change; write nothing."
        )
        parser.add_argument("--user", help="The administrator's username to record the entries under.")

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            from django.contrib.auth import get_user_model

            actor = get_user_model().objects.filter(username=options["user"], is_staff=True).first()
            if actor is None:
                raise CommandError(f"There is no administrator with the username {options['user']}.")
        try:
            table = read_table(options["file"])
        except (OSError, SpreadsheetError) as exc:
            raise CommandError(str(exc)) from exc
        report = self.run(table, actor=actor, dry_run=options["dry_run"], progress=self._progress)
        self._print(report, options["verbosity"])
        if not report.ok:
            raise CommandError(f"Nothing was imported: {len(report.errors)} errors.")

    def _progress(self, iterable: Iterable, *, total: int, desc: str) -> Iterable:
        # tqdm draws on a terminal and stays quiet when the output is a file or a pipe.
        return tqdm(iterable, total=total, desc=desc, unit="row", file=self.stderr._out, disable=None)

    def _print(self, report: ImportReport, verbosity: int) -> None:
        for header in report.ignored_columns:
            self.stdout.write(f"Column '{header}' is not one this import reads: it was ignored.")
        for error in report.errors:
            self.stderr.write(str(error))
        if verbosity >= 2 or (report.dry_run and verbosity >= 1):
            for outcome in report.rows:
                if not outcome.errors:
                    self.stdout.write(f"Row {outcome.number}: {outcome.action}: {outcome.description}")
        style = self.style.SUCCESS if report.ok else self.style.ERROR
        self.stdout.write(style(report.summary()))
        if report.written and report.created:
            made = ", ".join(f"{count} {label}" for label, count in report.created.items())
            self.stdout.write(f"Created {made}.")
