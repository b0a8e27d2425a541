"""Whose money pays for an award: what each funder's money has already been attributed, which pledges may pay for a
project, and how a new award would be split among the funders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from alignment_fund.money import BASE_CURRENCY, CURRENCIES, round_money, split_pro_rata
from alignment_fund.rates.models import RateBook
from funders.models import Pledge, Receipt
from grants.models import Award, AwardAttribution, Disbursement
from projects.models import Project, Round


class NotEnoughFreeMoney(Exception):
    """The funders' money whose restrictions allow an award falls short of it."""

    def __init__(self, free_gbp: Decimal, received_by: date):
        self.free_gbp = free_gbp
        self.received_by = received_by
        super().__init__(
            f"Only £{free_gbp:,.2f} of funders' money received by {received_by:%-d %b %Y} is free for this project "
            f"once pledge restrictions (round, research area, compute only) are honoured."
        )


def eligible_pledges(round_: Round, project: Project):
    """The pledges whose restrictions (round, research area, compute only) allow their money to pay for `project`."""
    return (
        Pledge.objects.filter(compute_only=False)
        .filter(Q(restricted_to_round__isnull=True) | Q(restricted_to_round=round_.pk))
        .filter(Q(restricted_to_area__isnull=True) | Q(restricted_to_area=project.research_area_id))
    )


def attributed_so_far() -> dict[int, Decimal]:
    """What existing awards have used of each funder's money: their attribution, except that a terminated award used
    only the part it paid (its unpaid part returned to the pool)."""
    used: dict[int, Decimal] = {}
    live = (
        AwardAttribution.objects.exclude(award__status=Award.Status.TERMINATED)
        .values("funder")
        .annotate(total=Sum("amount"))
        .values_list("funder", "total")
        .order_by()
    )
    for funder_id, amount in live:
        used[funder_id] = round_money(amount or 0)
    ended = AwardAttribution.objects.filter(award__status=Award.Status.TERMINATED).select_related("award")
    paid = dict(
        Disbursement.objects.filter(award__status=Award.Status.TERMINATED)
        .values("award")
        .annotate(total=Sum("amount"))
        .values_list("award", "total")
        .order_by()
    )
    for attribution in ended:
        fraction = round_money(paid.get(attribution.award_id) or 0) / attribution.award.amount.amount
        used[attribution.funder_id] = used.get(attribution.funder_id, Decimal("0.00")) + round_money(
            attribution.amount.amount * fraction
        )
    return used


def plan_attribution(round_: Round, project: Project, on: date, amount_gbp: Decimal) -> list[tuple[int, Decimal, str]]:
    """How an award of `amount_gbp` would be split among the funders whose money is available to it: [(funder id,
    part, basis)], pro rata to the penny. Raises `NotEnoughFreeMoney` when that money falls short: restrictions are
    honoured, never stretched.

    A funder's available money is what it had paid in by the award date against pledges whose restrictions allow
    this award (converted cash at the GBP the bank credited, unconverted cash at the reference rate of the award
    date), less what existing awards have already used of it (see `attributed_so_far`).
    """
    receipts = (
        Receipt.objects.filter(pledge__in=eligible_pledges(round_, project), received_on__lte=on)
        .select_related("pledge")
        .prefetch_related("conversions")
    )
    book = RateBook.load(CURRENCIES, until=on)
    eligible: dict[int, Decimal] = {}
    basis: dict[int, list[str]] = {}
    for receipt in receipts:
        funder_id = receipt.pledge.funder_id
        converted = [conversion for conversion in receipt.conversions.all() if conversion.converted_on <= on]
        gbp_value = sum((conversion.gbp_credited.amount for conversion in converted), Decimal("0.00"))
        left = receipt.amount.amount - sum((conversion.amount_sold.amount for conversion in converted), Decimal("0.00"))
        note = f"{receipt.amount_currency} {receipt.amount.amount:,.2f} received {receipt.received_on:%-d %b %Y}"
        if left > 0:
            quote = book.quote(receipt.amount_currency, BASE_CURRENCY, on)
            gbp_value += quote.convert(left)
            if quote.rate_date is not None:
                note += f", valued at {quote.describe()}"
        if converted:
            note += f", {len(converted)} conversion(s) at the dealt rate"
        eligible[funder_id] = eligible.get(funder_id, Decimal("0.00")) + gbp_value
        basis.setdefault(funder_id, []).append(note)
    used = attributed_so_far()
    funder_ids = sorted(eligible)
    available = [
        max(Decimal("0.00"), eligible[funder_id] - used.get(funder_id, Decimal("0.00"))) for funder_id in funder_ids
    ]
    if sum(available, Decimal("0.00")) < amount_gbp:
        raise NotEnoughFreeMoney(sum(available, Decimal("0.00")), on)
    parts = split_pro_rata(amount_gbp, available)
    return [
        (funder_id, part, ("; ".join(basis[funder_id]) + f"; £{free:,.2f} free")[:400])
        for funder_id, part, free in zip(funder_ids, parts, available, strict=True)
        if part > 0
    ]
