"""The funder dashboard's three charts: its contributions over time, its money by research area, and GBP/USD.

The series are computed with the dashboard (grants.reads.funder_view), which holds them; `chart_data` turns a
dashboard into the charts' JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby

from alignment_fund.dates import first_of_month
from alignment_fund.money import BASE_CURRENCY
from alignment_fund.rates.models import RateBook
from grants.reads.pool_overview import ZERO, quote_or_none
from grants.reads.position import Valued


@dataclass(frozen=True)
class ContributionMonth:
    """A month of the funder's pledges and receipts, for the contributions-over-time chart and its table: what came
    in that month and the running totals at its last event, in the chart's currency (None where a figure has no
    reference rate to be valued at)."""

    month: date  # its first day
    last_on: date  # the day of its last pledge or receipt
    pledges: int
    receipts: int
    pledged: Decimal | None
    received: Decimal | None
    cumulative_pledged: Decimal | None
    cumulative_received: Decimal | None


@dataclass(frozen=True)
class RatePoint:
    on: date
    rate: Decimal


def contributions(pledges, receipts, chart_currency: str) -> tuple[ContributionMonth, ...]:
    """The dashboard's pledges and receipts added up by month, with running totals in the chart's currency (the
    funder's own when it pledged in one currency, else GBP at each event's reference rate): a row a month, however
    many pledges and receipts there are."""

    def in_chart_currency(amount: Decimal, currency: str, valued: Valued | None) -> Decimal | None:
        if currency == chart_currency:
            return amount
        return valued.gbp if valued is not None and chart_currency == BASE_CURRENCY else None

    def plus(running: Decimal | None, amount: Decimal | None) -> Decimal | None:
        return None if running is None or amount is None else running + amount

    events = [("pledge", pledge.pledged_on, pledge.amount, pledge.currency, pledge.at_pledge) for pledge in pledges]
    events += [
        ("receipt", receipt.received_on, receipt.amount, receipt.currency, receipt.at_receipt) for receipt in receipts
    ]
    events.sort(key=lambda event: event[1])
    months: list[ContributionMonth] = []
    pledged: Decimal | None = ZERO
    received: Decimal | None = ZERO
    for month, in_month in groupby(events, key=lambda event: first_of_month(event[1])):
        in_month = [
            (kind, on, in_chart_currency(amount, currency, valued)) for kind, on, amount, currency, valued in in_month
        ]
        month_pledged = month_received = ZERO
        for kind, _, chart_amount in in_month:
            if kind == "pledge":
                month_pledged, pledged = plus(month_pledged, chart_amount), plus(pledged, chart_amount)
            else:
                month_received, received = plus(month_received, chart_amount), plus(received, chart_amount)
        pledges = sum(kind == "pledge" for kind, _, _ in in_month)
        months.append(
            ContributionMonth(
                month,
                in_month[-1][1],
                pledges,
                len(in_month) - pledges,
                month_pledged,
                month_received,
                pledged,
                received,
            )
        )
    return tuple(months)


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
            "date": month.last_on.isoformat(),
            "pledged": None if month.cumulative_pledged is None else f"{month.cumulative_pledged:.2f}",
            "received": None if month.cumulative_received is None else f"{month.cumulative_received:.2f}",
        }
        for month in dashboard.contributions
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
