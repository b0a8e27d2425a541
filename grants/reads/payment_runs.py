"""Payment runs: what is due in a month's run, a run's page against the pounds the fund holds, and the list.

Payments are monthly in arrears. A milestone is due in the run for month M once M has ended and both its due date and
its approval fall on or before M's last day: a report approved early for a milestone due next year waits for next
year's run. Items left over from earlier months are carried into the next run. A milestone already paid, one in a
run not yet released, and one of a terminated award are not due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from alignment_fund.dates import month_end
from alignment_fund.money import total
from grants.models import Award, Milestone, PaymentRun, PaymentRunItem
from grants.reads.headroom import lowest_gbp_cash

ZERO = Decimal("0.00")


def parse_month(text: str) -> date | None:
    """'YYYY-MM' as the month's first day, or None if it is not one."""
    try:
        year, month = (int(part) for part in str(text).split("-"))
        if len(str(text)) != 7:
            return None
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


def month_has_ended(month: date, today: date) -> bool:
    return month_end(month.year, month.month) < today


def due_in_run(month: date) -> QuerySet[Milestone]:
    """The approved, unpaid milestones whose month has ended by the end of `month`, not already in a run waiting to
    be released, of awards not terminated: what a run for `month` pays."""
    last_day = month_end(month.year, month.month)
    waiting = PaymentRunItem.objects.filter(run__status=PaymentRun.Status.PROPOSED).values("milestone_id")
    return (
        Milestone.objects.unpaid()
        .filter(approved_on__isnull=False, approved_on__lte=last_day, due_on__lte=last_day)
        .exclude(award__status=Award.Status.TERMINATED)
        .exclude(pk__in=waiting)
        .select_related("award__project")
        .order_by("award__reference", "number")
    )


def run_items(run: PaymentRun) -> list[PaymentRunItem]:
    return list(
        run.items.select_related("milestone__award__project", "disbursement").order_by(
            "milestone__award__reference", "milestone__number"
        )
    )


@dataclass(frozen=True)
class RunPage:
    run: PaymentRun
    items: list[PaymentRunItem]
    total_gbp: Decimal
    cash_gbp: Decimal | None  # the least GBP cash from today on; None once released

    @property
    def short_gbp(self) -> Decimal:
        """How many more pounds the run needs than the fund holds (0 when it can be paid)."""
        if self.cash_gbp is None:
            return ZERO
        return max(ZERO, self.total_gbp - self.cash_gbp)


def run_page(run: PaymentRun, today: date) -> RunPage:
    items = run_items(run)
    cash = lowest_gbp_cash(today) if run.status == PaymentRun.Status.PROPOSED else None
    return RunPage(run, items, total(item.amount.amount for item in items), cash)


def runs_list() -> QuerySet[PaymentRun]:
    return PaymentRun.objects.select_related("proposed_by", "released_by").order_by("-month", "-pk")


def runs_with_totals() -> list[tuple[PaymentRun, int, Decimal]]:
    """Every run with its number of items and total, in two queries."""
    runs = list(runs_list())
    rows = PaymentRunItem.objects.filter(run__in=runs).values_list("run_id", "amount")
    counts: dict[int, int] = {}
    totals: dict[int, Decimal] = {}
    for run_id, amount in rows:
        counts[run_id] = counts.get(run_id, 0) + 1
        totals[run_id] = totals.get(run_id, ZERO) + amount
    return [(run, counts.get(run.pk, 0), totals.get(run.pk, ZERO)) for run in runs]


def waiting_for_release(user) -> QuerySet[PaymentRun]:
    """Proposed runs this administrator may release: those someone else proposed (any, if the rule allows)."""
    return PaymentRun.objects.filter(status=PaymentRun.Status.PROPOSED).filter(~Q(proposed_by=user))
