"""Reversals under four eyes: by default (`FOUR_EYES` names "reversal") every reversal waits for a second
administrator. `do_reverse_or_request` reverses at once when the rule does not apply; otherwise it rehearses the
reversal, so one that could not be done now is refused at once with its own message, and records the request. The
executors registered here carry each kind out once another administrator approves."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS

from funders.models import Conversion, Pledge, Receipt
from grants.actions.approvals import REVERSAL, do_request_approval, needs_second_approver, register_executor, rehearse
from grants.actions.common import ActionError, operation
from grants.actions.corrections import reverse_record
from grants.models import Approval, Disbursement

# Each reversible record's kind of approval ("reversal.receipt"), and the words for one.
KINDS = {
    Pledge: ("pledge", "pledge"),
    Receipt: ("receipt", "receipt"),
    Conversion: ("conversion", "conversion"),
    Disbursement: ("disbursement", "payment"),
}


def reversal_kind(model) -> str:
    return f"{REVERSAL}.{KINDS[model][0]}"


@operation
def do_reverse_or_request(actor, *, record, reason: str):
    """Reverse `record` now, or record the reversal as waiting for a second administrator. Returns the reversed
    record or the approval."""
    kind = reversal_kind(type(record))
    if not needs_second_approver(kind):
        return reverse_record(actor, record=record, reason=reason)
    rehearse(reverse_record, actor, record=record, reason=reason)
    if Approval.objects.pending().filter(kind=kind, payload__record=record.pk).exists():
        raise ActionError(
            {NON_FIELD_ERRORS: f"A reversal of this {KINDS[type(record)][1]} is already waiting for approval."}
        )
    return do_request_approval(
        actor,
        kind=kind,
        payload={"record": record.pk, "reason": reason.strip()},
        summary=f"Reverse the {KINDS[type(record)][1]} {record}: {reason.strip()}",
    )


def _executor(model):
    def reverse_once_approved(requested_by, approved_by, payload: dict):
        record = model.all_objects.filter(pk=payload["record"]).first()
        if record is None:
            raise ActionError({NON_FIELD_ERRORS: f"The {KINDS[model][1]} to reverse no longer exists."})
        return reverse_record(requested_by, record=record, reason=payload["reason"])

    return reverse_once_approved


for _model in KINDS:
    register_executor(reversal_kind(_model))(_executor(_model))
