"""Helpers for the administrator's page tests: a fixed "today", rates read straight from the stored ECB rows, and
figures read back from the rendered page by their data-testid."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from alignment_fund.money import convert, cross_rate
from alignment_fund.rates.models import ExchangeRate

TODAY = date(2026, 2, 20)


@pytest.fixture(autouse=True)
def _fund_today(settings):
    # A Friday with a published ECB rate, after everything in the world fixture happened.
    settings.FUND_TODAY = TODAY.isoformat()


def reference_rate(source: str, target: str, on: date) -> Decimal:
    """Target units per source unit on `on`, worked out here from the stored EUR rates (not through RateBook)."""

    def per_euro(currency: str) -> Decimal:
        if currency == "EUR":
            return Decimal(1)
        return (
            ExchangeRate.objects.filter(currency=currency, rate_date__lte=on)
            .order_by("-rate_date")
            .values_list("rate", flat=True)
            .first()
        )

    if source == target:
        return Decimal(1)
    return cross_rate(per_euro(source), per_euro(target))


def value(amount: str | Decimal, source: str, target: str, on: date = TODAY) -> Decimal:
    return convert(Decimal(amount), reference_rate(source, target, on))


def figure(response, testid: str) -> Decimal:
    """The exact figure behind an element with `data-testid` (its data-value attribute)."""
    html = response.content.decode()
    match = re.search(rf'data-testid="{re.escape(testid)}"[^>]*?data-value="([^"]+)"', html)
    assert match, f"no figure {testid!r} on the page"
    return Decimal(match.group(1))


def field_errors(response, form_key: str = "form") -> dict:
    return {name: list(errors) for name, errors in response.context[form_key].errors.items()}
