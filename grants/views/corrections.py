"""Corrections from the pages: reverse a pledge, receipt, conversion or payment with a reason, and amend an award's
amount. Each calls the operations through one small function (`reverse_record`, `amend_award`), so that a second
administrator's approval can later be put in front of them in one place."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from alignment_fund.access import administrator_required
from alignment_fund.templatetags.money import format_money
from funders.models import Conversion, Pledge, Receipt
from grants import actions
from grants.actions import ActionError
from grants.forms.pages import AmendAwardForm, ReversalForm, apply_action_error
from grants.models import Approval, Award, Disbursement

# The kinds of record a page can reverse: the path's word, the model, what to call one.
REVERSIBLE = {
    "pledges": (Pledge, "pledge"),
    "receipts": (Receipt, "receipt"),
    "conversions": (Conversion, "conversion"),
    "payments": (Disbursement, "payment"),
}


def reverse_record(user, record, reason: str):
    """The pages' one call into the reversal operations: the reversed record, or the approval it waits for."""
    return actions.do_reverse_or_request(user, record=record, reason=reason)


def amend_award(user, award: Award, amount, reason: str) -> Award:
    """The pages' one call into the amendment operation."""
    return actions.do_amend_award(user, award=award, amount=amount, reason=reason)


def _back_to(record) -> str:
    if isinstance(record, Disbursement):
        return reverse("grants:award", args=[record.award_id]) + "#payments"
    return reverse("grants:portfolio")


@administrator_required
@require_http_methods(["GET", "POST"])
def reverse_record_page(request, kind: str, pk: str):
    model, noun = REVERSIBLE[kind]
    # A reversed record is still found, so that a second try is told it was already reversed.
    record = get_object_or_404(model.all_objects.all(), pk=pk)
    form = ReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = reverse_record(request.user, record, form.cleaned_data["reason"])
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            if isinstance(result, Approval):
                messages.success(
                    request,
                    f"The reversal of the {noun} {record} is recorded and waits for a second administrator's approval.",
                )
                return redirect(reverse("grants:approval", args=[result.pk]))
            messages.success(request, f"The {noun} {record} is reversed; the ledger holds the reversing entry.")
            return redirect(_back_to(record))
    return render(
        request,
        "grants/reversal_form.html",
        {"form": form, "record": record, "noun": noun, "cancel_url": _back_to(record)},
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def amend_award_page(request, pk: int):
    award = get_object_or_404(Award.objects.select_related("project", "round"), pk=pk)
    form = AmendAwardForm(request.POST or None, initial={"amount": f"{award.amount.amount:.2f}"})
    if request.method == "POST" and form.is_valid():
        try:
            award = amend_award(request.user, award, form.cleaned_data["amount"], form.cleaned_data["reason"])
        except ActionError as exc:
            apply_action_error(form, exc, aliases={"amended_on": "__all__"})
        else:
            messages.success(
                request, f"{award.reference} amended to {format_money(award.amount.amount, award.amount_currency)}."
            )
            return redirect(award.get_absolute_url())
    return render(request, "grants/amend_form.html", {"form": form, "award": award})
