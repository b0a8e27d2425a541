"""Amending an award's amount, up or down, with a reason.

The award's `amount` is its current figure; every change is an append-only `AwardAmendment` (old amount, new amount,
who, when, why), and the database lets the amount change only to match the award's newest amendment. An amendment:
- stays within £50,000–£1,000,000 and never below what has been paid;
- up: is checked against the round's and the fund's headroom under the fund lock, on its date and every day since,
  and the difference is attributed under the fund's policy (disclosed funders' free money first, pro rata; then the
  private funders in the order they joined); down: gives back the private funders' money first, then the disclosed
  funders' pro rata (`release_from_award`). The award's split is replaced by a new one whose parts add up to the
  new amount exactly; the old rows stay, marked superseded by the amendment;
- spreads the difference over the milestones not yet paid, pro rata to their amounts, so the milestones still add
  up to the award; if every milestone is paid, an increase adds a milestone for the difference, due at the end of
  the award period;
- posts the difference to the ledger (`amendment:<id>`), dated on the amendment's day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Max

from alignment_fund.clock import fund_today
from alignment_fund.dates import month_end
from alignment_fund.money import (
    BASE_CURRENCY,
    format_money,
    round_money,
    split_pro_rata,
)
from funders.models import Funder
from grants.actions.common import (
    ActionError,
    award_amount,
    check_date,
    gbp,
    lock_fund,
    operation,
    refresh_summaries_on_commit,
)
from grants.actions.corrections import REASON_MAX_LENGTH
from grants.models import Account, Award, AwardAmendment, AwardAttribution, LedgerTransaction, Milestone
from grants.models.ledger import Line
from grants.reads.attribution import NotEnoughFreeMoney, plan_attribution, release_from_award, split_among_funders
from grants.reads.headroom import lowest_headroom

SHARE_WHOLE = Decimal("1.000000")
SHARE_UNIT = Decimal("0.000001")


def attribution_shares(amount_gbp: Decimal, parts: dict[int, Decimal]) -> dict[int, Decimal]:
    """Shares to six places that add up to exactly 1, by the same rule as the parts of the award's payments."""
    disclosed = set(Funder.objects.filter(pk__in=parts, disclose_amounts=True).values_list("pk", flat=True))
    return split_among_funders(
        SHARE_WHOLE,
        amount_gbp,
        {funder_id: part for funder_id, part in parts.items() if funder_id in disclosed},
        {funder_id: part for funder_id, part in parts.items() if funder_id not in disclosed},
        unit=SHARE_UNIT,
    )


def _new_split(award: Award, old: Decimal, new: Decimal, on: date) -> tuple[dict[int, Decimal], dict[int, str]]:
    current = list(award.attributions.all())
    parts = {row.funder_id: row.amount.amount for row in current}
    basis = {row.funder_id: row.basis for row in current}
    if new > old:
        try:
            extra = plan_attribution(award.round, award.project, on, new - old)
        except NotEnoughFreeMoney as shortfall:
            raise ActionError({"amount": str(shortfall)}) from shortfall
        for funder_id, part, extra_basis in extra:
            parts[funder_id] = parts.get(funder_id, Decimal("0.00")) + part
            note = f"amended {on:%-d %b %Y}: +£{part:,.2f} from {extra_basis}"
            basis[funder_id] = (f"{basis[funder_id]}; {note}" if funder_id in basis else note)[:400]
    else:
        disclosed = set(Funder.objects.filter(pk__in=parts, disclose_amounts=True).values_list("pk", flat=True))
        parts = release_from_award(parts, disclosed, old - new)
    return {funder_id: part for funder_id, part in parts.items() if part > 0}, basis


def _milestone_plan(award: Award, new: Decimal, on: date) -> tuple[list[tuple[Milestone, Decimal]], Milestone | None]:
    """The unpaid milestones' new amounts, and a milestone to add when none is left to carry an increase."""
    milestones = list(award.milestones.prefetch_related("payments").order_by("number"))
    if not milestones:
        return [], None
    paid = sum((m.amount.amount for m in milestones if m.disbursement is not None), Decimal("0.00"))
    unpaid = [m for m in milestones if m.disbursement is None]
    left = new - paid
    if not unpaid:
        if left <= 0:
            return [], None
        due = min(month_end(on.year, on.month), award.period_ends_on)
        number = (award.milestones.aggregate(top=Max("number"))["top"] or 0) + 1
        extra = Milestone(award=award, number=number, title="Additional work (amendment)", due_on=due, amount=gbp(left))
        return [], extra
    if left < Decimal("0.01") * len(unpaid):
        raise ActionError(
            {
                "amount": f"{format_money(paid, BASE_CURRENCY)} of this award's milestones is paid and "
                f"{len(unpaid)} milestone(s) are unpaid: the award cannot go below "
                f"{format_money(paid + Decimal('0.01') * len(unpaid), BASE_CURRENCY)} unless milestones are removed "
                f"first."
            }
        )
    weights = [m.amount.amount for m in unpaid]
    return list(zip(unpaid, split_pro_rata(left, weights), strict=True)), None


