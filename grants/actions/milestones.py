"""Milestones: a report received, a report approved, and the payment that follows in arrears from GBP cash."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Sum
from djmoney.money import Money

from alignment_fund.clock import fund_now
from alignment_fund.money import BASE_CURRENCY, format_money, round_money
from grants.actions.common import ActionError, check_date, lock_fund, operation, refresh_summaries_on_commit
from grants.models import Account, Award, Disbursement, LedgerTransaction, Milestone, MilestoneReport
from grants.models.awards import AWARD_PERIOD_MONTHS
from grants.models.ledger import Line
from grants.reads.headroom import lowest_gbp_cash

Kind = LedgerTransaction.Kind


def _refuse_ended(award: Award, field: str) -> None:
    if award.status == Award.Status.TERMINATED:
        raise ActionError({field: f"Award {award.reference} was terminated: its unpaid part has been released."})


def money_text(money: Money) -> str:
    return format_money(money.amount, money.currency.code)


def check_milestone_schedule(award: Award, planned: list[tuple[int, date, Decimal]]) -> None:
    """An award's milestones, [(number, due date, amount)], add up to the award exactly and fall due within the award
    period (the award date to `AWARD_PERIOD_MONTHS` later, `Award.period_ends_on`). An award with no milestone yet
    has no schedule to check. Raises `ActionError` naming what to change."""
    if not planned:
        return
    errors = []
    ends_on = award.period_ends_on
    for number, due_on, _ in sorted(planned, key=lambda row: row[0]):
        if due_on is not None and not (award.awarded_on <= due_on <= ends_on):
            errors.append(
                f"Milestone {number} is due on {due_on:%-d %b %Y}, outside the award period "
                f"({award.awarded_on:%-d %b %Y} to {ends_on:%-d %b %Y}, {AWARD_PERIOD_MONTHS} months from the award)."
            )
    total = round_money(sum((amount for _, _, amount in planned), Decimal("0.00")))
    if total != award.amount.amount:
        gap = award.amount.amount - total
        errors.append(
            f"The milestones add up to {format_money(total, BASE_CURRENCY)}, not the award's "
            f"{money_text(award.amount)}: {'add' if gap > 0 else 'take off'} "
            f"{format_money(abs(gap), BASE_CURRENCY)} so that they add up exactly."
        )
    if errors:
        raise ActionError({"milestones": errors})


@operation
def do_receive_milestone_report(actor, *, milestone: Milestone, received_on: date) -> Milestone:
    milestone = Milestone.objects.select_for_update().select_related("award").get(pk=milestone.pk)
    _refuse_ended(milestone.award, "received_on")
    if milestone.report_received_on:
        raise ActionError({"received_on": "This milestone's report is already recorded as received."})
    check_date(received_on, "received_on", "The date the report arrived")
    if received_on < milestone.award.awarded_on:
        raise ActionError({"received_on": "A report cannot arrive before its award was made."})
    milestone.report_received_on = received_on
    milestone.save(update_fields=["report_received_on"])
    return milestone


@operation
def do_approve_milestone(actor, *, milestone: Milestone, approved_on: date) -> Milestone:
    milestone = Milestone.objects.select_for_update().select_related("award").get(pk=milestone.pk)
    _refuse_ended(milestone.award, "approved_on")
    if milestone.approved_on:
        raise ActionError({"approved_on": "This milestone is already approved."})
    check_date(approved_on, "approved_on", "An approval's date")
    if not milestone.report_received_on:
        raise ActionError({"approved_on": "The milestone report has not been received yet."})
    if approved_on < milestone.report_received_on:
        raise ActionError({"approved_on": "A report cannot be approved before it was received."})
    milestone.approved_on = approved_on
    milestone.approved_by = actor
    milestone.save(update_fields=["approved_on", "approved_by"])
    # Approving the milestone accepts the report the lead uploaded for it, however the approval was given.
    milestone.reports.filter(status=MilestoneReport.Status.SUBMITTED).update(
        status=MilestoneReport.Status.ACCEPTED, reviewed_by=actor, reviewed_at=fund_now()
    )
    return milestone


@operation
def do_record_disbursement(actor, *, milestone: Milestone, paid_on: date, reference: str) -> Disbursement:
    """Pay an approved milestone, in arrears, from GBP cash."""
    lock_fund(milestone.award.round.fund)
    milestone = Milestone.objects.select_for_update().select_related("award").get(pk=milestone.pk)
    award = milestone.award
    if not milestone.approved_on:
        raise ActionError({"milestone": "Payments are made against approved milestone reports only."})
    if Disbursement.objects.filter(milestone=milestone).exists():
        raise ActionError({"milestone": "This milestone has already been paid."})
    _refuse_ended(award, "milestone")
    check_date(paid_on, "paid_on", "A payment's date", currency=BASE_CURRENCY)
    if paid_on < milestone.approved_on:
        raise ActionError({"paid_on": "Payments are made in arrears, after the report is approved."})
    if Disbursement.objects.filter(reference=reference).exists():
        raise ActionError({"reference": f"A payment with reference {reference} is already recorded."})
    paid = round_money(award.disbursements.aggregate(total=Sum("amount"))["total"] or 0)
    if paid + milestone.amount.amount > award.amount.amount:
        raise ActionError(
            {
                "milestone": f"{format_money(paid, BASE_CURRENCY)} of this {money_text(award.amount)} award is "
                f"already paid: this payment would take it over the award."
            }
        )
    cash_gbp = lowest_gbp_cash(paid_on)
    if milestone.amount.amount > cash_gbp:
        raise ActionError(
            {
                "milestone": f"The fund holds £{cash_gbp:,.2f} in pounds on that date or a day since: convert more "
                f"cash first."
            }
        )
    payment = Disbursement(
        award=award,
        milestone=milestone,
        amount=milestone.amount,
        paid_on=paid_on,
        reference=reference,
        recorded_by=actor,
    )
    payment.save()
    LedgerTransaction.objects.post(
        key=f"disbursement:{payment.pk}",
        kind=Kind.DISBURSEMENT,
        occurred_on=paid_on,
        posted_by=actor,
        memo=f"Payment {reference} for {award.reference} milestone {milestone.number}",
        lines=[
            Line(Account.GRANTS_COMMITTED, payment.amount, round_id=award.round_id, award_id=award.pk),
            Line(Account.CASH, -payment.amount, award_id=award.pk),
        ],
    )
    status = Award.Status.COMPLETED if _all_paid(award, paid + milestone.amount.amount) else Award.Status.ACTIVE
    if award.status != status:
        award.status = status
        award.save(update_fields=["status"])
    refresh_summaries_on_commit()
    return payment


def _all_paid(award: Award, paid_gbp) -> bool:
    """Every milestone paid, and with it the whole award: nothing stays committed. (Milestones that add up to less
    than the award leave it active, and its page says the milestones do not add up.)"""
    unpaid = award.milestones.unpaid().exists()
    return not unpaid and paid_gbp == award.amount.amount
