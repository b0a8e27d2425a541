from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from djmoney.models.fields import MoneyField
from djmoney.models.validators import MaxMoneyValidator, MinMoneyValidator
from djmoney.money import Money
from simple_history.models import HistoricalRecords

from alignment_fund.access import is_administrator
from alignment_fund.dates import add_months, payment_run_for
from alignment_fund.money import AWARD_MAXIMUM_GBP, AWARD_MINIMUM_GBP, BASE_CURRENCY
from alignment_fund.reversible import EveryRecordManager, LiveManager, Reversible
from projects.models import GBP_ONLY

# An award's period: its milestones fall due within this many months of the award date.
AWARD_PERIOD_MONTHS = 24


def gbp_award_amount_validator(value) -> None:
    """Awards are pounds, £50,000 to £1,000,000 inclusive. django-money's own validators skip other currencies."""
    if value is None:
        return
    if isinstance(value, Money) and value.currency.code != BASE_CURRENCY:
        raise ValidationError(
            "Awards are made in pounds sterling (GBP), not %(currency)s.",
            code="award_currency",
            params={"currency": value.currency.code},
        )


class AwardQuerySet(models.QuerySet):
    def visible_to(self, user) -> AwardQuerySet:
        """Administrators see every award; a researcher the awards of projects they lead; a funder's contact the
        awards its money supports (through the fixed attribution)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if is_administrator(user):
            return self
        conditions = Q(project__lead=user)
        if user.funder_id is not None:
            conditions |= Q(attributions__funder_id=user.funder_id, attributions__superseded_by__isnull=True)
        return self.filter(conditions).distinct()

    def live(self) -> AwardQuerySet:
        return self.exclude(status=Award.Status.TERMINATED)

    def ended_by(self, on: date) -> AwardQuerySet:
        """Awards terminated on or before `on`. One terminated later was still running that day."""
        return self.filter(terminated_by(on))


def terminated_by(on: date, prefix: str = "") -> Q:
    """The condition "terminated on or before `on`", for awards or, with a `prefix` such as "award__", for rows that
    point at one. Every dated figure that counts an ended award for what it paid asks this, never the status alone."""
    return Q(**{f"{prefix}status": Award.Status.TERMINATED, f"{prefix}terminated_on__lte": on})


class Award(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        TERMINATED = "terminated", "Terminated"

    LIFECYCLE = [Status.OFFERED, Status.ACCEPTED, Status.ACTIVE, Status.COMPLETED]

    reference = models.CharField(max_length=40, unique=True)
    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="award")
    round = models.ForeignKey("projects.Round", on_delete=models.PROTECT, related_name="awards")
    amount = MoneyField(
        max_digits=14,
        decimal_places=2,
        default_currency=BASE_CURRENCY,
        currency_choices=GBP_ONLY,
        validators=[
            gbp_award_amount_validator,
            MinMoneyValidator({BASE_CURRENCY: AWARD_MINIMUM_GBP}),
            MaxMoneyValidator({BASE_CURRENCY: AWARD_MAXIMUM_GBP}),
        ],
        help_text="In GBP, £50,000 to £1,000,000 inclusive.",
    )
    awarded_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OFFERED)
    compute_provider = models.CharField(max_length=120, blank=True)
    compute_quantity = models.CharField(max_length=120, blank=True, help_text="e.g. 20,000 GPU-hours")
    compute_value = MoneyField(
        "notional value of compute",
        max_digits=14,
        decimal_places=2,
        default_currency=BASE_CURRENCY,
        currency_choices=GBP_ONLY,
        null=True,
        blank=True,
    )
    above_request_reason = models.TextField(
        "why more than requested",
        blank=True,
        help_text="Required when the award is more than the project asked for: why the fund gives more.",
    )
    mentor = models.CharField(
        "expert support (mentor)",
        max_length=200,
        blank=True,
        help_text="The AISI researcher who mentors the team.",
    )
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True, help_text="When the project's lead accepted the offer.")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    terminated_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day the award ended early, if it did: from then it counts for what it paid.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = AwardQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        # The back office's date drill-down reads the first and last award dates from it.
        indexes = [models.Index(fields=["awarded_on"], name="award_awarded_on")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_currency=BASE_CURRENCY), name="award_in_gbp"),
            models.CheckConstraint(
                condition=Q(amount__gte=AWARD_MINIMUM_GBP, amount__lte=AWARD_MAXIMUM_GBP),
                name="award_between_50k_and_1m",
            ),
            models.CheckConstraint(
                condition=Q(compute_value__isnull=True) | Q(compute_value_currency=BASE_CURRENCY),
                name="award_compute_value_in_gbp",
            ),
            models.CheckConstraint(
                condition=Q(status="terminated", terminated_on__isnull=False)
                | (~Q(status="terminated") & Q(terminated_on__isnull=True)),
                name="award_terminated_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.project.title}"

    def get_absolute_url(self) -> str:
        return reverse("grants:award", args=[self.pk])

    def ended_by(self, on: date) -> bool:
        """Whether the award had been terminated on `on` (see `terminated_by` for querysets)."""
        return self.status == self.Status.TERMINATED and self.terminated_on is not None and self.terminated_on <= on

    @property
    def lifecycle_position(self) -> int:
        return self.LIFECYCLE.index(self.status) if self.status in self.LIFECYCLE else -1

    @property
    def period_ends_on(self) -> date:
        """The award period runs from the award date for `AWARD_PERIOD_MONTHS`: every milestone falls due in it."""
        return add_months(self.awarded_on, AWARD_PERIOD_MONTHS)

    def schedule(self) -> list[dict]:
        """Each milestone with its report status, its payment if made, and the payment run it is expected in."""
        paid = {d.milestone_id: d for d in self.disbursements.all()}
        rows = []
        for milestone in self.milestones.all():
            payment = paid.get(milestone.pk)
            rows.append(
                {
                    "milestone": milestone,
                    "payment": payment,
                    "expected_on": None if payment else milestone.expected_payment_on,
                }
            )
        return rows

    def next_payment(self) -> dict | None:
        pending = [row for row in self.schedule() if row["payment"] is None]
        return pending[0] if pending else None

    def next_milestone(self):
        return next((m for m in self.milestones.all() if m.approved_on is None), None)


class MilestoneQuerySet(models.QuerySet):
    def unpaid(self) -> MilestoneQuerySet:
        """Milestones without a live payment (a reversed payment leaves its milestone to be paid again)."""
        live_payment = Disbursement.objects.filter(milestone=models.OuterRef("pk"))
        return self.exclude(models.Exists(live_payment))


class Milestone(models.Model):
    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="milestones")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    amount = MoneyField(max_digits=14, decimal_places=2, default_currency=BASE_CURRENCY, currency_choices=GBP_ONLY)
    report_received_on = models.DateField(null=True, blank=True)
    approved_on = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = MilestoneQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["award", "number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="milestone_number_unique_in_award"),
            models.CheckConstraint(condition=Q(amount_currency=BASE_CURRENCY), name="milestone_in_gbp"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="milestone_amount_positive"),
            models.CheckConstraint(
                condition=Q(approved_on__isnull=True) | Q(report_received_on__isnull=False),
                name="milestone_approved_after_report",
            ),
        ]
        # The milestones still waiting for their report, by due date: the overdue final reports are read from it
        # (a few rows), not from every milestone the fund ever set.
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=Q(report_received_on__isnull=True, approved_on__isnull=True),
                name="milestone_report_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.award.reference} milestone {self.number}: {self.title}"

    class ReportStatus(models.TextChoices):
        NOT_DUE = "not_due", "Not yet due"
        DUE = "due", "Report due"
        RECEIVED = "received", "Report received"
        APPROVED = "approved", "Approved"

    def report_status(self, today: date) -> str:
        if self.approved_on:
            return self.ReportStatus.APPROVED
        if self.report_received_on:
            return self.ReportStatus.RECEIVED
        return self.ReportStatus.DUE if self.due_on <= today else self.ReportStatus.NOT_DUE

    @property
    def disbursement(self) -> Disbursement | None:
        """The milestone's live payment, if any (a reversed payment does not count: the milestone can be paid
        again). Prefetch `payments` to read it without a query."""
        return next(iter(self.payments.all()), None)

    @property
    def expected_payment_on(self) -> date:
        """Paid in arrears, in the monthly run after the month the report is approved (or falls due)."""
        return payment_run_for(self.approved_on or self.due_on)


class CurrentAttributionManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(superseded_by__isnull=True)


class AwardAttribution(models.Model):
    """The share of an award each funder's money paid for, fixed when the award is made."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="attributions")
    funder = models.ForeignKey("funders.Funder", on_delete=models.PROTECT, related_name="attributions")
    amount = MoneyField(max_digits=14, decimal_places=2, default_currency=BASE_CURRENCY, currency_choices=GBP_ONLY)
    share = models.DecimalField(max_digits=7, decimal_places=6, help_text="Fraction of the award, 0 to 1.")
    basis = models.CharField(
        max_length=400, help_text="The funder's money available at award time and the rates used to value it."
    )
    superseded_by = models.ForeignKey(
        "grants.AwardAmendment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="superseded_attributions",
        help_text="The amendment that replaced this split with a new one; the row stays as history.",
    )

    # The current split only: an amendment's superseded rows are history (`all_objects`).
    objects = CurrentAttributionManager()
    all_objects = EveryRecordManager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["award", "-amount"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "funder"],
                condition=Q(superseded_by__isnull=True),
                name="one_current_attribution_per_funder_and_award",
            ),
            models.CheckConstraint(condition=Q(amount_currency=BASE_CURRENCY), name="attribution_in_gbp"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="attribution_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.funder}: {self.amount} of {self.award.reference}"


class Disbursement(Reversible):
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="disbursements")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="payments")
    amount = MoneyField(max_digits=14, decimal_places=2, default_currency=BASE_CURRENCY, currency_choices=GBP_ONLY)
    paid_on = models.DateField()
    reference = models.CharField(max_length=80, help_text="The payment's bank reference.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LiveManager()
    all_objects = EveryRecordManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(reversed_at__isnull=True),
                name="one_live_payment_per_milestone",
                violation_error_message="This milestone has already been paid.",
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(reversed_at__isnull=True),
                name="disbursement_reference_unique_while_live",
                violation_error_message="A payment with this reference is already recorded.",
            ),
            models.CheckConstraint(condition=Q(amount_currency=BASE_CURRENCY), name="disbursement_in_gbp"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.award.reference} on {self.paid_on:%d %b %Y}"


class AwardAmendment(models.Model):
    """A change to a booked award's amount, kept for ever: the award's `amount` is the current figure, and the
    database lets it change only to match its newest amendment (see the migration that installs the trigger)."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="amendments")
    old_amount = MoneyField(max_digits=14, decimal_places=2, default_currency=BASE_CURRENCY, currency_choices=GBP_ONLY)
    new_amount = MoneyField(max_digits=14, decimal_places=2, default_currency=BASE_CURRENCY, currency_choices=GBP_ONLY)
    amended_on = models.DateField()
    reason = models.TextField()
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["award", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(old_amount_currency=BASE_CURRENCY, new_amount_currency=BASE_CURRENCY),
                name="amendment_in_gbp",
            ),
            models.CheckConstraint(
                condition=Q(new_amount__gte=AWARD_MINIMUM_GBP, new_amount__lte=AWARD_MAXIMUM_GBP),
                name="amendment_between_50k_and_1m",
            ),
            models.CheckConstraint(condition=~Q(new_amount=models.F("old_amount")), name="amendment_changes_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.award.reference}: {self.old_amount} → {self.new_amount} on {self.amended_on:%d %b %Y}"