@operation
def do_amend_award(actor, *, award: Award, amount, reason: str, amended_on: date | None = None) -> Award:
    reason = (reason or "").strip()
    if not reason:
        raise ActionError({"reason": "Say why the award changes: the reason stays in the award's history."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ActionError({"reason": f"Keep the reason to {REASON_MAX_LENGTH} characters."})
    new = award_amount(amount)
    amended_on = amended_on or fund_today()
    check_date(amended_on, "amended_on", "An amendment's date", currency=BASE_CURRENCY)
    lock_fund(award.round.fund)
    award = Award.objects.select_for_update().select_related("round", "project").get(pk=award.pk)
    if award.status in (Award.Status.TERMINATED, Award.Status.COMPLETED):
        raise ActionError({"amount": f"This award is {award.get_status_display().lower()}: it cannot be amended."})
    if amended_on < award.awarded_on:
        raise ActionError({"amended_on": "An award cannot be amended before it was made."})
    old = award.amount.amount
    if new == old:
        raise ActionError({"amount": f"The award is already {format_money(old, BASE_CURRENCY)}."})
    paid = round_money(sum((p.amount.amount for p in award.disbursements.all()), Decimal("0.00")))
    if new < paid:
        raise ActionError(
            {"amount": f"{format_money(paid, BASE_CURRENCY)} of this award is already paid: it cannot go below that."}
        )
    if new > old:
        round_headroom, fund_headroom = lowest_headroom(award.round, amended_on)
        if new - old > round_headroom:
            raise ActionError(
                {
                    "amount": f"£{new - old:,.2f} more is more than the headroom: £{round_headroom:,.2f} can still be "
                    f"awarded in {award.round} (the fund as a whole has £{fund_headroom:,.2f})."
                }
            )
    requested = award.project.amount_requested.amount
    if new > requested and not award.above_request_reason:
        award.above_request_reason = reason
        award.save(update_fields=["above_request_reason"])
    parts, basis = _new_split(award, old, new, amended_on)
    milestones, extra_milestone = _milestone_plan(award, new, amended_on)
    amendment = AwardAmendment.objects.create(
        award=award,
        old_amount=gbp(old),
        new_amount=gbp(new),
        amended_on=amended_on,
        reason=reason,
        amended_by=actor,
    )
    # The database accepts the new amount because it matches this, the award's newest amendment.
    Award.objects.filter(pk=award.pk).update(amount=gbp(new))
    award.refresh_from_db()
    AwardAttribution.objects.filter(award=award).update(superseded_by=amendment)
    shares = attribution_shares(new, parts)
    AwardAttribution.objects.bulk_create(
        AwardAttribution(
            award=award, funder_id=funder_id, amount=gbp(part), share=shares[funder_id], basis=basis.get(funder_id, "")
        )
        for funder_id, part in sorted(parts.items())
    )
    for milestone, part in milestones:
        milestone.amount = gbp(part)
        milestone.save(update_fields=["amount"])
    if extra_milestone is not None:
        extra_milestone.save()
    difference = gbp(new - old)
    LedgerTransaction.objects.post(
        key=f"amendment:{amendment.pk}",
        kind=LedgerTransaction.Kind.AMENDMENT,
        occurred_on=amended_on,
        posted_by=actor,
        memo=f"Award {award.reference} amended from {format_money(old, BASE_CURRENCY)} to "
        f"{format_money(new, BASE_CURRENCY)}: {reason}",
        lines=[
            Line(Account.GRANTS_AWARDED, difference, round_id=award.round_id, award_id=award.pk),
            Line(Account.GRANTS_COMMITTED, -difference, round_id=award.round_id, award_id=award.pk),
        ],
    )
    refresh_summaries_on_commit()
    return award
