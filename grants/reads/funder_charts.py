"""The funder dashboard's three charts: its contributions over time, its money by research area, and GBP/USD.

The series are computed with the dashboard (grants.reads.funder_view), which holds them; `chart_data` turns a
dashboard into the charts' JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from alignment_fund.money import BASE_CURRENCY
from alignment_fund.rates.models import RateBook
from grants.reads.pool_overview import ZERO, quote_or_none
from grants.reads.position import Valued


@dataclass(frozen=True)
class ContributionEvent:
    """A pledge or a receipt, for the contributions-over-time chart and its table."""

    on: date
    kind: str
    reference: str
    amount: Decimal
    currency: str
    chart_amount: Decimal | None
    cumulative_pledged: Decimal | None
    cumulative_received: Decimal | None


@dataclass(frozen=True)
class RatePoint:
    on: date
    rate: Decimal


def contributions(pledges, receipts, chart_currency: str) -> tuple[ContributionEvent, ...]:
    """The dashboard's pledges and receipts in date order, with running totals in the chart's currency (the funder's
    own when it pledged in one currency, else GBP at each day's reference rate)."""

    def in_chart_currency(amount: Decimal, currency: str, valued: Valued | None) -> Decimal | None:
        if currency == chart_currency:
            return amount
        return valued.gbp if valued is not None and chart_currency == BASE_CURRENCY else None

    events = [
        ("pledge", pledge.pledged_on, pledge.reference, pledge.amount, pledge.currency, pledge.at_pledge)
        for pledge in pledges
    ]
    events += [
        ("receipt", receipt.received_on, receipt.bank_reference, receipt.amount, receipt.currency, receipt.at_receipt)
        for receipt in receipts
    ]
    events.sort(key=lambda event: (event[1], event[0] != "pledge", event[2]))
    pledged: Decimal | None = ZERO
    received: Decimal | None = ZERO
    result = []
    for kind, on, reference, amount, currency, valued in events:
        chart_amount = in_chart_currency(amount, currency, valued)
        if kind == "pledge":
            pledged = None if pledged is None or chart_amount is None else pledged + chart_amount
        else:
            received = None if received is None or chart_amount is None else received + chart_amount
        result.append(ContributionEvent(on, kind, reference, amount, currency, chart_amount, pledged, received))
    return tuple(result)


def gbp_usd_history(book: RateBook, first: date, on: date) -> tuple[RatePoint, ...]:
    """GBP/USD on every day a rate was published, from the first pledge (or a year back, if later) to `on`."""
    start = min(first, on - timedelta(days=365))
    points: dict[date, RatePoint] = {}
    day = start
    while day <= on:
        quote = quote_or_none(book, BASE_CURRENCY, "USD", day)
        if quote is not None and quote.rate_date is not None and quote.rate_date >= start:
            points.setdefault(quote.rate_date, RatePoint(quote.rate_date, quote.rate))
        day += timedelta(days=1)
    return tuple(sorted(points.values(), key=lambda point: point.on))


def chart_data(dashboard) -> dict:
    """The three charts' data from a funder's dashboard, JSON-safe: money and rates as decimal strings (the browser
    parses them only to draw)."""
    contribution_points = [
        {
            "date": event.on.isoformat(),
            "pledged": None if event.cumulative_pledged is None else f"{event.cumulative_pledged:.2f}",
            "received": None if event.cumulative_received is None else f"{event.cumulative_received:.2f}",
        }
        for event in dashboard.contributions
    ]
    if contribution_points:
        # Carry the running totals on to today, so the lines end where the page's figures stand.
        contribution_points.append({**contribution_points[-1], "date": dashboard.on.isoformat()})
    return {
        "contributions": {"currency": dashboard.chart_currency, "points": contribution_points},
        "allocation": {
            "currency": BASE_CURRENCY,
            "items": [{"label": group.label, "amount": f"{group.amount:.2f}"} for group in dashboard.by_area],
        },
        "gbp_usd": {
            "points": [{"date": point.on.isoformat(), "rate": f"{point.rate:f}"} for point in dashboard.gbp_usd_history]
        },
    }
