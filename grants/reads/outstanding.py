"""Money still to collect and to convert: pledges with money still to arrive, and foreign cash not yet sold for
pounds. The portfolio lists them; the FX exposure values them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, Sum

from alignment_fund.money import BASE_CURRENCY
from funders.models import Pledge, Receipt
from grants.reads.position import money_sum


@dataclass(frozen=True)
class OutstandingPledge:
    """A pledge with money still to arrive."""

    pledge: Pledge
    received: Decimal
    outstanding: Decimal

    @property
    def currency(self) -> str:
        return self.pledge.amount_currency


@dataclass(frozen=True)
class UnconvertedReceipt:
    """Non-GBP cash that arrived and has not been sold for pounds yet."""

    receipt: Receipt
    sold: Decimal
    unconverted: Decimal

    @property
    def currency(self) -> str:
        return self.receipt.amount_currency


def outstanding_pledges(on: date) -> list[OutstandingPledge]:
    """Every pledge made by `on` with money still to arrive, oldest first (one query)."""
    pledges = (
        Pledge.objects.filter(pledged_on__lte=on)
        .select_related("funder")
        .annotate(
            received_total=Sum(
                "receipts__amount",
                # Receipts are in their pledge's currency (the model checks it); the filter keeps this sum honest.
                filter=Q(
                    receipts__received_on__lte=on,
                    receipts__amount_currency=F("amount_currency"),
                    receipts__reversed_at__isnull=True,
                ),
            )
        )
        .order_by("pledged_on", "pk")
    )
    rows = []
    for pledge in pledges:
        received = money_sum(pledge.received_total)
        left = pledge.amount.amount - received
        if left > 0:
            rows.append(OutstandingPledge(pledge, received, left))
    return rows


def unconverted_receipts(on: date) -> list[UnconvertedReceipt]:
    """Every non-GBP receipt for the awards pool with cash not yet converted on `on` (one query).

    Cash given for compute only stays out: it never enters the awards pool, so it is neither converted nor exposed.
    """
    receipts = (
        Receipt.objects.filter(received_on__lte=on, pledge__compute_only=False)
        .exclude(amount_currency=BASE_CURRENCY)
        .select_related("pledge__funder")
        .annotate(
            sold_total=Sum(
                "conversions__amount_sold",
                filter=Q(
                    conversions__converted_on__lte=on,
                    conversions__amount_sold_currency=F("amount_currency"),
                    conversions__reversed_at__isnull=True,
                ),
            )
        )
        .order_by("received_on", "pk")
    )
    rows = []
    for receipt in receipts:
        sold = money_sum(receipt.sold_total)
        left = receipt.amount.amount - sold
        if left > 0:
            rows.append(UnconvertedReceipt(receipt, sold, left))
    return rows
