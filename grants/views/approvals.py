"""Four eyes, for administrators: the list of approvals, one approval, and approving or rejecting it.

Deciding goes through grants.actions (`do_approve`, `do_reject`), which refuse a person deciding their own action;
the pages only show the refusal."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from alignment_fund.access import administrator_required
from grants import actions
from grants.actions import ActionError
from grants.forms.approvals import DecisionForm, RejectionForm
from grants.models import Approval
from grants.reads.approvals import approvals_list

STATUSES = dict(Approval.Status.choices)


@administrator_required
def approvals(request):
    status = request.GET.get("status") if request.GET.get("status") in STATUSES else None
    kind = request.GET.get("kind") or None
    return render(
        request,
        "grants/approvals.html",
        {
            "approvals": list(approvals_list(status, kind)[:200]),
            "status": status,
            "statuses": Approval.Status.choices,
            "kind": kind,
        },
    )


def _approval_page(request, approval: Approval, approve_form=None, reject_form=None, status: int = 200):
    return render(
        request,
        "grants/approval.html",
        {
            "approval": approval,
            "mine": approval.requested_by_id == request.user.pk,
            "approve_form": approve_form or DecisionForm(),
            "reject_form": reject_form or RejectionForm(),
        },
        status=status,
    )


def _approval(pk) -> Approval:
    return get_object_or_404(Approval.objects.select_related("requested_by", "decided_by", "reserved_round"), pk=pk)


@administrator_required
def approval_detail(request, pk):
    return _approval_page(request, _approval(pk))


def _decide(request, pk, form_class, act, done: str):
    approval = _approval(pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            approval = act(approval, form.cleaned_data["reason"])
        except ActionError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"{done}: {approval.summary}.")
            return redirect(request.POST.get("next") or approval.get_absolute_url())
    forms = {"approve_form": form} if form_class is DecisionForm else {"reject_form": form}
    return _approval_page(request, approval, status=400, **forms)


@administrator_required
@require_POST
def approve(request, pk):
    return _decide(
        request,
        pk,
        DecisionForm,
        lambda approval, reason: actions.do_approve(request.user, approval, reason),
        "Approved and done",
    )


@administrator_required
@require_POST
def reject(request, pk):
    return _decide(
        request,
        pk,
        RejectionForm,
        lambda approval, reason: actions.do_reject(request.user, approval, reason),
        "Rejected",
    )
