"""The import commands' shared shape: `manage.py import_x FILE [--dry-run] [--user NAME]`, with a progress bar."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from alignment_fund.spreadsheets.reading import SpreadsheetError, Table, read_table
from alignment_fund.spreadsheets.report import ImportReport, Progress


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
