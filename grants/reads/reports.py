"""Milestone reports as pages show them: each version with its review, what waits for an administrator, and which
awards' final reports are overdue.

An award's final report is the report of its last milestone. It is overdue when that milestone's due date has passed
and no report has been received (none uploaded, or the last one sent back for changes), while the award is still
running (offered, accepted or active: a completed award has had it, a terminated one owes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery

from alignment_fund.access import is_administrator
from grants.models import Award, Milestone, MilestoneReport

RUNNING = (Award.Status.OFFERED, Award.Status.ACCEPTED, Award.Status.ACTIVE)


@dataclass(frozen=True)
class ReportVersion:
    """One uploaded version of a milestone's report, as its lead and the administrators see it."""

    pk: int
    version: int
    original_name: str
    size_label: str
    status: str
    status_label: str
    uploaded_at: datetime
    review_comment: str
    reviewed_at: datetime | None

    @property
    def badge_class(self) -> str:
        return {
            MilestoneReport.Status.ACCEPTED: "badge-ok",
            MilestoneReport.Status.CHANGES_REQUESTED: "badge-warn",
        }.get(self.status, "")


def report_versions(milestone: Milestone) -> tuple[ReportVersion, ...]:
    """The milestone's report versions, newest first (expects `reports` prefetched: see `with_reports`)."""
    return tuple(
        ReportVersion(
            pk=report.pk,
            version=report.version,
            original_name=report.original_name,
            size_label=report.size_label,
            status=report.status,
            status_label=report.get_status_display(),
            uploaded_at=report.uploaded_at,
            review_comment=report.review_comment,
            reviewed_at=report.reviewed_at,
        )
        for report in sorted(milestone.reports.all(), key=lambda report: -report.version)
    )


def reports_newest_first(to_attr: str | None = None) -> Prefetch:
    """A milestone's report versions, newest first, to prefetch (into a list named `to_attr`, if given)."""
    return Prefetch("reports", queryset=MilestoneReport.objects.order_by("-version"), to_attr=to_attr)


def with_reports(milestones: QuerySet[Milestone]) -> QuerySet[Milestone]:
    return milestones.prefetch_related(reports_newest_first())


def final_report_overdue(award: Award, milestones, today: date) -> bool:
    """Whether the award's final report is overdue (`milestones`: the award's, already loaded)."""
    milestones = list(milestones)
    if award.status not in RUNNING or not milestones:
        return False
    final = max(milestones, key=lambda milestone: milestone.number)
    return final.due_on < today and final.report_received_on is None and final.approved_on is None


def final_reports_overdue(today: date) -> QuerySet[Milestone]:
    """The final milestones of running awards whose report is overdue, with their award and project, oldest due
    first: list the first few and count them all (the portfolio), or filter awards by them (the awards list)."""
    # The award's last number, looked up for each waiting milestone through the (award, number) index: written as
    # NOT EXISTS a later one, PostgreSQL hashed every milestone of the fund to check a few hundred.
    last_number = (
        Milestone.objects.filter(award=OuterRef("award_id"))
        .order_by()
        .values("award")
        .annotate(last=Max("number"))
        .values("last")
    )
    return (
        Milestone.objects.filter(
            number=Subquery(last_number),
            due_on__lt=today,
            report_received_on__isnull=True,
            approved_on__isnull=True,
            award__status__in=RUNNING,
        )
        .select_related("award__project")
        .order_by("due_on", "award__reference")
    )


def reports_waiting_for_review() -> QuerySet[MilestoneReport]:
    """Every report waiting for an administrator, oldest first, with its milestone, award and project."""
    return (
        MilestoneReport.objects.filter(status=MilestoneReport.Status.SUBMITTED)
        .select_related("milestone__award__project")
        .order_by("uploaded_at", "pk")
    )


def reports_visible_to(user) -> QuerySet[MilestoneReport]:
    """Report files: every one to administrators, the reports of the awards they lead to a researcher, none to anyone
    else (a funder's contact sees no report, not even of an award their money supports)."""
    if is_administrator(user):
        return MilestoneReport.objects.all()
    if not user.is_authenticated or not user.is_active:
        return MilestoneReport.objects.none()
    return MilestoneReport.objects.filter(milestone__award__project__lead=user)
