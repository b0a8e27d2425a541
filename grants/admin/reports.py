"""The back office for milestone reports: every version the leads uploaded, its file (through the view that checks
who asks, never the storage's own address) and its review. Reports are accepted, or sent back with a comment, through
grants.actions: in bulk for acceptance here, one by one with a comment on the review page."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from alignment_fund.admin import ReadOnlyAdmin
from grants import actions
from grants.actions import ActionError
from grants.models import MilestoneReport


@admin.register(MilestoneReport)
class MilestoneReportAdmin(ReadOnlyAdmin):
    list_display = ("milestone", "version", "download", "status", "uploaded_by", "uploaded_at", "reviewed_by", "review")
    list_filter = ("status", "milestone__award__round")
    search_fields = ("original_name", "milestone__award__reference", "milestone__award__project__title")
    list_select_related = ("milestone__award", "uploaded_by", "reviewed_by")
    date_hierarchy = "uploaded_at"
    # The file itself is offered only through the checked download (`download`), never as the storage's URL.
    fields = (
        "milestone",
        "version",
        "download",
        "size",
        "content_type",
        "uploaded_by",
        "uploaded_at",
        "status",
        "review_comment",
        "reviewed_by",
        "reviewed_at",
        "review",
    )
    readonly_fields = fields
    actions = ["accept_reports"]

    @admin.display(description="file")
    def download(self, report: MilestoneReport) -> str:
        return format_html(
            '<a href="{}">{}</a> <span class="quiet">({})</span>',
            reverse("researcher:report_file", args=[report.pk]),
            report.original_name,
            report.size_label,
        )

    @admin.display(description="review")
    def review(self, report: MilestoneReport) -> str:
        label = "Review (accept or ask for changes)" if report.waiting_for_review else "Versions and reviews"
        return format_html('<a href="{}">{}</a>', reverse("grants:review_report", args=[report.milestone_id]), label)

    @admin.action(description="Accept the selected reports (approves their milestones today)")
    def accept_reports(self, request, queryset):
        accepted, refused = 0, []
        for report in queryset.filter(status=MilestoneReport.Status.SUBMITTED).select_related("milestone"):
            try:
                actions.do_accept_milestone_report(request.user, milestone=report.milestone)
                accepted += 1
            except ActionError as exc:
                refused.append(f"{report}: {' '.join(exc.messages)}")
        self.message_user(request, f"{accepted} report(s) accepted.")
        for message in refused:
            self.message_user(request, message, level=messages.ERROR)
