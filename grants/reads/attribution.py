"""Whose money pays for an award: what each funder's money has already been attributed, which pledges may pay for a
project, and how a new award, and then its payments, are split among the funders.

The attribution policy (also in the README) keeps a private funder's money out of everything another funder can
see. An award draws on the free money of the funders who disclose their amounts first, pro rata to what each has
free; only if that falls short do the funders who keep their amounts private pay for the rest, one after another in
a fixed order (the order they joined the fund). So a disclosed funder's part of an award, and of its payments, never
depends on a private funder's money: only on the awards made and the disclosed funders' money. A private funder's
part depends on the private funders before it in the order; the first one's on no other funder's money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from alignment_fund.money import BASE_CURRENCY, CURRENCIES, PENNY, round_money, split_pro_rata, total
from alignment_fund.rates.models import RateBook
from funders.models import Funder, Pledge, Receipt
from grants.models import Award, AwardAttribution, Disbursement
from projects.models import Project, Round

ZERO = Decimal("0.00")


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
    for funder_id, amount in live:  # a group's SUM, never NULL: the group has a row
        used[funder_id] = round_money(amount)
    # A terminated award used what was paid on it, each funder's part split as its payments are (see payment_parts).
    paid = {
        award_id: round_money(amount)  # a group's SUM, never NULL
        for award_id, amount in Disbursement.objects.filter(award__status=Award.Status.TERMINATED)
        .values("award")
        .annotate(paid=Sum("amount"))
        .values_list("award", "paid")
        .order_by()
    }
    ended = Award.objects.filter(status=Award.Status.TERMINATED).values_list("pk", flat=True)
    for (_, funder_id), part in payment_parts(paid, award_ids=ended).items():
        used[funder_id] = used.get(funder_id, ZERO) + part
    return used


def receipt_value_gbp(receipt: Receipt, on: date, book: RateBook) -> tuple[Decimal, str]:
    """What a receipt is worth to the awards on `on`, and how it was valued: its conversions made by then at the GBP
    the bank credited, the rest at the reference rate of `on`. Walks prefetched `conversions`."""
    converted = [conversion for conversion in receipt.conversions.all() if conversion.converted_on <= on]
    gbp_value = total(conversion.gbp_credited.amount for conversion in converted)
    left = receipt.amount.amount - total(conversion.amount_sold.amount for conversion in converted)
    note = f"{receipt.amount_currency} {receipt.amount.amount:,.2f} received {receipt.received_on:%-d %b %Y}"
    if left > 0:
        quote = book.quote(receipt.amount_currency, BASE_CURRENCY, on)
        gbp_value += quote.convert(left)
        if quote.rate_date is not None:
            note += f", valued at {quote.describe()}"
    if converted:
        note += f", {len(converted)} conversion(s) at the dealt rate"
    return gbp_value, note


def funder_money_short(funder_id: int, on: date) -> tuple[Decimal, Decimal] | None:
    """(what the funder's cash is worth on `on`, what awards have used of it) if awards have used more than it is
    worth, else None. A correction that removes a funder's money must not leave awards paid for with money it never
    gave (`grants.actions.corrections`)."""
    used = attributed_so_far().get(funder_id, ZERO)
    if used == ZERO:
        return None
    receipts = Receipt.objects.filter(
        pledge__funder_id=funder_id, pledge__compute_only=False, received_on__lte=on
    ).prefetch_related("conversions")
    book = RateBook.load(CURRENCIES, until=on)
    worth = round_money(sum((receipt_value_gbp(receipt, on, book)[0] for receipt in receipts), ZERO))
    return (worth, used) if worth < used else None


def release_from_award(parts: dict[int, Decimal], disclosed: set[int], amount_gbp: Decimal) -> dict[int, Decimal]:
    """An award amended down gives back `amount_gbp` the policy's way round: the private funders' money, drawn last,
    is released first (the latest to join first), then the disclosed funders' pro rata to their parts. So a disclosed
    funder's new part depends only on the award and the disclosed parts, never on how the private part is divided."""
    new = dict(parts)
    left = amount_gbp
    for funder_id in sorted((f for f in parts if f not in disclosed), reverse=True):
        taken = min(left, new[funder_id])
        new[funder_id] -= taken
        left -= taken
    open_ids = sorted(f for f in parts if f in disclosed and parts[f] > 0)
    if left > 0 and open_ids:
        for funder_id, cut in zip(open_ids, split_pro_rata(left, [parts[f] for f in open_ids]), strict=True):
            new[funder_id] -= cut
    return new


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
        gbp_value, note = receipt_value_gbp(receipt, on, book)
        eligible[funder_id] = eligible.get(funder_id, Decimal("0.00")) + gbp_value
        basis.setdefault(funder_id, []).append(note)
    used = attributed_so_far()
    free = {
        funder_id: max(ZERO, round_money(eligible[funder_id]) - used.get(funder_id, ZERO)) for funder_id in eligible
    }
    if total(free.values()) < amount_gbp:
        raise NotEnoughFreeMoney(total(free.values()), on)
    disclosed = set(Funder.objects.filter(pk__in=free, disclose_amounts=True).values_list("pk", flat=True))
    parts = split_award(amount_gbp, free, disclosed)
    return [
        (funder_id, part, ("; ".join(basis[funder_id]) + f"; £{free[funder_id]:,.2f} free")[:400])
        for funder_id, part in sorted(parts.items())
        if part > 0
    ]


def split_award(amount_gbp: Decimal, free: dict[int, Decimal], disclosed: set[int]) -> dict[int, Decimal]:
    """The attribution policy (see the module): disclosed funders' free money first, pro rata; then the private
    funders', in the order they joined (by id), each giving what it has until the award is paid for."""
    open_ids = [funder_id for funder_id in sorted(free) if funder_id in disclosed and free[funder_id] > 0]
    private_ids = [funder_id for funder_id in sorted(free) if funder_id not in disclosed and free[funder_id] > 0]
    open_free = total(free[funder_id] for funder_id in open_ids)
    if open_free >= amount_gbp:
        return dict(zip(open_ids, split_pro_rata(amount_gbp, [free[f] for f in open_ids]), strict=True))
    parts = {funder_id: free[funder_id] for funder_id in open_ids}
    remainder = amount_gbp - open_free
    for funder_id in private_ids:
        parts[funder_id] = min(remainder, free[funder_id])
        remainder -= parts[funder_id]
    return parts


def split_among_funders(
    amount: Decimal, whole: Decimal, disclosed: dict[int, Decimal], private: dict[int, Decimal], unit: Decimal = PENNY
) -> dict[int, Decimal]:
    """Split `amount` (an award's payments, or its whole as shares) among its funders in proportion to their parts of
    `whole` (the award), so that the parts add up to `amount` exactly: largest remainders, as for the award itself.

    The disclosed funders and the private ones taken together are split first, the private group counted as
    `whole` less the disclosed parts; then the group's part is split among its members. So a disclosed funder's
    figure never depends on how the private funders' share is divided among them."""
    open_ids = sorted(disclosed)
    group = whole - total(disclosed.values())
    weights = [disclosed[funder_id] for funder_id in open_ids] + [group]
    if total(weights) <= 0:
        return dict.fromkeys([*open_ids, *private], ZERO)
    split = split_pro_rata(amount, weights, unit)
    parts = dict(zip(open_ids, split, strict=False))
    private_ids = sorted(private)
    if private_ids and total(private.values()) > 0:
        parts.update(zip(private_ids, split_pro_rata(split[-1], [private[f] for f in private_ids], unit), strict=True))
    return parts


def payment_parts(paid_by_award: dict[int, Decimal], award_ids=None) -> dict[tuple[int, int], Decimal]:
    """Each funder's part of each award's payments so far: {(award id, funder id): amount}. One query."""
    award_ids = list(paid_by_award if award_ids is None else award_ids)
    rows = AwardAttribution.objects.filter(award_id__in=award_ids).values_list(
        "award_id", "funder_id", "amount", "funder__disclose_amounts", "award__amount"
    )
    by_award: dict[int, tuple[Decimal, dict, dict]] = {}
    for award_id, funder_id, amount, discloses, award_amount in rows.order_by():
        _, disclosed, private = by_award.setdefault(award_id, (award_amount, {}, {}))
        (disclosed if discloses else private)[funder_id] = amount
    parts = {}
    for award_id, (award_amount, disclosed, private) in by_award.items():
        split = split_among_funders(paid_by_award.get(award_id, ZERO), award_amount, disclosed, private)
        parts.update({(award_id, funder_id): part for funder_id, part in split.items()})
    return parts
