"""Helpers for the funder's pages: a fixed "today", and reference rates worked out here from the stored ECB rows
(not through the code under test), so the expected figures are independent of it."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from alignment_fund.rates.models import ExchangeRate

TODAY = date(2026, 2, 20)
PENNY = Decimal("0.01")


@pytest.fixture(autouse=True)
def _fund_today(settings):
    # A Friday with a published ECB rate, after everything in the world fixture happened.
    settings.FUND_TODAY = TODAY.isoformat()


def per_euro(currency: str, on: date) -> Decimal:
    if currency == "EUR":
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(currency=currency, rate_date__lte=on)
        .order_by("-rate_date")
        .values_list("rate", flat=True)
        .first()
    )


def rate(source: str, target: str, on: date = TODAY) -> Decimal:
    """Target units per source unit: the ECB cross rate, to ten places, half-up."""
    if source == target:
        return Decimal(1)
    return (per_euro(target, on) / per_euro(source, on)).quantize(Decimal("1E-10"), rounding=ROUND_HALF_UP)


def value(amount, source: str, target: str, on: date = TODAY) -> Decimal:
    return (Decimal(amount) * rate(source, target, on)).quantize(PENNY, rounding=ROUND_HALF_UP)


def renderings(amount: Decimal) -> list[str]:
    """The ways an amount could be written on a page or in a CSV."""
    amount = Decimal(amount)
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return [f"{amount:.2f}", f"{amount:,.2f}", f"{whole:,}", f"{whole}"]
