"""The payment calendar: scheduled payments month by month against the fund's cash in pounds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, DateField, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth

from alignment_fund.dates import add_months, first_of_month
from alignment_fund.money import BASE_CURRENCY, total
from alignment_fund.rates.models import QuotedRate
from grants.models import Award, Milestone
from grants.reads.instalments import expected_instalments
from grants.reads.position import ZERO, money_sum, pool_position, rate_book_for, stale_rates
from grants.reads.remembered import remembered

CALENDAR_PAGE_SIZE = 50  # payments a page on a month's drill-down


@dataclass(frozen=True)
class CalendarMonth:
    month: date
    payment_count: int  # the payments themselves are listed, a page at a time, by `payments_in(month)`
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
    expected_gbp: Decimal = ZERO  # instalments expected in these months (overdue ones included), at today's rate
    late_receipts_gbp: Decimal = ZERO  # of which overdue: counted in the first month
    unscheduled_gbp: Decimal = ZERO  # pledged, still to arrive, with no instalment dates: not counted

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
    against GBP cash. Expected receipts are the pledges' instalments still to arrive (grants.reads.instalments), in
    the month they are expected, valued in pounds at today's reference rate; an instalment already late counts in the
    current month, like an overdue payment. Pounds add to "GBP cash after"; other currencies only to the cash that
    converting would give. Compute-only pledges never count, and pledges with no instalment dates are shown beside the
    table, not in it. A payment whose run has passed unpaid counts in the current month, as overdue."""
    book = rate_book_for(today)
    pool = pool_position(today, book)
    cash_gbp = pool.cash.get(BASE_CURRENCY, ZERO)
    foreign_gbp = total(valued.gbp for valued in pool.foreign_cash)
    start = first_of_month(today)
    end = add_months(start, months)
    # A payment is made in the month after its report's month (approved, or else due): the month is worked out and
    # everything added up in the database, a few rows a month whatever the number of milestones.
    by_month: dict[date, tuple[Decimal, int]] = defaultdict(lambda: (ZERO, 0))
    overdue = ZERO
    later_gbp, later_count = ZERO, 0
    for report_month, amount, count in unpaid_by_report_month():
        month = _payment_month(report_month)
        if month < start:
            overdue += amount
            month = start
        if month >= end:
            later_gbp += amount
            later_count += count
            continue
        paid, month_count = by_month[month]
        by_month[month] = (paid + amount, month_count + count)
    receipts_all: dict[date, Decimal] = defaultdict(lambda: ZERO)
    receipts_pounds: dict[date, Decimal] = defaultdict(lambda: ZERO)
    late_gbp = scheduled_gbp_total = with_dates_gbp = ZERO
    for instalment in expected_instalments():
        if instalment.compute_only:
            continue
        gbp = book.quote(instalment.currency, BASE_CURRENCY, today).convert(instalment.outstanding)
        with_dates_gbp += gbp
        month = max(first_of_month(instalment.expected_on), start)
        if month >= end:
            continue
        receipts_all[month] += gbp
        scheduled_gbp_total += gbp
        if instalment.currency == BASE_CURRENCY:
            receipts_pounds[month] += gbp
        if instalment.expected_on < today:
            late_gbp += gbp
    rows = []
    paid_so_far = received_pounds = received_all = ZERO
    for index in range(months):
        month = add_months(start, index)
        amount, count = by_month.get(month, (ZERO, 0))
        paid_so_far += amount
        received_pounds += receipts_pounds[month]
        received_all += receipts_all[month]
        rows.append(
            CalendarMonth(
                month=month,
                payment_count=count,
                payments_gbp=amount,
                overdue_gbp=overdue if index == 0 else ZERO,
                receipts_gbp=receipts_all[month],
                cash_after_gbp=cash_gbp + received_pounds - paid_so_far,
                cash_and_foreign_after_gbp=cash_gbp + foreign_gbp + received_all - paid_so_far,
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
        expected_gbp=scheduled_gbp_total,
        late_receipts_gbp=late_gbp,
        unscheduled_gbp=max(pool.receivable_gbp - with_dates_gbp, ZERO),
    )


def _payment_month(report_month: date) -> date:
    """A payment is made in the month after its report's month; one whose month has passed counts in the current."""
    return add_months(first_of_month(report_month), 1)


def unpaid_by_report_month() -> list[tuple[date, Decimal, int]]:
    """The unpaid milestones of live awards added up by the month of their report (approved, or else due): (month,
    amount, how many), remembered for the fund's version (grants.reads.remembered), for the calendar and its
    months alike."""
    return remembered("unpaid_by_report_month", _unpaid_by_report_month)


def _unpaid_by_report_month() -> list[tuple[date, Decimal, int]]:
    """Worked out: one GROUP BY."""
    unpaid = _scheduled().annotate(report_month=TruncMonth("report_on", output_field=DateField()))
    rows = unpaid.values("report_month").annotate(amount=Sum("amount"), count=Count("pk")).order_by()
    return [(row["report_month"], money_sum(row["amount"]), row["count"]) for row in rows]


def month_figures(month: date, today: date) -> tuple[int, Decimal]:
    """How many payments the calendar counts in `month` (the first of a month from today's on), and their total: the
    calendar's own month totals, so the drill-down and the calendar never disagree."""
    start = first_of_month(today)
    count, amount = 0, ZERO
    for report_month, month_amount, month_count in unpaid_by_report_month():
        if max(_payment_month(report_month), start) == month:
            count += month_count
            amount += month_amount
    return count, amount


def month_payments(month: date, today: date, first: int, last: int) -> list[Milestone]:
    """The payments from `first` to `last` (a page) of those the calendar counts in `month`, with their awards."""
    return list(payments_in(month, today)[first:last])


def _scheduled() -> QuerySet[Milestone]:
    """Unpaid milestones of live awards, with the date their payment run follows: the report's approval, or else
    its due date."""
    return (
        Milestone.objects.unpaid()
        .filter(award__status__in=Award.LIFECYCLE)
        .annotate(report_on=Coalesce("approved_on", "due_on", output_field=DateField()))
    )


def payments_in(month: date, today: date) -> QuerySet[Milestone]:
    """The payments the calendar counts in `month` (the first of a month from today's on), by due date: those whose
    report month is the month before, and in the current month also every one whose run has passed unpaid. The
    calendar's drill-down pages through them, so a month of thousands of payments is never read whole."""
    before = add_months(month, -1)
    payments = _scheduled().filter(report_on__lt=month)
    if month > first_of_month(today):
        payments = payments.filter(report_on__gte=before)
    return payments.select_related("award").order_by("due_on", "award__reference", "number")
