"""Milestone reports as the lead researcher uploads them: each version kept, with its review.

A milestone's report is received when its lead uploads it (the milestone's `report_received_on`); an administrator
then accepts it, which approves the milestone, or asks for changes with a comment the lead sees, which sends the
milestone back to waiting for a report. Earlier versions stay listed. At most one version of a milestone's report is
open (submitted or accepted) at a time: the database holds that, so two uploads at once cannot both count.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from alignment_fund.clock import fund_now
from alignment_fund.uploads import REPORT_KINDS, get_reports_storage, report_storage_name

CONTENT_TYPES = [(kind.content_type, kind.label) for kind in REPORT_KINDS.values()]


class MilestoneReport(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for review"
        ACCEPTED = "accepted", "Accepted"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    milestone = models.ForeignKey("grants.Milestone", on_delete=models.PROTECT, related_name="reports")
    version = models.PositiveSmallIntegerField()
    file = models.FileField(storage=get_reports_storage, upload_to=report_storage_name, max_length=200)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField(help_text="In bytes.")
    content_type = models.CharField(max_length=100, choices=CONTENT_TYPES)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=fund_now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["milestone", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["milestone", "version"], name="report_version_unique_in_milestone"),
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(status__in=["submitted", "accepted"]),
                name="one_open_report_per_milestone",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "accepted", "changes_requested"]), name="report_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="report_reviewed_when_decided",
            ),
            models.CheckConstraint(
                condition=~Q(status="changes_requested") | ~Q(review_comment=""),
                name="report_changes_say_which",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} report v{self.version} ({self.original_name})"

    @property
    def waiting_for_review(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def size_label(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"
