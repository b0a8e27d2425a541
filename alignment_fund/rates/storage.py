"""Storing published rates: all or nothing, a day's first rate standing for good, a rate that jumped held for an
administrator; how fresh the stored rates are; and the refresh that fetches from a source and stores."""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from alignment_fund.clock import fund_today
from alignment_fund.dates import business_days_between
from alignment_fund.rates.models import ExchangeRate, HeldRate
from alignment_fund.rates.signals import rates_stored
from alignment_fund.rates.sources import ECB_CURRENCIES, MalformedRates, PublishedRate, RateSource

log = logging.getLogger(__name__)


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
        # Locked by id: the admin's queryset joins the deciding user, and a row lock cannot take an outer join.
        waiting = HeldRate.objects.select_for_update().filter(
            pk__in=list(held_rates.values_list("pk", flat=True)), decision=HeldRate.Decision.WAITING
        )
        for held in waiting:
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
