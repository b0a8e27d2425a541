"""Four eyes: actions one administrator asks for and a different one approves before they take effect.

`needs_second_approver(kind, amount)` reads the rule (settings `FOUR_EYES`, `FOUR_EYES_AWARD_FROM_GBP`). The first
administrator records the action with `do_request_approval`: nothing of it happens yet, but what it would award is
reserved (it counts against the headroom while it waits). A different administrator then calls `do_approve`, which
runs the action in the same transaction, or `do_reject`, with a reason. No one decides their own request: the
operations refuse it, and a database constraint holds it too.

Each kind of action has an executor, registered by kind:

    @register_executor("reversal.receipt")
    def _reverse_receipt(requested_by, approved_by, payload):
        receipt = Receipt.objects.get(pk=payload["receipt"])
        return do_reverse_receipt(requested_by, record=receipt, reason=payload["reason"])

An executor gets who asked, who approved and the payload (JSON, as stored), runs one operation and returns what it
produced (a model instance is linked from the approval). It raises `ActionError` to refuse; the approval then stays
pending, nothing is written, and the approver sees the message. The part of the kind before the first dot names the
rule it falls under ("reversal.receipt" is a "reversal"), so `needs_second_approver("reversal.receipt")` answers as
the `FOUR_EYES` setting says for reversals. To put an operation behind four eyes, a caller (page, API) asks:

    if needs_second_approver("reversal.receipt"):
        approval = do_request_approval(actor, kind="reversal.receipt", payload={...}, summary="Reverse receipt ...")
    else:
        do_reverse_receipt(actor, record=receipt, reason=reason)

`rehearse(...)` runs an operation and rolls it back, so a request is refused at once with the operation's own
message if it could not be done now (grants/actions/approval_kinds.py does this for awards and payments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models, transaction
from django.utils import timezone

from alignment_fund.access import is_administrator
from alignment_fund.money import format_money
from grants.actions.common import ActionError, gbp, lock_fund, operation, refresh_summaries_on_commit
from grants.models import Approval
from grants.reads.headroom import lowest_headroom
from projects.models import Fund, Round

Executor = Callable[[Any, Any, dict], Any]
_EXECUTORS: dict[str, Executor] = {}

AWARD = "award"
PAYMENT = "payment"
PAYMENT_RUN = "payment_run"
REVERSAL = "reversal"
# The rules FOUR_EYES can name, each a kind or the prefix of kinds ("reversal.receipt").
RULES = (AWARD, PAYMENT, PAYMENT_RUN, REVERSAL)


def register_executor(kind: str) -> Callable[[Executor], Executor]:
    """Register the function that carries out an approved action of `kind`."""

    def register(executor: Executor) -> Executor:
        if kind in _EXECUTORS and _EXECUTORS[kind] is not executor:
            raise ValueError(f"An executor for {kind!r} is already registered.")
        _EXECUTORS[kind] = executor
        return executor

    return register


def executor_for(kind: str) -> Executor:
    try:
        return _EXECUTORS[kind]
    except KeyError:
        raise ActionError({NON_FIELD_ERRORS: f"No operation is registered for actions of kind {kind!r}."}) from None


def registered_kinds() -> list[str]:
    return sorted(_EXECUTORS)


def needs_second_approver(kind: str, amount: Decimal | None = None) -> bool:
    """Whether an action of `kind` (for `amount` in GBP, where it has one) waits for a second administrator."""
    rule = kind.split(".", 1)[0]
    if rule not in settings.FOUR_EYES:
        return False
    if rule == AWARD and amount is not None:
        return Decimal(amount) >= settings.FOUR_EYES_AWARD_FROM_GBP
    return True


@dataclass(frozen=True)
class Reservation:
    """Headroom an action holds while it waits: `amount_gbp` from `on`, against `round_`'s budget too if given."""

    amount_gbp: Decimal
    on: date
    round: Round | None = None


def _refuse_non_administrator(actor) -> None:
    if not is_administrator(actor):
        raise ActionError({NON_FIELD_ERRORS: "Only fund administrators can ask for or decide an action."})


