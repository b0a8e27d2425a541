"""Pledge instalments: when money still to arrive is expected, and which expectations are late.

A pledge's receipts cover its instalments in date order: the first instalments are paid off first, whatever the
receipts' own dates. What is left of an instalment is still expected; left after its date, it is overdue. Compute-only
pledges are left out of the calendar (that money never pays awards) but their lateness is still flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from funders.models import Funder, PledgeInstalment, Receipt

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ExpectedInstalment:
    funder_id: int
    funder_name: str
    pledge_id: int
    pledge_reference: str
    compute_only: bool
    expected_on: date
    amount: Decimal
    currency: str
    outstanding: Decimal  # what is still to arrive of this instalment

    def overdue_on(self, today: date) -> bool:
        return self.outstanding > 0 and self.expected_on < today


def expected_instalments(funder: Funder | None = None) -> list[ExpectedInstalment]:
    """Every instalment with something still to arrive, oldest first; only `funder`'s when given. Two queries."""
    rows = PledgeInstalment.objects.select_related("pledge__funder").order_by("pledge_id", "expected_on", "pk")
    receipts = Receipt.objects.all()
    if funder is not None:
        rows = rows.filter(pledge__funder=funder)
        receipts = receipts.filter(pledge__funder=funder)
    received = dict(
        receipts.filter(pledge_id__in=PledgeInstalment.objects.values("pledge_id"))
        .values("pledge_id")
        .annotate(total=Sum("amount"))
        .values_list("pledge_id", "total")
        .order_by()
    )
    left: dict[int, Decimal] = {}
    out = []
    for row in rows:
        pledge = row.pledge
        cover = left.setdefault(pledge.pk, received.get(pledge.pk) or ZERO)
        used = min(cover, row.amount.amount)
        left[pledge.pk] = cover - used
        outstanding = row.amount.amount - used
        if outstanding > 0:
            out.append(
                ExpectedInstalment(
                    funder_id=pledge.funder_id,
                    funder_name=pledge.funder.name,
                    pledge_id=pledge.pk,
                    pledge_reference=pledge.reference,
                    compute_only=pledge.compute_only,
                    expected_on=row.expected_on,
                    amount=row.amount.amount,
                    currency=row.amount_currency,
                    outstanding=outstanding,
                )
            )
    return sorted(out, key=lambda i: (i.expected_on, i.funder_name, i.pledge_reference))


def overdue_instalments(today: date, funder: Funder | None = None) -> list[ExpectedInstalment]:
    """Instalments whose date has passed with money still to arrive; only `funder`'s own when given (a funder's
    contact sees no other funder's)."""
    return [i for i in expected_instalments(funder) if i.overdue_on(today)]
