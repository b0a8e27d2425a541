from argparse import ArgumentTypeError
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from alignment_fund.clock import fund_today
from alignment_fund.rates.models import RateUnavailable
from grants.reconcile import Row, SurfaceUnavailable, reconcile


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ArgumentTypeError(f"{text!r} is not a date: give it as YYYY-MM-DD.") from exc


def _text(value) -> str:
    return "—" if value is None else f"{value}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _difference(row: Row) -> str:
    if not row.differs:
        return ""
    if row.shown is None:
        return f"not shown (expected {row.expected})"
    return f"{row.difference:+} (expected {row.expected})"


class Command(BaseCommand):
    help = (
        "Work out every published figure again from the ledger and the source tables and compare it with what each "
        "surface shows: the portfolio, the funders' pages and statements, the API, the summary snapshot and the "
        "360Giving file. Prints each figure, where it appears, its value and any difference; exits 1 on a difference."
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", type=_day, help="Reconcile the figures as of this date (default: today).")
        parser.add_argument("--quiet", action="store_true", help="Print only the differences and the closing line.")

    def handle(self, *args, on=None, quiet=False, **options):
        on = on or fund_today()
        try:
            rows = reconcile(on)
        except (RateUnavailable, SurfaceUnavailable) as exc:
            raise CommandError(f"Cannot reconcile on {on:%-d %b %Y}: {exc}") from exc
        differences = [row for row in rows if row.differs]
        shown = differences if quiet else rows
        if shown:
            table = [("figure", "surface", "value", "difference")]
            table += [(row.figure, row.surface, _text(row.shown), _difference(row)) for row in shown]
            widths = [max(len(line[column]) for line in table) for column in range(3)]
            for line in table:
                cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
                self.stdout.write("  ".join([*cells, line[3]]).rstrip())
        self.stdout.write(
            f"{_count(len(rows), 'figure')} checked on {on:%-d %b %Y}, {_count(len(differences), 'difference')}"
        )
        if differences:
            raise CommandError(
                f"{_count(len(differences), 'figure')} of {len(rows)} differ from the ledger and records"
            )
