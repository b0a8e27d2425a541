"""The fund administrator's pages: parse, authorize, call one function, respond.

The numbers come from grants.reads, the writes from grants.actions. Every page here answers 404 to anyone who is
not a signed-in administrator."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from alignment_fund.access import administrator_required
from alignment_fund.clock import fund_today
from alignment_fund.money import within_award_limits
from alignment_fund.rates.models import RateUnavailable
from alignment_fund.templatetags.money import format_money
from funders.models import Pledge, Receipt
from grants import actions
from grants.actions import ActionError
from grants.forms.pages import (
    ApproveMilestoneForm,
    AwardForm,
    ConversionForm,
    DisbursementForm,
    FunderScopeForm,
    InstalmentFormSet,
    PledgeForm,
    ReceiptForm,
    ReportReceivedForm,
    apply_action_error,
)
from grants.models import Approval, Award, Milestone
from grants.reads.approvals import waiting_for
from grants.reads.award_page import award_page, award_queryset
from grants.reads.contributions import outstanding_on_pledge, unconverted_on_receipt
from grants.reads.instalments import overdue_instalments
from grants.reads.pages import administrator_charts, payment_calendar
from grants.reads.pages import portfolio as portfolio_page
from grants.reads.position import round_headroom
from grants.reads.round_page import round_page
from grants.reads.waitlist import waitlist as waitlist_page
from projects.models import Project, Round


def _admin_url(obj) -> str | None:
    """The back office's page for `obj`, if the back office has one."""
    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def _rates_missing(request, exc: RateUnavailable):
    """Without a reference rate the pool cannot be valued: say so and say what to do, rather than guess."""
    return render(request, "grants/rates_missing.html", {"error": str(exc)})


# Pages


@administrator_required
def portfolio(request):
    try:
        page = portfolio_page(fund_today())
    except RateUnavailable as exc:
        return _rates_missing(request, exc)
    overdue = overdue_instalments(fund_today())
    return render(
        request,
        "grants/portfolio.html",
        {"portfolio": page, "overdue_instalments": overdue, "waiting": waiting_for(request.user)},
    )


@administrator_required
def waitlist(request):
    try:
        page = waitlist_page(fund_today(), request.GET.get("page"))
    except RateUnavailable as exc:
        return _rates_missing(request, exc)
    return render(request, "grants/waitlist.html", {"waitlist": page})


@administrator_required
def calendar(request):
    try:
        page = payment_calendar(fund_today())
    except RateUnavailable as exc:
        return _rates_missing(request, exc)
    return render(request, "grants/calendar.html", {"calendar": page})


@administrator_required
def charts(request):
    try:
        page = administrator_charts(fund_today())
    except RateUnavailable as exc:
        return _rates_missing(request, exc)
    return render(request, "grants/charts.html", {"charts": page, "chart_data": page.data()})


@administrator_required
def round_detail(request, pk):
    round_ = get_object_or_404(Round, pk=pk)
    try:
        page = round_page(round_, fund_today())
    except RateUnavailable as exc:
        return _rates_missing(request, exc)
    return render(request, "grants/round.html", {"round_page": page, "round": round_, "admin_url": _admin_url(round_)})


@administrator_required
def project_detail(request, pk):
    project = get_object_or_404(
        Project.objects.visible_to(request.user).select_related("round", "research_area", "lead", "award"), pk=pk
    )
    return render(
        request,
        "grants/project.html",
        {"project": project, "award": getattr(project, "award", None), "admin_url": _admin_url(project)},
    )


@administrator_required
def award_detail(request, pk):
    award = get_object_or_404(award_queryset(Award.objects.visible_to(request.user)), pk=pk)
    return render(
        request,
        "grants/award.html",
        {"award_page": award_page(award, fund_today()), "award": award, "admin_url": _admin_url(award)},
    )


# Forms for the daily work


def _requested(request, approval: Approval):
    """An action the four-eyes rule sends to a second administrator: recorded as waiting, nothing done yet."""
    messages.info(request, f"Waiting for a second administrator: {approval.summary}.")
    return redirect(approval.get_absolute_url())


def _form_page(request, template: str, form, **context):
    return render(request, template, {"form": form, **context})


