"""Reference exchange rates: a dated history with provenance.

Rates are stored as the ECB quotes them, units of a currency per euro. Every other pair (GBP/USD, USD→GBP...) is
a cross rate derived from two of those, and says which two. "The rate on D" is the latest one published on or
before D, never a later one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Max, Q, Subquery

from alignment_fund.dates import business_days_between
from alignment_fund.money import convert, cross_rate, invert, round_rate

ECB_BASE = "EUR"


class RateUnavailable(LookupError):
    """No reference rate is known on or before the date asked for."""


@dataclass(frozen=True)
class QuotedRate:
    """A rate between two currencies, with where it came from and the date it was published for."""

    source_currency: str
    target_currency: str
    rate: Decimal
    rate_date: date | None
    source: str
    derived_from: str = ""
    # The rate as the ECB legs give it, at their full precision: target units per source unit = numerator / per.
    # `rate` is that ratio to ten places, for showing; conversions use the legs, so only the amount is rounded.
    numerator: Decimal | None = None
    per: Decimal = Decimal(1)

    def convert(self, amount: Decimal) -> Decimal:
        if self.numerator is None:
            return convert(amount, self.rate)
        return convert(amount, self.numerator, self.per)

    def is_stale(self, today: date) -> bool:
        if self.rate_date is None:  # identity: a pound is always a pound
            return False
        return business_days_between(self.rate_date, today) > settings.RATES_STALE_AFTER_BUSINESS_DAYS

    @property
    def pair(self) -> str:
        return f"{self.source_currency}/{self.target_currency}"

    def describe(self) -> str:
        if self.rate_date is None:
            return "same currency"
        return f"{self.pair} {self.rate.normalize():f}, {self.source_label} rate of {self.rate_date:%-d %b %Y}"

    @property
    def source_label(self) -> str:
        """The source in words; a cross rate whose two legs came from different sources names both."""
        labels = [
            ExchangeRate.Source(part).label if part in ExchangeRate.Source.values else part
            for part in self.source.split("+")
        ]
        return " and ".join(labels)


@dataclass(frozen=True)
class _EurRate:
    currency: str
    rate_date: date
    rate: Decimal
    source: str


class RateBook:
    """Rates loaded once and answered from memory, so a page converting many amounts costs one query. A book never
    changes once loaded, so each quote is worked out once and kept (a funder's page values thousands of amounts on
    a few dozen days)."""

    def __init__(self, rows: Iterable[_EurRate]):
        self._dates: dict[str, list[date]] = {}
        self._rows: dict[str, list[_EurRate]] = {}
        self._quotes: dict[tuple[str, str, date], QuotedRate] = {}
        for row in sorted(rows, key=lambda r: (r.currency, r.rate_date)):
            self._dates.setdefault(row.currency, []).append(row.rate_date)
            self._rows.setdefault(row.currency, []).append(row)

    @classmethod
    def load(cls, currencies: Iterable[str] | None = None, since: date | None = None, until: date | None = None):
        qs = ExchangeRate.objects.all()
        if currencies is not None:
            qs = qs.filter(currency__in=[c for c in currencies if c != ECB_BASE])
        if since is not None:
            # A value on `since` needs the last rate published on or before it, however long ago that was (weekends,
            # holidays, a feed that stopped): the rows from the earliest of the currencies' last rates on or before
            # `since`, in the same one query. Worked out once (not per row and currency, which made the database
            # evaluate it for every rate). A currency may bring rows from before its own last rate, which no value on
            # or after `since` reads: a few days' worth, or, when one currency's feed stopped long before `since`,
            # every currency's rows since then (more rows, the same answers, and the stale rate says so).
            last_before = (
                qs.filter(rate_date__lte=since)
                .order_by()
                .values("currency")
                .annotate(last=Max("rate_date"))
                .order_by("last")
                .values("last")[:1]
            )
            qs = qs.filter(Q(rate_date__gte=Subquery(last_before)) | Q(rate_date__gt=since))
        if until is not None:
            qs = qs.filter(rate_date__lte=until)
        return cls(
            _EurRate(currency, rate_date, rate, source)
            for currency, rate_date, rate, source in qs.values_list("currency", "rate_date", "rate", "source")
        )

    def _eur_rate(self, currency: str, on: date) -> _EurRate:
        dates = self._dates.get(currency, [])
        index = bisect.bisect_right(dates, on)
        if index == 0:
            raise RateUnavailable(f"No EUR/{currency} reference rate on or before {on:%d %b %Y}.")
        return self._rows[currency][index - 1]

    def quote(self, source_currency: str, target_currency: str, on: date) -> QuotedRate:
        key = (source_currency, target_currency, on)
        quoted = self._quotes.get(key)
        if quoted is None:
            quoted = self._quotes[key] = self._quote(source_currency, target_currency, on)
        return quoted

    def _quote(self, source_currency: str, target_currency: str, on: date) -> QuotedRate:
        if source_currency == target_currency:
            return QuotedRate(source_currency, target_currency, Decimal(1), None, "identity")
        if source_currency == ECB_BASE:
            leg = self._eur_rate(target_currency, on)
            return QuotedRate(
                ECB_BASE,
                target_currency,
                round_rate(leg.rate),
                leg.rate_date,
                leg.source,
                f"EUR/{target_currency} {leg.rate.normalize():f} ({leg.rate_date:%Y-%m-%d})",
                numerator=leg.rate,
            )
        if target_currency == ECB_BASE:
            leg = self._eur_rate(source_currency, on)
            return QuotedRate(
                source_currency,
                ECB_BASE,
                invert(leg.rate),
                leg.rate_date,
                leg.source,
                f"1 / EUR/{source_currency} {leg.rate.normalize():f} ({leg.rate_date:%Y-%m-%d})",
                numerator=Decimal(1),
                per=leg.rate,
            )
        from_leg = self._eur_rate(source_currency, on)
        to_leg = self._eur_rate(target_currency, on)
        return QuotedRate(
            source_currency,
            target_currency,
            cross_rate(from_leg.rate, to_leg.rate),
            min(from_leg.rate_date, to_leg.rate_date),
            from_leg.source if from_leg.source == to_leg.source else f"{from_leg.source}+{to_leg.source}",
            f"EUR/{target_currency} {to_leg.rate.normalize():f} ({to_leg.rate_date:%Y-%m-%d}) ÷ "
            f"EUR/{source_currency} {from_leg.rate.normalize():f} ({from_leg.rate_date:%Y-%m-%d})",
            numerator=to_leg.rate,
            per=from_leg.rate,
        )


class ExchangeRateQuerySet(models.QuerySet):
    def quote(self, source_currency: str, target_currency: str, on: date) -> QuotedRate:
        """The reference rate from one currency to another on `on`: the latest published on or before it."""
        needed = {source_currency, target_currency} - {ECB_BASE}
        if source_currency == target_currency:
            needed = set()
        rows = []
        for currency in needed:
            row = (
                self.filter(currency=currency, rate_date__lte=on)
                .order_by("-rate_date")
                .values_list("currency", "rate_date", "rate", "source")
                .first()
            )
            if row:
                rows.append(_EurRate(*row))
        return RateBook(rows).quote(source_currency, target_currency, on)

    def newest_date(self) -> date | None:
        return self.aggregate(newest=models.Max("rate_date"))["newest"]


class ExchangeRate(models.Model):
    """One ECB-style reference rate: `rate` units of `currency` per euro on `rate_date`."""

    class Source(models.TextChoices):
        ECB_HISTORY = "ecb-history", "ECB reference (history file)"
        ECB_LIVE = "ecb-live", "ECB reference (daily feed)"
        MANUAL = "manual", "Entered by an administrator"

    currency = models.CharField(max_length=3)
    rate_date = models.DateField()
    rate = models.DecimalField(max_digits=20, decimal_places=10, help_text="Units of the currency per euro.")
    source = models.CharField(max_length=20, choices=Source.choices)
    fetched_at = models.DateTimeField(auto_now_add=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The administrator who let through a rate that moved further than the bound allows.",
    )

    objects = ExchangeRateQuerySet.as_manager()

    class Meta:
        ordering = ["-rate_date", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "rate_date"], name="one_rate_per_currency_and_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive"),
        ]
        indexes = [models.Index(fields=["currency", "-rate_date"], name="rate_lookup")]

    def __str__(self) -> str:
        return f"EUR/{self.currency} {self.rate} on {self.rate_date:%d %b %Y} ({self.get_source_display()})"


class HeldRate(models.Model):
    """A published rate further from the previous stored rate of its currency than RATES_MAX_MOVE allows. It is not
    stored, so nothing is valued with it, until an administrator confirms it (then it becomes an `ExchangeRate`) or
    rejects it. A feed that sends the same rate again finds it already held."""

    class Decision(models.TextChoices):
        WAITING = "waiting", "Waiting for an administrator"
        CONFIRMED = "confirmed", "Confirmed and stored"
        REJECTED = "rejected", "Rejected"

    currency = models.CharField(max_length=3)
    rate_date = models.DateField()
    rate = models.DecimalField(max_digits=20, decimal_places=10, help_text="Units of the currency per euro.")
    source = models.CharField(max_length=20, choices=ExchangeRate.Source.choices)
    previous_rate = models.DecimalField(max_digits=20, decimal_places=10)
    previous_date = models.DateField()
    received_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.WAITING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-rate_date", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "rate_date"], name="one_held_rate_per_currency_and_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="held_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"EUR/{self.currency} {self.rate.normalize():f} on {self.rate_date:%d %b %Y} ({self.move:+.1%})"

    @property
    def move(self) -> Decimal:
        """How far it is from the previous stored rate, as a fraction (+0.25 is 25% more units per euro)."""
        return self.rate / self.previous_rate - 1
