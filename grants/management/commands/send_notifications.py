from argparse import ArgumentTypeError
from datetime import date

from django.core.management.base import BaseCommand

from alignment_fund.clock import fund_today
from grants.notifications import run_daily


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ArgumentTypeError(f"{text!r} is not a date: give it as YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = "Run the daily notification job now: queue what the rules say and send what is due. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--on", type=_day, help="The day to apply the rules for (default: the fund's today).")

    def handle(self, *args, on=None, **options):
        run = run_daily(on or fund_today())
        sent = run.sent
        self.stdout.write(
            f"{run.queued} queued, {sent.sent} sent, {sent.retrying} to retry, {sent.failed} failed, "
            f"{sent.skipped} skipped (switched off)."
        )
