"""An award's page: its lifecycle, milestone schedule, payments, attribution to funders and ledger entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch

from alignment_fund.money import total
from grants.models import Award, AwardAmendment, AwardAttribution, Disbursement, LedgerLine, Milestone, MilestoneReport
from grants.reads.reports import ReportVersion, final_report_overdue, report_versions, reports_newest_first


@dataclass(frozen=True)
class ScheduleRow:
    milestone: Milestone
    report_status: str
    payment: Disbursement | None
    reports: tuple[ReportVersion, ...] = ()

    @property
    def expected_on(self) -> date | None:
        return None if self.payment else self.milestone.expected_payment_on

    @property
    def report_waiting(self) -> ReportVersion | None:
        """The uploaded report waiting for an administrator's review, if any."""
        if self.reports and self.reports[0].status == MilestoneReport.Status.SUBMITTED:
            return self.reports[0]
        return None


@dataclass(frozen=True)
class LedgerRow:
    """One ledger line as a debit or a credit (lines are signed: debits positive, credits negative)."""

    line: LedgerLine

    @property
    def currency(self) -> str:
        return self.line.amount_currency

    @property
    def debit(self) -> Decimal | None:
        return self.line.amount.amount if self.line.amount.amount > 0 else None

    @property
    def credit(self) -> Decimal | None:
        return -self.line.amount.amount if self.line.amount.amount < 0 else None


@dataclass(frozen=True)
class LedgerEntry:
    """A posted ledger transaction with the lines that belong to it."""

    transaction: object
    lines: list[LedgerRow]


@dataclass(frozen=True)
class AwardPage:
    award: Award
    schedule: list[ScheduleRow]
    disbursements: list[Disbursement]
    attributions: list[AwardAttribution]
    ledger: list[LedgerEntry]
    today: date
    # Every payment, reversed ones included (marked), and the amount's history.
    payments: list[Disbursement] = field(default_factory=list)
    amendments: list[AwardAmendment] = field(default_factory=list)

    @property
    def final_due_on(self) -> date | None:
        return self.schedule[-1].milestone.due_on if self.schedule else None

    @property
    def final_report_overdue(self) -> bool:
        return final_report_overdue(self.award, [row.milestone for row in self.schedule], self.today)

    @property
    def paid_gbp(self) -> Decimal:
        return total(disbursement.amount.amount for disbursement in self.disbursements)

    @property
    def to_pay_gbp(self) -> Decimal:
        return self.award.amount.amount - self.paid_gbp

    @property
    def milestones_gbp(self) -> Decimal:
        return total(row.milestone.amount.amount for row in self.schedule)

    @property
    def lifecycle(self) -> list[dict]:
        """The award's steps with which are done and which is current (for the status timeline)."""
        position = self.award.lifecycle_position
        return [
            {"label": status.label, "done": position > step, "current": position == step}
            for step, status in enumerate(Award.LIFECYCLE)
        ]


def award_queryset(awards=None):
    """Awards with everything their page shows, in a fixed number of queries."""
    return (
        (awards if awards is not None else Award.objects.all())
        .select_related("project__research_area", "project__lead", "round", "accepted_by")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.prefetch_related("payments", reports_newest_first()).order_by("number"),
            ),
            Prefetch("attributions", queryset=AwardAttribution.objects.select_related("funder").order_by("-amount")),
            Prefetch(
                "disbursements",
                queryset=Disbursement.all_objects.select_related("milestone", "reversed_by").order_by("paid_on", "pk"),
                to_attr="all_payments",
            ),
            Prefetch("amendments", queryset=AwardAmendment.objects.select_related("amended_by").order_by("pk")),
        )
    )


def award_page(award: Award, today: date) -> AwardPage:
    """An award's schedule, payments, attribution and ledger entries (award from `award_queryset()`)."""
    schedule = []
    for milestone in award.milestones.all():
        payment = getattr(milestone, "disbursement", None)
        schedule.append(ScheduleRow(milestone, milestone.report_status(today), payment, report_versions(milestone)))
    lines = (
        LedgerLine.objects.filter(transaction__lines__award=award)
        .select_related("transaction", "funder")
        .distinct()
        .order_by("transaction__occurred_on", "transaction_id", "pk")
    )
    entries: dict[int, LedgerEntry] = {}
    for line in lines:
        entry = entries.setdefault(line.transaction_id, LedgerEntry(line.transaction, []))
        entry.lines.append(LedgerRow(line))
    return AwardPage(
        award=award,
        schedule=schedule,
        disbursements=[payment for payment in award.all_payments if payment.reversed_at is None],
        attributions=list(award.attributions.all()),
        ledger=list(entries.values()),
        today=today,
        payments=list(award.all_payments),
        amendments=list(award.amendments.all()),
    )
