"""Money still to collect and to convert: pledges with money still to arrive, and foreign cash not yet sold for
pounds. The portfolio lists them; the FX exposure values them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce

from alignment_fund.money import BASE_CURRENCY
from funders.models import Pledge, Receipt
from grants.reads.position import ZERO, money_sum


@dataclass(frozen=True)
class Left:
    """What is left of one pledge (to arrive) or one receipt (to convert): read as plain values, not as a model
    instance, so that adding them up costs little however many there are."""

    pk: int
    on: date  # the day it was pledged or received
    currency: str
    amount: Decimal
    done: Decimal  # received, or sold for pounds

    @property
    def left(self) -> Decimal:
        return self.amount - self.done


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


def _pledges(on: date):
    return (
        Pledge.objects.filter(pledged_on__lte=on)
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


def _receipts(on: date):
    # Cash given for compute only stays out: it never enters the awards pool, so it is neither converted nor exposed.
    return (
        Receipt.objects.filter(received_on__lte=on, pledge__compute_only=False)
        .exclude(amount_currency=BASE_CURRENCY)
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


def _left(rows) -> list[Left]:
    lines = (Left(pk, on, currency, amount, money_sum(done)) for pk, on, currency, amount, done in rows)
    return [line for line in lines if line.left > 0]


def pledges_left(on: date) -> list[Left]:
    """Every pledge made by `on` with money still to arrive, oldest first (one query). The database leaves out the
    pledges paid in full (most of them, in a fund that has run a while); `_left` checks again to the penny."""
    open_only = _pledges(on).filter(amount__gt=Coalesce("received_total", Value(ZERO)))
    return _left(open_only.values_list("pk", "pledged_on", "amount_currency", "amount", "received_total"))


def receipts_left(on: date) -> list[Left]:
    """Every non-GBP receipt for the awards pool with cash not yet converted on `on`, oldest first (one query): as
    above, the receipts converted in full stay in the database."""
    open_only = _receipts(on).filter(amount__gt=Coalesce("sold_total", Value(ZERO)))
    return _left(open_only.values_list("pk", "received_on", "amount_currency", "amount", "sold_total"))


def outstanding_pledges(lines: list[Left]) -> list[OutstandingPledge]:
    """The pledges of `lines` (a page of `pledges_left`) to list, with their funders (one query)."""
    pledges = Pledge.objects.select_related("funder").in_bulk([line.pk for line in lines])
    return [OutstandingPledge(pledges[line.pk], line.done, line.left) for line in lines]


def unconverted_receipts(lines: list[Left]) -> list[UnconvertedReceipt]:
    """The receipts of `lines` (a page of `receipts_left`) to list, with their pledges' funders (one query)."""
    receipts = Receipt.objects.select_related("pledge__funder").in_bulk([line.pk for line in lines])
    return [UnconvertedReceipt(receipts[line.pk], line.done, line.left) for line in lines]
