"""What a project's lead does, and what administrators decide about it: the lead accepts the award's offer and
uploads each milestone's report; an administrator accepts a report, which approves its milestone, or asks for changes
with a comment the lead sees, which sends the milestone back to waiting for a new version.

None of these moves money, so none posts a ledger entry; each is one transaction all the same, refuses with an
`ActionError` naming the field at fault, and leaves nothing half-written (an uploaded file whose record is refused is
deleted again)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alignment_fund.access import is_administrator
from alignment_fund.clock import fund_now, fund_today
from alignment_fund.uploads import check_report_file, clean_file_name
from grants.actions.common import ActionError, operation
from grants.actions.milestones import do_approve_milestone
from grants.models import Award, Milestone, MilestoneReport
from grants.notifications.rules import queue_report_reviewed

COMMENT_LENGTH = 4000


def _refuse_unless_lead(actor, award: Award, field: str, doing: str) -> None:
    if actor is None or not actor.is_authenticated or award.project.lead_id != actor.pk:
        raise ActionError({field: f"Only the project's lead can {doing}."})


def _refuse_unless_administrator(actor, doing: str) -> None:
    if not is_administrator(actor):
        raise ActionError({"milestone": f"Only fund administrators can {doing}."})


@operation
def do_accept_award(actor, *, award: Award, accepted_at: datetime | None = None) -> Award:
    """The project's lead accepts the offer: recorded once, with when and by whom. Accepting again changes nothing;
    a terminated award cannot be accepted. `accepted_at` records an acceptance given earlier (the demo); it defaults
    to now."""
    award = Award.objects.select_for_update().select_related("project").get(pk=award.pk)
    _refuse_unless_lead(actor, award, "award", "accept this award's offer")
    if award.status == Award.Status.TERMINATED:
        raise ActionError({"award": f"Award {award.reference} was terminated: it can no longer be accepted."})
    if award.accepted_at is not None:
        return award
    accepted_at = accepted_at or fund_now()
    if accepted_at.date() < award.awarded_on or accepted_at > fund_now():
        raise ActionError({"award": "An offer is accepted between the day it was made and now."})
    award.accepted_at = accepted_at
    award.accepted_by = actor
    fields = ["accepted_at", "accepted_by"]
    # An award already paid from before acceptances were recorded stays active (or completed): only an offer moves.
    if award.status == Award.Status.OFFERED:
        award.status = Award.Status.ACCEPTED
        fields.append("status")
    award.save(update_fields=fields)
    return award


def _latest_report(milestone: Milestone) -> MilestoneReport | None:
    return milestone.reports.select_for_update().order_by("-version").first()


@operation
def do_submit_milestone_report(actor, *, milestone: Milestone, upload) -> MilestoneReport:
    """The lead uploads the milestone's report (a checked PDF, DOCX or ODT): a new version, waiting for review. The
    milestone's report is received today, as `do_receive_milestone_report` would record it."""
    milestone = Milestone.objects.select_for_update().select_related("award__project").get(pk=milestone.pk)
    award = milestone.award
    _refuse_unless_lead(actor, award, "file", "send this award's reports")
    if award.status == Award.Status.TERMINATED:
        raise ActionError({"file": f"Award {award.reference} was terminated: it takes no more reports."})
    if award.status == Award.Status.OFFERED:
        raise ActionError({"file": "Accept the award's offer first: reports follow the accepted terms."})
    if milestone.approved_on:
        raise ActionError({"file": "This milestone's report is already approved."})
    latest = _latest_report(milestone)
    if latest is not None and latest.status == MilestoneReport.Status.SUBMITTED:
        raise ActionError(
            {
                "file": "A report for this milestone is waiting for review: you can send a new version if changes are "
                "asked for."
            }
        )
    try:
        kind = check_report_file(upload)
    except ValidationError as exc:
        raise ActionError({"file": exc.messages}) from exc
    today = fund_today()
    if not milestone.report_received_on:
        if today < award.awarded_on:
            raise ActionError({"file": "A report cannot arrive before its award was made."})
        milestone.report_received_on = today
        milestone.save(update_fields=["report_received_on"])
    report = MilestoneReport(
        milestone=milestone,
        version=(latest.version + 1) if latest else 1,
        original_name=clean_file_name(upload.name),
        size=upload.size,
        content_type=kind.content_type,
        uploaded_by=actor,
    )
    report.file.save(f"report.{kind.extension}", upload, save=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        report.file.delete(save=False)
        raise ActionError(
            {"file": "Another version of this report arrived at the same moment: reload the page."}
        ) from exc
    return report


def _open_report(milestone: Milestone) -> MilestoneReport:
    latest = _latest_report(milestone)
    if latest is None or latest.status != MilestoneReport.Status.SUBMITTED:
        raise ActionError({"milestone": "No report of this milestone is waiting for review."})
    return latest


def _clean_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LENGTH:
        raise ActionError({"comment": f"A comment can be at most {COMMENT_LENGTH} characters."})
    return comment


@operation
def do_accept_milestone_report(actor, *, milestone: Milestone, comment: str = "") -> MilestoneReport:
    """Accept the report waiting for review: the milestone is approved today (`do_approve_milestone`), and paid in
    the monthly run after."""
    _refuse_unless_administrator(actor, "review reports")
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    comment = _clean_comment(comment)
    report = _open_report(milestone)
    do_approve_milestone(actor, milestone=milestone, approved_on=fund_today())  # which accepts the report
    report.refresh_from_db()
    report.review_comment = comment
    report.save(update_fields=["review_comment"])
    _tell_the_lead(milestone, report, "accepted")
    return report


@operation
def do_request_report_changes(actor, *, milestone: Milestone, comment: str) -> MilestoneReport:
    """Send the report waiting for review back to the lead, saying what to change: the milestone waits for a new
    version (its report is no longer received); this one stays listed with the comment."""
    _refuse_unless_administrator(actor, "review reports")
    milestone = Milestone.objects.select_for_update().select_related("award").get(pk=milestone.pk)
    comment = _clean_comment(comment)
    if not comment:
        raise ActionError({"comment": "Say what should change: the lead sees this comment."})
    report = _open_report(milestone)
    if milestone.approved_on:
        raise ActionError({"milestone": "This milestone is already approved."})
    report.status = MilestoneReport.Status.CHANGES_REQUESTED
    report.review_comment = comment
    report.reviewed_by = actor
    report.reviewed_at = fund_now()
    report.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"])
    milestone.report_received_on = None
    milestone.save(update_fields=["report_received_on"])
    _tell_the_lead(milestone, report, "sent_back")
    return report


def _tell_the_lead(milestone: Milestone, report: MilestoneReport, outcome: str) -> None:
    """Once the review is committed, the lead is emailed through the outbox (once per review, whatever happens)."""
    transaction.on_commit(
        lambda: queue_report_reviewed(milestone, outcome, report.review_comment, review_key=str(report.pk))
    )
