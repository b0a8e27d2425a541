"""Payment runs, for administrators: propose the month's run, see it against the pounds held, release it (another
administrator), and download its remittance file."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from alignment_fund.access import administrator_required
from alignment_fund.clock import fund_today
from alignment_fund.money import format_money
from grants import actions
from grants.actions import ActionError
from grants.exports import remittance
from grants.forms.approvals import PaymentRunForm
from grants.forms.pages import apply_action_error
from grants.models import PaymentRun
from grants.reads.payment_runs import run_page, runs_with_totals


def _last_ended_month():
    first = fund_today().replace(day=1)
    previous = (
        first.replace(year=first.year - 1, month=12) if first.month == 1 else first.replace(month=first.month - 1)
    )
    return previous.strftime("%Y-%m")


@administrator_required
@require_http_methods(["GET", "POST"])
def payment_runs(request):
    if request.method == "POST":
        form = PaymentRunForm(request.POST)
        if form.is_valid():
            try:
                run = actions.do_propose_payment_run(request.user, month=form.cleaned_data["month"])
            except ActionError as exc:
                apply_action_error(form, exc)
            else:
                messages.success(request, f"{run} proposed: another administrator releases it.")
                return redirect(run.get_absolute_url())
    else:
        form = PaymentRunForm(initial={"month": _last_ended_month()})
    status = 400 if form.is_bound else 200
    return render(request, "grants/payment_runs.html", {"form": form, "runs": runs_with_totals()}, status=status)


def _run(pk) -> PaymentRun:
    return get_object_or_404(PaymentRun.objects.select_related("proposed_by", "released_by"), pk=pk)


@administrator_required
def payment_run(request, pk, error: list[str] | None = None):
    run = _run(pk)
    page = run_page(run, fund_today())
    return render(
        request,
        "grants/payment_run.html",
        {"page": page, "run": run, "mine": run.proposed_by_id == request.user.pk, "errors": error or []},
        status=400 if error else 200,
    )


@administrator_required
@require_POST
def release(request, pk):
    run = _run(pk)
    try:
        run = actions.do_release_payment_run(request.user, run=run)
    except ActionError as exc:
        return payment_run(request, pk, error=exc.messages)
    total = sum((item.amount.amount for item in run.items.all()), start=0)
    messages.success(
        request,
        f"The payment run for {run.month:%B %Y} is released: {format_money(total, 'GBP')} paid on {run.paid_on:%-d %b %Y}.",
    )
    return redirect(run.get_absolute_url())


@administrator_required
def remittance_file(request, pk, fmt: str):
    run = _run(pk)
    if run.status != PaymentRun.Status.RELEASED:
        raise Http404("A run has a remittance file once it is released.")
    response = HttpResponse(remittance.RENDERERS[fmt](run), content_type=remittance.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{remittance.filename(run, fmt)}"'
    return response
