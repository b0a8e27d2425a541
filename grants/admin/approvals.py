"""The back office for four eyes and payment runs: read-only lists. Deciding happens through the operations: an
admin action approves what others asked for; rejecting needs a reason, so it is done from the portfolio's page."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html

from alignment_fund.admin import ReadOnlyAdmin, ReadOnlyTabularInline
from grants import actions
from grants.actions import ActionError
from grants.models import Approval, PaymentRun, PaymentRunItem


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ("pk", "summary", "kind", "status", "reserved", "requested_by", "requested_at", "decided_by")
    list_filter = ("status", "kind")
    search_fields = ("summary",)
    list_select_related = ("requested_by", "decided_by")
    fields = (
        "kind",
        "summary",
        "payload",
        "reserved",
        "reserved_on",
        "reserved_round",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_reason",
        "decide",
    )
    readonly_fields = fields
    actions = ["approve_selected"]

    @admin.display(description="decide")
    def decide(self, approval: Approval) -> str:
        if approval.status != Approval.Status.PENDING:
            return "—"
        return format_html('<a href="{}">Approve or reject on its page</a>', approval.get_absolute_url())

    @admin.action(description="Approve the selected actions (not your own) and carry them out")
    def approve_selected(self, request, queryset):
        for approval in queryset.filter(status=Approval.Status.PENDING):
            try:
                actions.do_approve(request.user, approval)
            except ActionError as exc:
                self.message_user(request, f"#{approval.pk}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"#{approval.pk} approved: {approval.summary}", messages.SUCCESS)


class PaymentRunItemInline(ReadOnlyTabularInline):
    model = PaymentRunItem
    fields = ("milestone", "amount", "disbursement")
    readonly_fields = fields


@admin.register(PaymentRun)
class PaymentRunAdmin(ReadOnlyAdmin):
    list_display = ("month", "status", "proposed_by", "released_by", "paid_on")
    list_filter = ("status",)
    list_select_related = ("proposed_by", "released_by")
    fields = ("month", "status", "proposed_by", "proposed_at", "released_by", "released_at", "paid_on")
    readonly_fields = fields
    inlines = [PaymentRunItemInline]
