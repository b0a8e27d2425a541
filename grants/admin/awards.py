"""The back office for awards, their milestones and payments, and the funders' shares of each award (read-only).
Awards, terminations, milestone reports, approvals and payments are recorded through grants.actions."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html

from alignment_fund.admin import (
    ActionAdminMixin,
    HistoryAdmin,
    LongListAdmin,
    ReadOnlyAdmin,
    ReadOnlyTabularInline,
    distinct_values_filter,
    money_display,
)
from alignment_fund.clock import fund_today
from alignment_fund.rates.models import RateUnavailable
from alignment_fund.templatetags.money import gbp, money, percent
from grants import actions
from grants.actions import ActionError
from grants.admin.corrections import ReversibleAdminMixin
from grants.forms.awards_admin import (
    AwardAddForm,
    DisbursementAddForm,
    MilestoneForm,
    MilestoneInlineFormSet,
    StandaloneMilestoneForm,
)
from grants.models import Award, AwardAmendment, AwardAttribution, Disbursement, Milestone
from grants.reads.position import pool_position, round_positions
from grants.reads.remembered import RememberedCountPaginator
from projects.models import Project, Round

# Awards


class MilestoneInline(admin.TabularInline):
    model = Milestone
    form = MilestoneForm
    formset = MilestoneInlineFormSet
    extra = 0
    fields = ("number", "title", "due_on", "amount", "report_received_on", "approved_on", "paid")
    readonly_fields = ("report_received_on", "approved_on", "paid")
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("payments")

    @admin.display(description="paid")
    def paid(self, milestone: Milestone) -> str:
        payment = getattr(milestone, "disbursement", None) if milestone.pk else None
        return f"{money(payment.amount)} on {payment.paid_on:%-d %b %Y}" if payment else "—"


class DisbursementInline(ReadOnlyTabularInline):
    model = Disbursement
    fields = ("paid_on", "milestone", "amount_shown", "reference")
    readonly_fields = fields
    amount_shown = money_display("amount", "amount")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("milestone__award", "award__project")


class AttributionInline(ReadOnlyTabularInline):
    model = AwardAttribution
    fields = ("funder", "amount_shown", "share_shown", "basis")
    readonly_fields = fields
    show_change_link = False
    amount_shown = money_display("amount", "amount")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("funder", "award__project")

    @admin.display(description="share")
    def share_shown(self, attribution: AwardAttribution) -> str:
        return percent(attribution.share, 2)


class AmendmentInline(ReadOnlyTabularInline):
    model = AwardAmendment
    fields = ("amended_on", "old_amount_shown", "new_amount_shown", "amended_by", "reason")
    readonly_fields = fields
    show_change_link = False
    old_amount_shown = money_display("old_amount", "from")
    new_amount_shown = money_display("new_amount", "to")


@admin.register(Award)
class AwardAdmin(ActionAdminMixin, LongListAdmin, HistoryAdmin):
    paginator = RememberedCountPaginator  # counted once per version of the fund, not on every page
    add_form = AwardAddForm
    add_fields = AwardAddForm._meta.fields
    change_fields = (
        "reference",
        "project",
        "round",
        "amount_shown",
        "awarded_on",
        "status",
        "terminated_on",
        "compute_provider",
        "compute_quantity",
        "compute_value",
        "mentor",
        "above_request_reason",
        "paid",
        "awarded_by",
        "created_at",
        "amend",
    )
    # The money, and what it was awarded to and from, are posted; the award's progress and support are not. The
    # amount changes only through an amendment (the "Amend…" button: the pages' form, with a reason).
    posted_fields = (
        "reference",
        "project",
        "round",
        "amount_shown",
        "awarded_on",
        "terminated_on",
        "above_request_reason",
        "paid",
        "awarded_by",
        "created_at",
        "amend",
    )

    list_display = (
        "reference",
        "project_title",
        "lead",
        "round",
        "amount_shown",
        "awarded_on",
        "status",
        "paid",
        "mentor",
    )
    list_filter = (
        "status",
        "round",
        "project__research_area",
        distinct_values_filter("project__country", Project, "country", "country"),
    )
    search_fields = ("reference", "project__reference", "project__title", "project__lead_name", "mentor")
    date_hierarchy = "awarded_on"
    list_select_related = ("project", "round")
    inlines = [MilestoneInline, DisbursementInline, AttributionInline, AmendmentInline]
    actions = ["terminate"]

    amount_shown = money_display("amount", "amount")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        # Termination releases money through the ledger, so it is an action of its own, not a status edit.
        if db_field.name == "status":
            kwargs["choices"] = [choice for choice in Award.Status.choices if choice[0] != Award.Status.TERMINATED]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.status == Award.Status.TERMINATED:
            return (*fields, "status")
        return fields

    @admin.action(description="Terminate the selected awards today (the unpaid part returns to the headroom)")
    def terminate(self, request, queryset):
        today = fund_today()
        for award in queryset.select_related("round__fund"):
            try:
                actions.do_terminate_award(request.user, award=award, terminated_on=today)
                self.message_user(request, f"{award.reference} terminated on {today:%-d %b %Y}.")
            except ActionError as exc:
                self.message_user(request, f"{award.reference}: {' '.join(exc.messages)}", level=messages.ERROR)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            # Into a list: a manager's prefetch builds a filtered queryset for every row.
            .prefetch_related(
                Prefetch("disbursements", queryset=Disbursement.objects.order_by(), to_attr="live_payments")
            )
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["amount"].help_text = self._headroom_text()
        return form

    def _headroom_text(self) -> str:
        """What each awarding round can still award today, so the administrator knows before submitting."""
        try:
            pool = pool_position(fund_today())
        except RateUnavailable:
            return "In GBP, £50,000 to £1,000,000 inclusive."
        rounds = Round.objects.exclude(status__in=[Round.Status.PLANNED, Round.Status.CLOSED])
        parts = [f"{position.round}: {gbp(position.headroom_gbp)}" for position in round_positions(pool, rounds)]
        return (
            f"In GBP, £50,000 to £1,000,000 inclusive. Headroom today: {'; '.join(parts) or 'no round is open'} "
            f"(the fund as a whole: {gbp(pool.headroom_gbp)})."
        )

    @admin.display(description="project", ordering="project__title")
    def project_title(self, award: Award) -> str:
        return f"{award.project.reference}: {award.project.title}"

    @admin.display(description="lead", ordering="project__lead_name")
    def lead(self, award: Award) -> str:
        return award.project.lead_name

    @admin.display(description="amount")
    def amend(self, award: Award) -> str:
        if award.status in (Award.Status.TERMINATED, Award.Status.COMPLETED):
            return "—"
        return format_html(
            '<a class="button" href="{}">Amend the amount…</a>', reverse("grants:amend_award", args=[award.pk])
        )

    @admin.display(description="paid so far")
    def paid(self, award: Award) -> str:
        total = sum((payment.amount.amount for payment in award.live_payments), Decimal("0.00"))
        return f"{gbp(total)} of {money(award.amount)}"


@admin.register(Milestone)
class MilestoneAdmin(HistoryAdmin):
    form = StandaloneMilestoneForm
    list_display = (
        "award",
        "number",
        "title",
        "due_on",
        "amount_shown",
        "report",
        "report_received_on",
        "approved_on",
        "payment",
    )
    list_filter = ("approved_on", "report_received_on", "award__round", "award__status")
    search_fields = ("title", "award__reference", "award__project__title")
    date_hierarchy = "due_on"
    list_select_related = ("award__project",)
    readonly_fields = ("report_received_on", "approved_on", "approved_by", "payment")
    autocomplete_fields = ["award"]
    actions = ["receive_reports", "approve_reports"]

    amount_shown = money_display("amount", "amount")

    def get_queryset(self, request):
        # The live payment of each milestone, for the "payment" column: one query for the page.
        return super().get_queryset(request).prefetch_related("payments")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Once its report is in, a milestone is part of the award's record (and a paid one is protected).
        if obj is not None and obj.report_received_on:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="report")
    def report(self, milestone: Milestone) -> str:
        return milestone.ReportStatus(milestone.report_status(fund_today())).label

    @admin.display(description="payment")
    def payment(self, milestone: Milestone) -> str:
        if not milestone.pk:
            return "—"
        paid = getattr(milestone, "disbursement", None)
        if paid is not None:
            return f"{money(paid.amount)} on {paid.paid_on:%-d %b %Y}"
        if milestone.approved_on:
            url = reverse("admin:grants_disbursement_add") + f"?milestone={milestone.pk}"
            return format_html('<a href="{}">Record the payment</a>', url)
        return "—"

    def _act(self, request, queryset, operation, done: str, date_field: str) -> None:
        today = fund_today()
        succeeded, refused = 0, []
        for milestone in queryset.select_related("award"):
            try:
                operation(request.user, milestone=milestone, **{date_field: today})
                succeeded += 1
            except ActionError as exc:
                refused.append(f"{milestone}: {' '.join(exc.messages)}")
        if succeeded:
            self.message_user(request, f"{succeeded} milestone report(s) {done} on {today:%-d %b %Y}.")
        for message in refused:
            self.message_user(request, message, level=messages.ERROR)

    @admin.action(description="Record the selected milestones' reports as received today")
    def receive_reports(self, request, queryset):
        self._act(request, queryset, actions.do_receive_milestone_report, "recorded as received", "received_on")

    @admin.action(description="Approve the selected milestones' reports today")
    def approve_reports(self, request, queryset):
        self._act(request, queryset, actions.do_approve_milestone, "approved", "approved_on")


@admin.register(Disbursement)
class DisbursementAdmin(ActionAdminMixin, ReversibleAdminMixin, HistoryAdmin):
    add_form = DisbursementAddForm
    add_fields = DisbursementAddForm._meta.fields
    change_fields = (
        "award",
        "milestone",
        "amount_shown",
        "paid_on",
        "reference",
        "recorded_by",
        "created_at",
        "reversal",
    )
    posted_fields = change_fields

    list_display = (
        "paid_on",
        "reference",
        "award_reference",
        "milestone_number",
        "amount_shown",
        "recorded_by",
        "reversal",
    )
    list_filter = ("award__round", "award__status")
    search_fields = ("reference", "award__reference", "award__project__title")
    date_hierarchy = "paid_on"
    list_select_related = ("award", "milestone", "recorded_by", "reversed_by")

    amount_shown = money_display("amount", "amount")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="award", ordering="award__reference")
    def award_reference(self, payment: Disbursement) -> str:
        return payment.award.reference

    @admin.display(description="milestone", ordering="milestone__number")
    def milestone_number(self, payment: Disbursement) -> str:
        return f"{payment.milestone.number}: {payment.milestone.title}"


@admin.register(AwardAttribution)
class AwardAttributionAdmin(ReadOnlyAdmin, HistoryAdmin):
    list_display = ("award_reference", "funder", "amount_shown", "share_shown", "basis")
    list_filter = ("funder", "award__round")
    search_fields = ("award__reference", "funder__name")
    list_select_related = ("award", "funder")
    amount_shown = money_display("amount", "amount")

    @admin.display(description="award", ordering="award__reference")
    def award_reference(self, attribution: AwardAttribution) -> str:
        return attribution.award.reference

    @admin.display(description="share", ordering="share")
    def share_shown(self, attribution: AwardAttribution) -> str:
        return percent(attribution.share, 2)
