"""What is still to come of one pledge or one receipt: the money not yet arrived, the cash not yet converted."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from alignment_fund.money import round_money
from funders.models import Pledge, Receipt


def outstanding_on_pledge(pledge: Pledge) -> Decimal:
    received = round_money(pledge.receipts.aggregate(total=Sum("amount"))["total"] or 0)
    return pledge.amount.amount - received


def unconverted_on_receipt(receipt: Receipt) -> Decimal:
    sold = round_money(receipt.conversions.aggregate(total=Sum("amount_sold"))["total"] or 0)
    return receipt.amount.amount - sold
