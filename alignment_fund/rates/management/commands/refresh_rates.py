from django.core.management.base import BaseCommand, CommandError

from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.sources import EcbFeed, MalformedRates, RatesUnavailable, default_source, rate_source
from alignment_fund.rates.storage import refresh_from


class Command(BaseCommand):
    help = (
        "Fetch the newest reference rates now, as the scheduled job does (RATES_SOURCE: the ECB feed or the shipped "
        "history), store the new ones and say whether the rates are stale. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            choices=["offline", "ecb"],
            help="Override RATES_SOURCE for this run.",
        )

    def handle(self, *args, source=None, **options):
        feed = rate_source(source) if source else default_source()
        label = ExchangeRate.Source(feed.source).label
        where = f" at {feed.url}" if isinstance(feed, EcbFeed) else ""
        try:
            result = refresh_from(feed)
        except RatesUnavailable as exc:
            raise CommandError(
                f"No rates from {label}: {exc}. Nothing was written; the stored rates stand. "
                "The scheduled job retries on its own."
            ) from exc
        except MalformedRates as exc:
            raise CommandError(
                f"{label}{where} answered with something that is not a usable rate table ({exc}). Nothing was "
                "written; the stored rates stand."
            ) from exc
        self.stdout.write(
            f"Fetched {result.fetched:,} rates from {label}{where}: {result.stored:,} new, "
            f"{result.fetched - result.stored - result.held:,} already stored or held."
        )
        if result.held:
            self.stdout.write(
                self.style.WARNING(
                    f"{result.held:,} rates moved further than the bound allows from the previous stored rate and "
                    "wait for an administrator (back office: Rates held for confirmation)."
                )
            )
        if result.freshness.stale:
            self.stdout.write(self.style.WARNING(result.freshness.describe()))
        else:
            self.stdout.write(self.style.SUCCESS(result.freshness.describe()))
