"""The payment calendar: scheduled payments month by month against the fund's cash in pounds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from alignment_fund.dates import add_months, first_of_month
from alignment_fund.money import BASE_CURRENCY, total
from alignment_fund.rates.models import QuotedRate
from grants.models import Award, Milestone
from grants.reads.position import ZERO, pool_position, rate_book_for, stale_rates


@dataclass(frozen=True)
class CalendarMonth:
    month: date
    payments: list[Milestone]
    payments_gbp: Decimal
    overdue_gbp: Decimal
    receipts_gbp: Decimal
    cash_after_gbp: Decimal
    cash_and_foreign_after_gbp: Decimal

    @property
    def short(self) -> bool:
        """GBP cash would not cover this month's payments."""
        return self.cash_after_gbp < 0

    @property
    def short_even_converting(self) -> bool:
        """Not even converting all foreign cash at today's rate would cover them."""
        return self.cash_and_foreign_after_gbp < 0


@dataclass(frozen=True)
class PaymentCalendar:
    today: date
    cash_gbp: Decimal
    foreign_cash_gbp: Decimal
    receivable_gbp: Decimal
    months: list[CalendarMonth]
    later_gbp: Decimal
    later_count: int
    stale_rates: list[QuotedRate] = field(default_factory=list)

    @property
    def scheduled_gbp(self) -> Decimal:
        return total(month.payments_gbp for month in self.months)

    @property
    def short_months(self) -> list[CalendarMonth]:
        return [month for month in self.months if month.short]

    @property
    def overdue_gbp(self) -> Decimal:
        return self.months[0].overdue_gbp if self.months else ZERO


def payment_calendar(today: date, months: int = 12) -> PaymentCalendar:
    """Scheduled payments (unpaid milestones of live awards, in the payment run they are expected in) month by month
    against GBP cash. Expected receipts count only where a date is known; pledges carry no payment schedule, so by
    default none is counted and pledges still to arrive are shown beside the table, not in it. A payment whose run
    has passed unpaid counts in the current month, as overdue."""
    book = rate_book_for(today)
    pool = pool_position(today, book)
    cash_gbp = pool.cash.get(BASE_CURRENCY, ZERO)
    foreign_gbp = total(valued.gbp for valued in pool.foreign_cash)
    unpaid = (
        Milestone.objects.unpaid()
        .filter(award__status__in=Award.LIFECYCLE)
        .select_related("award__project")
        .order_by("due_on", "award__reference", "number")
    )
    start = first_of_month(today)
    end = add_months(start, months)
    by_month: dict[date, list[Milestone]] = defaultdict(list)
    overdue = ZERO
    later_gbp, later_count = ZERO, 0
    for milestone in unpaid:
        month = first_of_month(milestone.expected_payment_on)
        if month < start:
            overdue += milestone.amount.amount
            month = start
        if month >= end:
            later_gbp += milestone.amount.amount
            later_count += 1
            continue
        by_month[month].append(milestone)
    rows = []
    paid_so_far = ZERO
    for index in range(months):
        month = add_months(start, index)
        payments = by_month.get(month, [])
        amount = total(milestone.amount.amount for milestone in payments)
        paid_so_far += amount
        rows.append(
            CalendarMonth(
                month=month,
                payments=payments,
                payments_gbp=amount,
                overdue_gbp=overdue if index == 0 else ZERO,
                receipts_gbp=ZERO,
                cash_after_gbp=cash_gbp - paid_so_far,
                cash_and_foreign_after_gbp=cash_gbp + foreign_gbp - paid_so_far,
            )
        )
    return PaymentCalendar(
        today=today,
        cash_gbp=cash_gbp,
        foreign_cash_gbp=foreign_gbp,
        receivable_gbp=pool.receivable_gbp,
        months=rows,
        later_gbp=later_gbp,
        later_count=later_count,
        stale_rates=stale_rates(pool, today),
    )
