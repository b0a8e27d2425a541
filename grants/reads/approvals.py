"""Four eyes, read: the actions waiting for an administrator, and the list of every approval with its filters."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from grants.models import Approval, PaymentRun
from grants.reads.payment_runs import waiting_for_release


def approvals_list(status: str | None = None, kind: str | None = None) -> QuerySet[Approval]:
    approvals = Approval.objects.select_related("requested_by", "decided_by", "reserved_round")
    if status:
        approvals = approvals.filter(status=status)
    if kind:
        approvals = approvals.filter(kind=kind)
    return approvals.order_by("-requested_at", "-pk")


@dataclass(frozen=True)
class Waiting:
    """What waits for this administrator: others' actions to approve or reject, and others' runs to release."""

    approvals: list[Approval]
    runs: list[PaymentRun]

    def __bool__(self) -> bool:
        return bool(self.approvals or self.runs)


def waiting_for(user) -> Waiting:
    return Waiting(
        approvals=list(Approval.objects.waiting_for(user).select_related("requested_by").order_by("requested_at")),
        runs=list(waiting_for_release(user).select_related("proposed_by").order_by("month")),
    )
