"""What a researcher sees of their own awards: where each stands in its life, its milestones, the payments made and
the next one expected, and the compute and expert support granted. Nothing about funders or other projects.

`award_statuses(awards, today)` turns awards (already scoped to the researcher) into frozen dataclasses, in three
queries whatever their number; the pages and the API read the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from alignment_fund.dates import last_business_day, payment_run_for
from alignment_fund.money import share, total
from grants.models import Award, Disbursement, Milestone, MilestoneReport
from grants.reads.reports import ReportVersion, final_report_overdue, report_versions, reports_newest_first

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Step:
    """One stage of an award's life on the timeline: done, current or still to come."""

    label: str
    state: str  # "done", "current", "upcoming" or "terminated"


@dataclass(frozen=True)
class MilestoneStatus:
    pk: int
    number: int
    title: str
    due_on: date
    amount: Decimal
    report_status: str
    report_status_label: str
    report_received_on: date | None
    approved_on: date | None
    paid_on: date | None
    payment_reference: str
    expected_payment_on: date | None
    reports: tuple[ReportVersion, ...] = ()
    can_upload: bool = False

    @property
    def overdue(self) -> bool:
        return self.report_status == Milestone.ReportStatus.DUE

    @property
    def latest_report(self) -> ReportVersion | None:
        return self.reports[0] if self.reports else None

    @property
    def changes_requested(self) -> bool:
        latest = self.latest_report
        return latest is not None and latest.status == MilestoneReport.Status.CHANGES_REQUESTED

    @property
    def badge_class(self) -> str:
        return {
            Milestone.ReportStatus.APPROVED: "badge-ok",
            Milestone.ReportStatus.RECEIVED: "",
            Milestone.ReportStatus.DUE: "badge-warn",
        }.get(self.report_status, "badge-muted")


@dataclass(frozen=True)
class Payment:
    paid_on: date
    amount: Decimal
    reference: str
    milestone_number: int
    milestone_title: str


@dataclass(frozen=True)
class NextPayment:
    """The next payment the researcher can expect, and what it waits for."""

    amount: Decimal
    expected_on: date
    milestone_number: int
    milestone_title: str
    waiting_for: str


@dataclass(frozen=True)
class AwardStatus:
    pk: int
    reference: str
    project_reference: str
    project_title: str
    round_name: str
    research_area: str
    awarded_on: date
    status: str
    status_label: str
    amount: Decimal
    steps: tuple[Step, ...]
    milestones: tuple[MilestoneStatus, ...]
    payments: tuple[Payment, ...]
    next_payment: NextPayment | None
    next_milestone: MilestoneStatus | None
    compute_provider: str
    compute_quantity: str
    compute_value: Decimal | None
    mentor: str
    above_request_reason: str = ""
    accepted_at: datetime | None = None
    final_report_overdue: bool = False

    @property
    def offer_open(self) -> bool:
        """The offer waits for its lead to accept it."""
        return self.status == Award.Status.OFFERED

    @property
    def terminated(self) -> bool:
        return self.status == Award.Status.TERMINATED

    @property
    def badge_class(self) -> str:
        return {
            Award.Status.ACTIVE: "badge-ok",
            Award.Status.COMPLETED: "badge-muted",
            Award.Status.TERMINATED: "badge-danger",
        }.get(self.status, "")

    @property
    def paid(self) -> Decimal:
        return total(payment.amount for payment in self.payments)

    @property
    def still_to_pay(self) -> Decimal:
        return ZERO if self.terminated else self.amount - self.paid

    @property
    def paid_share(self) -> Decimal:
        return share(self.paid, self.amount)

    @property
    def has_compute(self) -> bool:
        return bool(self.compute_provider or self.compute_quantity or self.compute_value)


def lifecycle(status: str, paid_anything: bool = False) -> tuple[Step, ...]:
    """Offered → accepted → active → completed. A terminated award shows the stages it is known to have passed
    (offered; accepted and active too if anything was paid), then its end."""
    labels = [stage.label for stage in Award.LIFECYCLE]
    if status == Award.Status.TERMINATED:
        reached = labels[:3] if paid_anything else labels[:1]
        return (*(Step(label, "done") for label in reached), Step(Award.Status.TERMINATED.label, "terminated"))
    position = Award.LIFECYCLE.index(status)
    steps = []
    for index, label in enumerate(labels):
        if index < position or status == Award.Status.COMPLETED:
            state = "done"
        elif index == position:
            state = "current"
        else:
            state = "upcoming"
        steps.append(Step(label, state))
    return tuple(steps)


def next_payment_run(today: date) -> date:
    """The first monthly payment run on or after `today`: the last business day of this month, or of the next."""
    this_month = last_business_day(today.year, today.month)
    return this_month if this_month >= today else payment_run_for(today)


