"""Four eyes: an action one administrator asks for and another approves (or rejects) before it takes effect; and the
monthly payment run, proposed by one administrator and released by another.

An `Approval` is generic: its `kind` names the operation that runs when it is approved (see
`grants.actions.approvals`), its `payload` holds that operation's arguments as JSON, and `summary` says in words what
it will do. While it waits, what it would award is reserved: `reserved` (GBP) counts against the fund's headroom
from `reserved_on`, and against `reserved_round`'s budget (grants.reads.position)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from djmoney.models.fields import MoneyField

from alignment_fund.money import BASE_CURRENCY
from projects.models import GBP_ONLY


class ApprovalQuerySet(models.QuerySet):
    def pending(self) -> ApprovalQuerySet:
        return self.filter(status=Approval.Status.PENDING)

    def waiting_for(self, user) -> ApprovalQuerySet:
        """Pending actions this administrator may decide: those someone else asked for."""
        return self.pending().exclude(requested_by=user)


class Approval(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    kind = models.CharField(max_length=40, help_text="The operation it runs when approved, e.g. award or payment.")
    payload = models.JSONField(help_text="The operation's arguments.")
    summary = models.CharField(max_length=300)
    reserved = MoneyField(
        max_digits=14,
        decimal_places=2,
        default_currency=BASE_CURRENCY,
        currency_choices=GBP_ONLY,
        null=True,
        blank=True,
        help_text="Headroom held for it while it waits.",
    )
    reserved_on = models.DateField(null=True, blank=True, help_text="The date the reservation counts from.")
    reserved_round = models.ForeignKey(
        "projects.Round", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    # What approving it produced (an award, a payment...).
    result_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    result_id = models.PositiveBigIntegerField(null=True, blank=True)
    result = GenericForeignKey("result_type", "result_id")

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__isnull=True) | Q(reserved_currency=BASE_CURRENCY, reserved__gt=0),
                name="approval_reserves_gbp",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False), name="approval_decided_by_someone"
            ),
            # Four eyes, held by the database too: whoever decides is not who asked.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="approval_not_decided_by_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("grants:approval", args=[self.pk])

    @property
    def result_url(self) -> str | None:
        result = self.result if self.result_id else None
        return result.get_absolute_url() if hasattr(result, "get_absolute_url") else None


class PaymentRun(models.Model):
    """The monthly payment run for `month` (its first day): the approved, unpaid milestones whose month has ended,
    paid together, in arrears, once a second administrator releases it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        RELEASED = "released", "Released"

    month = models.DateField(help_text="The first day of the month whose work it pays.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["month"], condition=Q(status="proposed"), name="one_proposed_payment_run_per_month"
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(released_by__isnull=False, paid_on__isnull=False),
                name="payment_run_released_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment run for {self.month:%B %Y} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("grants:payment_run", args=[self.pk])


class PaymentRunItem(models.Model):
    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="items")
    milestone = models.ForeignKey("grants.Milestone", on_delete=models.PROTECT, related_name="run_items")
    amount = MoneyField(max_digits=14, decimal_places=2, default_currency=BASE_CURRENCY, currency_choices=GBP_ONLY)
    disbursement = models.OneToOneField(
        "grants.Disbursement", on_delete=models.PROTECT, null=True, blank=True, related_name="run_item"
    )

    class Meta:
        ordering = ["run", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "milestone"], name="milestone_once_per_run"),
            models.CheckConstraint(condition=Q(amount_currency=BASE_CURRENCY), name="run_item_in_gbp"),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} in {self.run}"
