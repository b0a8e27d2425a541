"""The administrators' charts: the pool over time in GBP and USD, scheduled payments against cash by month, and the
awards by research area and by round. Each chart's figures come with it as a table on the page.

The pool at a month's end is the portfolio's pool on that day: cash and pledges still to arrive from the ledger
(compute-only money excluded), each currency's balance converted once into GBP and into USD at that day's reference
rate, then added (the one method of the README's money rules). The balances come from one GROUP BY of the ledger by
month, account and currency, summed month after month. Awards count for what stands awarded in the ledger, so an
award that ended early counts for what was paid on it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from alignment_fund.dates import add_months, first_of_month, month_end
from alignment_fund.money import BASE_CURRENCY, CURRENCIES, total
from alignment_fund.rates.models import RateBook
from grants.models import Account, LedgerDayTotal
from grants.models.ledger_totals import from_hundredths
from grants.reads.allocation import awards_by_round_and_area
from grants.reads.calendar import PaymentCalendar, payment_calendar
from grants.reads.pool_overview import ZERO

POOL_ACCOUNTS = (Account.CASH, Account.PLEDGES_RECEIVABLE)


@dataclass(frozen=True)
class PoolPoint:
    on: date
    pool_gbp: Decimal
    pool_usd: Decimal
    cash_gbp: Decimal


@dataclass(frozen=True)
class AwardGroup:
    label: str
    awards: int
    amount_gbp: Decimal


@dataclass(frozen=True)
class AdministratorCharts:
    today: date
    pool: tuple[PoolPoint, ...]
    calendar: PaymentCalendar
    by_area: tuple[AwardGroup, ...]
    by_round: tuple[AwardGroup, ...]

    def data(self) -> dict:
        """JSON-safe: money as decimal strings (the browser parses them only to draw)."""

        def groups(rows):
            return {
                "currency": BASE_CURRENCY,
                "label": "Awarded",
                "items": [{"label": row.label, "amount": f"{row.amount_gbp:.2f}"} for row in rows],
            }

        return {
            "pool": {
                "points": [
                    {"date": p.on.isoformat(), "gbp": f"{p.pool_gbp:.2f}", "usd": f"{p.pool_usd:.2f}"}
                    for p in self.pool
                ]
            },
            "cash_calendar": {
                "currency": BASE_CURRENCY,
                "months": [
                    {
                        "month": month.month.isoformat(),
                        "payments": f"{month.payments_gbp:.2f}",
                        "cash_after": f"{month.cash_after_gbp:.2f}",
                    }
                    for month in self.calendar.months
                ],
            },
            "by_area": groups(self.by_area),
            "by_round": groups(self.by_round),
        }


def month_ends(first: date, today: date) -> list[date]:
    """The end of every month from `first`'s to the one before today's, then today."""
    days, month = [], first_of_month(first)
    while True:
        end = month_end(month.year, month.month)
        if end >= today:
            return [*days, today]
        days.append(end)
        month = add_months(month, 1)


def pool_over_time(today: date) -> tuple[PoolPoint, ...]:
    """The pool at each month's end since the first booking, and today: two queries (the ledger's day totals, the rates)."""
    rows = (
        LedgerDayTotal.objects.up_to(today)
        .filter(account__in=POOL_ACCOUNTS)
        .annotate(month=TruncMonth("occurred_on"))
        .values("month", "account", "currency")
        .annotate(total=Sum("hundredths"))
        .order_by("month")
    )
    by_month: dict[date, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for row in rows:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        by_month[month].append((row["account"], row["currency"], from_hundredths(row["total"])))
    if not by_month:
        return ()
    first = min(by_month)
    book = RateBook.load(CURRENCIES, since=first, until=today)
    balances: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    points = []
    for day in month_ends(first, today):
        for account, currency, amount in by_month.pop(first_of_month(day), []):
            balances[(account, currency)] += amount
        valued = [
            (
                account,
                book.quote(currency, "GBP", day).convert(amount),
                book.quote(currency, "USD", day).convert(amount),
            )
            for (account, currency), amount in sorted(balances.items())
            if amount
        ]
        points.append(
            PoolPoint(
                on=day,
                pool_gbp=total(gbp for _, gbp, _ in valued),
                pool_usd=total(usd for _, _, usd in valued),
                cash_gbp=total(gbp for account, gbp, _ in valued if account == Account.CASH),
            )
        )
    return tuple(points)


def _awarded_by(label: str, today: date) -> tuple[AwardGroup, ...]:
    """The awards by round (in the rounds' order) or by research area (largest first): the portfolio's and the pools'
    own groups (grants.reads.allocation), added up by `label`, "round_name" or "area_name"."""
    groups: dict[str, list] = {}
    for group in awards_by_round_and_area(today):
        sums = groups.setdefault(getattr(group, label), [0, ZERO])
        sums[0] += group.award_count
        sums[1] += group.awarded
    rows = [AwardGroup(name, awards, amount) for name, (awards, amount) in groups.items()]
    if label == "round_name":
        return tuple(rows)  # in the rounds' own order
    return tuple(sorted(rows, key=lambda group: (-group.amount_gbp, group.label)))


def administrator_charts(today: date) -> AdministratorCharts:
    return AdministratorCharts(
        today=today,
        pool=pool_over_time(today),
        calendar=payment_calendar(today),
        by_area=_awarded_by("area_name", today),
        by_round=_awarded_by("round_name", today),
    )