@administrator_required
@require_http_methods(["GET", "POST"])
def record_pledge(request):
    if request.method != "POST":
        # A link can preselect the funder (and its currency), e.g. from the "By funder" table.
        initial = {key: request.GET[key] for key in ("funder", "currency") if key in request.GET}
        instalments = InstalmentFormSet(prefix="instalments")
        return _form_page(request, "grants/pledge_form.html", PledgeForm(initial=initial), instalments=instalments)
    form = PledgeForm(request.POST)
    instalments = InstalmentFormSet(request.POST, prefix="instalments")
    if "instalments-TOTAL_FORMS" not in request.POST:  # a form posted without the instalments table: none
        instalments = InstalmentFormSet(
            prefix="instalments", data={"instalments-TOTAL_FORMS": "0", "instalments-INITIAL_FORMS": "0"}
        )
    if form.is_valid() and instalments.is_valid():
        try:
            pledge = actions.do_record_pledge(request.user, **form.action_kwargs(), instalments=instalments.rows())
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            messages.success(
                request,
                f"Pledge {pledge.reference} from {pledge.funder} recorded: "
                f"{format_money(pledge.amount.amount, pledge.amount_currency)}.",
            )
            return redirect("grants:portfolio")
    return _form_page(request, "grants/pledge_form.html", form, instalments=instalments)


def _scoped_form_page(request, template: str, form_class, linked, search_label: str, **initial):
    """A receipt or conversion form opened by GET: scoped to the funder chosen in its first step (`?funder=&q=`), or
    to the record a link names (`linked`, with what `initial` fills in)."""
    if linked is not None:
        scope = FunderScopeForm(initial={"funder": initial.pop("funder_id")}, search_label=search_label)
        funder, search = scope.initial["funder"], initial.pop("search")
        scope.initial["q"] = search
    else:
        scope = FunderScopeForm(request.GET or None, search_label=search_label)
        funder, search = scope.scope()
    form = form_class(initial=initial, funder=funder, search=search)
    return _form_page(request, template, form, scope=scope)


def _posted_scope(form, search_label: str) -> FunderScopeForm:  # the first step of a form sent back with errors
    return FunderScopeForm(initial={"funder": form.data.get("funder")}, search_label=search_label)


@administrator_required
@require_http_methods(["GET", "POST"])
def record_receipt(request):
    label = "Pledge reference contains"
    if request.method != "POST":
        initial = {}
        pledge = _linked(Pledge.objects.all(), request.GET.get("pledge"))
        if pledge:
            initial = {"pledge": pledge.pk, "currency": pledge.amount_currency}
            initial.update(funder_id=pledge.funder_id, search=pledge.reference)
            left = outstanding_on_pledge(pledge)
            if left > 0:
                initial["amount"] = left
        return _scoped_form_page(request, "grants/receipt_form.html", ReceiptForm, pledge, label, **initial)
    form = ReceiptForm(request.POST)
    if form.is_valid():
        try:
            receipt = actions.do_record_receipt(request.user, **form.action_kwargs())
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            messages.success(
                request,
                f"Receipt {receipt.bank_reference} recorded: "
                f"{format_money(receipt.amount.amount, receipt.amount_currency)} from {receipt.pledge.funder}.",
            )
            return redirect("grants:portfolio")
    return _form_page(request, "grants/receipt_form.html", form, scope=_posted_scope(form, label))


@administrator_required
@require_http_methods(["GET", "POST"])
def record_conversion(request):
    label = "Bank reference contains"
    if request.method != "POST":
        initial = {}
        receipt = _linked(
            Receipt.objects.exclude(amount_currency="GBP").select_related("pledge"), request.GET.get("receipt")
        )
        if receipt:
            initial = {"receipt": receipt.pk, "currency": receipt.amount_currency}
            initial.update(funder_id=receipt.pledge.funder_id, search=receipt.bank_reference)
            left = unconverted_on_receipt(receipt)
            if left > 0:
                initial["amount_sold"] = left
        return _scoped_form_page(request, "grants/conversion_form.html", ConversionForm, receipt, label, **initial)
    form = ConversionForm(request.POST)
    if form.is_valid():
        try:
            conversion = actions.do_record_conversion(request.user, **form.action_kwargs())
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            messages.success(
                request,
                f"Conversion {conversion.bank_reference} recorded: "
                f"{format_money(conversion.amount_sold.amount, conversion.amount_sold_currency)} sold for "
                f"{format_money(conversion.gbp_credited.amount, 'GBP')}.",
            )
            return redirect("grants:portfolio")
    return _form_page(request, "grants/conversion_form.html", form, scope=_posted_scope(form, label))


