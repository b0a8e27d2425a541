"""Payment runs: one administrator proposes the month's payments in arrears, another releases them, all at once.

Releasing records every payment through `do_record_disbursement`, in one transaction: if any is refused (not enough
pounds, a milestone paid meanwhile), none is made and the run stays proposed. The run's row is locked first, so two
administrators releasing the same run at the same instant make its payments once."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone

from alignment_fund.access import is_administrator
from alignment_fund.clock import fund_today
from grants.actions.approvals import PAYMENT_RUN, needs_second_approver
from grants.actions.common import ActionError, lock_fund, operation
from grants.actions.milestones import do_record_disbursement
from grants.models import PaymentRun, PaymentRunItem
from grants.reads.payment_runs import due_in_run, month_has_ended, run_items
from projects.models import Fund


def _refuse_non_administrator(actor) -> None:
    if not is_administrator(actor):
        raise ActionError({NON_FIELD_ERRORS: "Only fund administrators can propose or release a payment run."})


def payment_reference(run: PaymentRun, item: PaymentRunItem) -> str:
    """The bank reference of one payment of a run: the month, the run and the milestone."""
    return f"RUN{run.month:%Y%m}-{run.pk}-M{item.milestone_id}"


@operation
def do_propose_payment_run(actor, *, month: date) -> PaymentRun:
    """Propose the run for `month` (its first day): every milestone due in it (grants.reads.payment_runs)."""
    _refuse_non_administrator(actor)
    month = month.replace(day=1)
    today = fund_today()
    if not month_has_ended(month, today):
        raise ActionError({"month": f"{month:%B %Y} has not ended yet: payments are made in arrears."})
    if PaymentRun.objects.filter(month=month, status=PaymentRun.Status.PROPOSED).exists():
        raise ActionError({"month": f"A run for {month:%B %Y} is already proposed: release it first."})
    due = list(due_in_run(month))
    if not due:
        raise ActionError({"month": f"Nothing is due in the run for {month:%B %Y}."})
    run = PaymentRun.objects.create(month=month, proposed_by=actor)
    PaymentRunItem.objects.bulk_create(
        PaymentRunItem(run=run, milestone=milestone, amount=milestone.amount) for milestone in due
    )
    return run


@operation
def do_release_payment_run(actor, *, run: PaymentRun) -> PaymentRun:
    """Pay every item of a proposed run today, each with its own bank reference; all or nothing, once."""
    _refuse_non_administrator(actor)
    fund = Fund.objects.order_by("pk").first()
    if fund is not None:
        lock_fund(fund)  # the payments take it anyway: first, so every writer takes the locks in one order
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.status == PaymentRun.Status.RELEASED:
        raise ActionError({NON_FIELD_ERRORS: f"This run was already released on {run.paid_on:%-d %b %Y}."})
    if run.proposed_by_id == actor.pk and needs_second_approver(PAYMENT_RUN):
        raise ActionError({NON_FIELD_ERRORS: "You proposed this run: a different administrator must release it."})
    paid_on = fund_today()
    for item in run_items(run):
        try:
            payment = do_record_disbursement(
                actor, milestone=item.milestone, paid_on=paid_on, reference=payment_reference(run, item)
            )
        except ActionError as exc:
            messages = [message for messages in exc.message_dict.values() for message in messages]
            where = f"{item.milestone.award.reference} milestone {item.milestone.number}"
            raise ActionError({NON_FIELD_ERRORS: [f"{where}: {message}" for message in messages]}) from exc
        item.disbursement = payment
        item.save(update_fields=["disbursement"])
    run.status = PaymentRun.Status.RELEASED
    run.released_by = actor
    run.released_at = timezone.now()
    run.paid_on = paid_on
    run.save(update_fields=["status", "released_by", "released_at", "paid_on"])
    return run