@operation
def do_request_approval(
    actor, *, kind: str, payload: dict, summary: str, reserve: Reservation | None = None
) -> Approval:
    """Record an action as waiting for a second administrator. A reservation must fit the headroom now (checked
    under the fund lock, as an award is), and then counts against it until the action is decided."""
    _refuse_non_administrator(actor)
    executor_for(kind)
    approval = Approval(kind=kind, payload=payload, summary=summary[:300], requested_by=actor)
    if reserve is not None:
        amount_gbp = gbp(reserve.amount_gbp).amount
        fund = reserve.round.fund if reserve.round is not None else Fund.objects.order_by("pk").first()
        if fund is not None:
            lock_fund(fund)
        if reserve.round is not None:
            round_headroom, fund_headroom = lowest_headroom(reserve.round, reserve.on)
            if amount_gbp > round_headroom:
                raise ActionError(
                    {
                        "amount": f"£{amount_gbp:,.2f} is more than the headroom: £{round_headroom:,.2f} can still be "
                        f"awarded in {reserve.round} (the fund as a whole has £{fund_headroom:,.2f})."
                    }
                )
        approval.reserved = gbp(amount_gbp)
        approval.reserved_on = reserve.on
        approval.reserved_round = reserve.round
    approval.save()
    if reserve is not None:
        refresh_summaries_on_commit()
    return approval


def _pending_for_decision(actor, approval: Approval) -> Approval:
    _refuse_non_administrator(actor)
    approval = Approval.objects.select_for_update().get(pk=approval.pk)
    if approval.status != Approval.Status.PENDING:
        raise ActionError(
            {NON_FIELD_ERRORS: f"This action was already {approval.get_status_display().lower()}: nothing was changed."}
        )
    if approval.requested_by_id == actor.pk:
        raise ActionError(
            {NON_FIELD_ERRORS: "You asked for this action: a different administrator must approve or reject it."}
        )
    return approval


@operation
def do_approve(actor, approval: Approval, reason: str = "") -> Approval:
    """Approve another administrator's action and carry it out, in one transaction. If the action is refused now
    (the headroom has gone, the milestone was paid meanwhile...), nothing is written, the approval stays pending, and
    the refusal says why."""
    if approval.reserved_round_id is not None:
        # Awards lock the fund first; taking it before the approval's row keeps the two locks in one order.
        lock_fund(Round.objects.get(pk=approval.reserved_round_id).fund)
    approval = _pending_for_decision(actor, approval)
    # Decided before it runs, so its own reservation no longer counts against the headroom it is checked against.
    approval.status = Approval.Status.APPROVED
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.decision_reason = reason.strip()
    approval.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    result = executor_for(approval.kind)(approval.requested_by, actor, approval.payload)
    if isinstance(result, models.Model):
        approval.result_type = ContentType.objects.get_for_model(result)
        approval.result_id = result.pk
        approval.save(update_fields=["result_type", "result_id"])
    refresh_summaries_on_commit()
    return approval


@operation
def do_reject(actor, approval: Approval, reason: str) -> Approval:
    """Reject another administrator's action, saying why: nothing of it happens, and its reservation is released."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionError({"reason": "Say why the action is rejected."})
    approval = _pending_for_decision(actor, approval)
    approval.status = Approval.Status.REJECTED
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.decision_reason = reason
    approval.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    if approval.reserved is not None:
        refresh_summaries_on_commit()
    return approval


class _Rehearsal(Exception):
    """Raised to roll back an operation run only to see whether it would be refused."""


def rehearse(operation_: Callable, *args, **kwargs) -> None:
    """Run an operation and roll it back: raises its `ActionError` if it would be refused now, else returns None."""
    try:
        with transaction.atomic():
            operation_(*args, **kwargs)
            raise _Rehearsal
    except _Rehearsal:
        pass


def money_summary(amount_gbp: Decimal) -> str:
    return format_money(amount_gbp, "GBP")
