"""The actions that can wait for a second administrator, and how each is asked for and carried out.

Each `do_award_or_request` / `do_pay_or_request` does the action at once when the four-eyes rule does not apply, and
otherwise rehearses it (so a request that could not be done now is refused at once, with the operation's own
message) and records it as waiting. The executors registered here carry them out once approved. Reversals and award
amendments plug in the same way (see grants.actions.approvals)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS

from alignment_fund.money import BASE_CURRENCY, format_money
from grants.actions.approvals import (
    AWARD,
    PAYMENT,
    Reservation,
    do_request_approval,
    needs_second_approver,
    register_executor,
    rehearse,
)
from grants.actions.awards import do_award_project
from grants.actions.common import ActionError, award_amount, operation
from grants.actions.milestones import do_record_disbursement
from grants.models import Approval, Award, Disbursement, Milestone
from projects.models import Project

# Awards


@operation
def do_award_or_request(actor, *, project: Project, amount, awarded_on: date, **options) -> Award | Approval:
    """Award the project now, or, for an award the rule sends to a second administrator, record the request and
    reserve its amount. Returns the award or the approval."""
    amount_gbp = award_amount(amount)
    if not needs_second_approver(AWARD, amount_gbp):
        return do_award_project(actor, project=project, amount=amount_gbp, awarded_on=awarded_on, **options)
    if Approval.objects.pending().filter(kind=AWARD, payload__project=project.pk).exists():
        raise ActionError({"project": f"An award to {project.reference} is already waiting for approval."})
    rehearse(do_award_project, actor, project=project, amount=amount_gbp, awarded_on=awarded_on, **options)
    payload = {
        "project": project.pk,
        "amount": str(amount_gbp),
        "awarded_on": awarded_on.isoformat(),
        **{
            key: str(value) if isinstance(value, Decimal) else value
            for key, value in options.items()
            if value is not None
        },
    }
    project = Project.objects.select_related("round").get(pk=project.pk)
    return do_request_approval(
        actor,
        kind=AWARD,
        payload=payload,
        summary=f"Award {format_money(amount_gbp, BASE_CURRENCY)} to {project.reference} ({project.title}), "
        f"dated {awarded_on:%-d %b %Y}",
        reserve=Reservation(amount_gbp, awarded_on, project.round),
    )


@register_executor(AWARD)
def _award(requested_by, approved_by, payload: dict) -> Award:
    options = dict(payload)
    project = Project.objects.filter(pk=options.pop("project")).first()
    if project is None:
        raise ActionError({NON_FIELD_ERRORS: "The project of this award no longer exists."})
    compute_value = options.pop("compute_value", None)
    return do_award_project(
        requested_by,
        project=project,
        amount=Decimal(options.pop("amount")),
        awarded_on=date.fromisoformat(options.pop("awarded_on")),
        compute_value=Decimal(compute_value) if compute_value is not None else None,
        **options,
    )


# Payments outside a payment run


@operation
def do_pay_or_request(
    actor, *, milestone: Milestone, paid_on: date, reference: str, reason: str = ""
) -> Disbursement | Approval:
    """Pay one milestone outside a payment run: at once when the rule allows, else as a request, with a reason,
    for a second administrator."""
    if not needs_second_approver(PAYMENT):
        return do_record_disbursement(actor, milestone=milestone, paid_on=paid_on, reference=reference)
    # The payment's own refusals first (not approved, paid already, a reference in use...), then the request's.
    rehearse(do_record_disbursement, actor, milestone=milestone, paid_on=paid_on, reference=reference)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError({"reason": "Say why this payment is made outside the monthly payment run."})
    if Approval.objects.pending().filter(kind=PAYMENT, payload__milestone=milestone.pk).exists():
        raise ActionError({"milestone": "A payment of this milestone is already waiting for approval."})
    milestone = Milestone.objects.select_related("award").get(pk=milestone.pk)
    return do_request_approval(
        actor,
        kind=PAYMENT,
        payload={"milestone": milestone.pk, "paid_on": paid_on.isoformat(), "reference": reference, "reason": reason},
        summary=f"Pay {format_money(milestone.amount.amount, BASE_CURRENCY)} for {milestone.award.reference} "
        f"milestone {milestone.number} outside a run ({reference}): {reason}",
    )


@register_executor(PAYMENT)
def _payment(requested_by, approved_by, payload: dict) -> Disbursement:
    milestone = Milestone.objects.filter(pk=payload["milestone"]).first()
    if milestone is None:
        raise ActionError({NON_FIELD_ERRORS: "The milestone of this payment no longer exists."})
    return do_record_disbursement(
        requested_by,
        milestone=milestone,
        paid_on=date.fromisoformat(payload["paid_on"]),
        reference=payload["reference"],
    )