def _linked(queryset, value):
    """The record a link names (`?pledge=`, `?receipt=`), or None: no query for a link that names none."""
    try:
        return queryset.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


@administrator_required
@require_http_methods(["GET", "POST"])
def award_project(request, pk):
    project = get_object_or_404(
        Project.objects.visible_to(request.user).select_related("round", "research_area"), pk=pk
    )
    awardable = project.status == Project.Status.VETTED
    if request.method == "POST" and awardable:
        form = AwardForm(request.POST)
        if form.is_valid():
            try:
                award = actions.do_award_or_request(request.user, project=project, **form.action_kwargs())
            except ActionError as exc:
                apply_action_error(form, exc, aliases={"project": "__all__"})
            else:
                if isinstance(award, Approval):
                    return _requested(request, award)
                messages.success(
                    request,
                    f"{project.reference} awarded {format_money(award.amount.amount, 'GBP')} ({award.reference}).",
                )
                return redirect(award.get_absolute_url())
    else:
        form = AwardForm(initial={"amount": project.amount_requested.amount})
    form.fields["reference"].help_text = f"Leave blank for the usual AP-{project.reference}."
    today = fund_today()
    try:
        headroom = round_headroom(project.round, today)
    except RateUnavailable as exc:
        return _rates_missing(request, exc)
    position = headroom.position
    amount = _award_amount(form, project)
    return render(
        request,
        "grants/award_form.html",
        {
            "form": form,
            "project": project,
            "awardable": awardable,
            "position": position,
            "amount": amount,
            "headroom_after": position.headroom_gbp - amount,
            "headroom_usd": headroom.headroom_usd,
            "within_limits": within_award_limits(amount),
            "gbp_usd": headroom.gbp_usd,
            "today": today,
            "four_eyes_from": settings.FOUR_EYES_AWARD_FROM_GBP if "award" in settings.FOUR_EYES else None,
        },
    )


def _award_amount(form: AwardForm, project: Project) -> Decimal:
    """The amount the page shows 'headroom after' for: what was typed if it parsed, else the amount requested."""
    if form.is_bound:
        field = form.fields["amount"]
        try:
            return field.clean(form.data.get("amount"))
        except Exception:  # noqa: BLE001 - anything unparsable falls back to the request, the error shows anyway
            pass
    return project.amount_requested.amount


def _milestone(request, pk) -> Milestone:
    return get_object_or_404(Milestone.objects.select_related("award__project", "award__round"), pk=pk)


def _milestone_step(request, pk, *, form_class, template_title: str, act, success: str):
    """One step of a milestone's life (report received, approved, paid): a small form, then back to the award."""
    milestone = _milestone(request, pk)
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                result = act(milestone, form.cleaned_data)
            except ActionError as exc:
                apply_action_error(form, exc, aliases={"milestone": "__all__"})
            else:
                if isinstance(result, Approval):
                    return _requested(request, result)
                messages.success(request, success.format(milestone=milestone))
                return redirect(reverse("grants:award", args=[milestone.award_id]) + f"#milestone-{milestone.pk}")
    else:
        form = form_class()
    return render(
        request,
        "grants/milestone_form.html",
        {"form": form, "milestone": milestone, "award": milestone.award, "step_title": template_title},
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def milestone_report_received(request, pk):
    return _milestone_step(
        request,
        pk,
        form_class=ReportReceivedForm,
        template_title="Mark the report received",
        act=lambda milestone, data: actions.do_receive_milestone_report(request.user, milestone=milestone, **data),
        success="Report for {milestone.award.reference} milestone {milestone.number} marked received.",
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def milestone_approve(request, pk):
    return _milestone_step(
        request,
        pk,
        form_class=ApproveMilestoneForm,
        template_title="Approve the report",
        act=lambda milestone, data: actions.do_approve_milestone(request.user, milestone=milestone, **data),
        success=(
            "Report for {milestone.award.reference} milestone {milestone.number} approved: payment due in the next run."
        ),
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def record_disbursement(request, pk):
    return _milestone_step(
        request,
        pk,
        form_class=DisbursementForm,
        template_title="Record the payment",
        act=lambda milestone, data: actions.do_pay_or_request(request.user, milestone=milestone, **data),
        success="Payment for {milestone.award.reference} milestone {milestone.number} recorded.",
    )