def expected_payment(milestone: Milestone, today: date) -> date:
    """When a milestone not yet paid should be paid: in the monthly run after the month its report is approved.
    Once approved, that run (or, if it has passed, the next one); before approval, the run after the month it falls
    due, or after this month if it is already overdue, since it cannot be approved any earlier than today."""
    if milestone.approved_on:
        expected = milestone.expected_payment_on
        return expected if expected >= today else next_payment_run(today)
    return payment_run_for(max(milestone.due_on, today))


def _waiting_for(milestone: Milestone, today: date) -> str:
    if milestone.approved_on:
        return "Report approved: payment in the next monthly run."
    if milestone.report_received_on:
        return "Report received: payment follows its approval."
    if milestone.due_on < today:
        return f"Report overdue since {milestone.due_on:%-d %b %Y}: send it to be paid."
    return f"Report due {milestone.due_on:%-d %b %Y}."


def researcher_awards(user) -> QuerySet[Award]:
    """The awards of projects `user` leads, and nothing else: not the awards their funder's money supports."""
    if not user.is_authenticated or not user.is_active:
        return Award.objects.none()
    return Award.objects.filter(project__lead=user)


def award_statuses(awards: QuerySet[Award], today: date) -> list[AwardStatus]:
    awards = awards.select_related("project__research_area", "round").prefetch_related(
        Prefetch(
            "milestones",
            queryset=Milestone.objects.order_by("number").prefetch_related(reports_newest_first()),
        ),
        Prefetch("disbursements", queryset=Disbursement.objects.select_related("milestone").order_by("paid_on", "pk")),
    )
    return [award_status(award, today) for award in awards.order_by("-awarded_on", "reference")]


def award_status(award: Award, today: date) -> AwardStatus:
    """One award's status. Expects its milestones (with their reports) and disbursements prefetched (see
    `award_statuses`)."""
    paid = {disbursement.milestone_id: disbursement for disbursement in award.disbursements.all()}
    milestones = []
    takes_reports = award.status in (Award.Status.ACCEPTED, Award.Status.ACTIVE)
    for milestone in award.milestones.all():
        payment = paid.get(milestone.pk)
        status = milestone.report_status(today)
        reports = report_versions(milestone)
        waiting = bool(reports) and reports[0].status == MilestoneReport.Status.SUBMITTED
        milestones.append(
            MilestoneStatus(
                pk=milestone.pk,
                number=milestone.number,
                title=milestone.title,
                due_on=milestone.due_on,
                amount=milestone.amount.amount,
                report_status=status,
                report_status_label=Milestone.ReportStatus(status).label,
                report_received_on=milestone.report_received_on,
                approved_on=milestone.approved_on,
                paid_on=payment.paid_on if payment else None,
                payment_reference=payment.reference if payment else "",
                expected_payment_on=None
                if payment or award.status == Award.Status.TERMINATED
                else expected_payment(milestone, today),
                reports=reports,
                can_upload=takes_reports and milestone.approved_on is None and not waiting,
            )
        )
    live = award.status != Award.Status.TERMINATED
    unpaid = [milestone for milestone in award.milestones.all() if milestone.pk not in paid]
    upcoming = unpaid[0] if unpaid and live else None
    next_payment = None
    if upcoming is not None:
        next_payment = NextPayment(
            amount=upcoming.amount.amount,
            expected_on=expected_payment(upcoming, today),
            milestone_number=upcoming.number,
            milestone_title=upcoming.title,
            waiting_for=_waiting_for(upcoming, today),
        )
    next_milestone = (
        next((milestone for milestone in milestones if milestone.approved_on is None), None) if live else None
    )
    return AwardStatus(
        pk=award.pk,
        reference=award.reference,
        project_reference=award.project.reference,
        project_title=award.project.title,
        round_name=str(award.round),
        research_area=str(award.project.research_area),
        awarded_on=award.awarded_on,
        status=award.status,
        status_label=award.get_status_display(),
        amount=award.amount.amount,
        steps=lifecycle(award.status, paid_anything=bool(paid)),
        milestones=tuple(milestones),
        payments=tuple(
            Payment(
                disbursement.paid_on,
                disbursement.amount.amount,
                disbursement.reference,
                disbursement.milestone.number,
                disbursement.milestone.title,
            )
            for disbursement in award.disbursements.all()
        ),
        next_payment=next_payment,
        next_milestone=next_milestone,
        compute_provider=award.compute_provider,
        compute_quantity=award.compute_quantity,
        compute_value=award.compute_value.amount if award.compute_value is not None else None,
        mentor=award.mentor,
        above_request_reason=award.above_request_reason,
        accepted_at=award.accepted_at,
        final_report_overdue=final_report_overdue(award, award.milestones.all(), today),
    )
