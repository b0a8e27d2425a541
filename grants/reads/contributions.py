"""What is still to come of a pledge or a receipt: the money not yet arrived, the cash not yet converted; and the
pledges and receipts something is still to come of, which the receipt and conversion forms offer."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from alignment_fund.money import BASE_CURRENCY, round_money
from funders.models import Conversion, Pledge, Receipt

LIVE = Q(reversed_at__isnull=True)
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def outstanding_on_pledge(pledge: Pledge) -> Decimal:
    """What is still to arrive on a stored pledge: its amount less its live receipts."""
    return outstanding_on_pledges([pledge])[pledge.pk]


def outstanding_on_pledges(pledges: list[Pledge]) -> dict[int, Decimal]:
    """What is still to arrive on each of many stored pledges: {pledge id: amount}, one GROUP BY."""
    received = (
        Receipt.objects.filter(pledge_id__in=[p.pk for p in pledges])
        .values("pledge_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    totals = {row["pledge_id"]: round_money(row["total"] or 0) for row in received}
    return {p.pk: p.amount.amount - totals.get(p.pk, Decimal("0.00")) for p in pledges}


def unconverted_on_receipt(receipt: Receipt) -> Decimal:
    sold = round_money(receipt.conversions.aggregate(total=Sum("amount_sold"))["total"] or 0)
    return receipt.amount.amount - sold


def open_pledges(funder) -> QuerySet[Pledge]:
    """The funder's live pledges with money still to arrive, newest first, each annotated with `outstanding` (in the
    pledge's currency): what a receipt can be recorded against. The sum is one subquery a pledge, on the index."""
    received = (
        Receipt.all_objects.filter(pledge=OuterRef("pk"))
        .order_by()
        .values("pledge")
        .annotate(t=Sum("amount", filter=LIVE))
        .values("t")
    )
    return (
        Pledge.all_objects.filter(funder=funder)
        .annotate(received=Coalesce(Subquery(received), ZERO))
        .annotate(outstanding=_left_if_live(F("amount") - F("received")))
        .filter(outstanding__gt=0)
        .order_by("-pledged_on", "-pk")
    )


def unconverted_receipts(funder) -> QuerySet[Receipt]:
    """The funder's live receipts of foreign cash given for awards with some still unconverted, newest first, each
    annotated with `unconverted` (in the receipt's currency): what a conversion can be recorded against."""
    sold = (
        Conversion.all_objects.filter(receipt=OuterRef("pk"))
        .order_by()
        .values("receipt")
        .annotate(t=Sum("amount_sold", filter=LIVE))
        .values("t")
    )
    return (
        Receipt.all_objects.filter(pledge__funder=funder, pledge__compute_only=False)
        .exclude(amount_currency=BASE_CURRENCY)
        .annotate(sold=Coalesce(Subquery(sold), ZERO))
        .annotate(unconverted=_left_if_live(F("amount") - F("sold")))
        .filter(unconverted__gt=0)
        .order_by("-received_on", "-pk")
    )


def _left_if_live(left):
    """What is left of a record, nothing once it is reversed. Liveness is tested inside the figure, on rows already
    found through the funder's index, rather than as a `reversed_at IS NULL` condition, which a planner without
    statistics (a freshly loaded database) answers by scanning the partial unique index of live rows once a row."""
    return Case(When(LIVE, then=left), default=ZERO, output_field=DecimalField(max_digits=14, decimal_places=2))
