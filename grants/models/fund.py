from django.db import models
from django.db.models import Q
from django.urls import reverse
from djmoney.models.fields import MoneyField

from alignment_fund.money import BASE_CURRENCY

GBP_ONLY = [(BASE_CURRENCY, BASE_CURRENCY)]


class Fund(models.Model):
    """The pooled fund. Its base currency is GBP: awards, budgets and headroom are all in pounds."""

    name = models.CharField(max_length=200)
    administered_by = models.CharField(max_length=200, help_text="The organisation that runs the fund.")
    administrator_org_id = models.CharField("administrator org-id", max_length=80, blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "Fund":
        """The fund this installation runs (the first one; a site runs one fund)."""
        return cls.objects.order_by("pk").first()


class RoundQuerySet(models.QuerySet):
    def current(self) -> "Round | None":
        """The round awards are being made from now: the latest one that has opened."""
        return (
            self.exclude(status=Round.Status.PLANNED).order_by("-opens_on").first()
            or self.order_by("-opens_on").first()
        )


class Round(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        OPEN = "open", "Open for applications"
        REVIEWING = "reviewing", "Reviewing"
        AWARDING = "awarding", "Awarding"
        CLOSED = "closed", "Closed"

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    opens_on = models.DateField()
    closes_on = models.DateField()
    decisions_from = models.DateField(null=True, blank=True)
    decisions_to = models.DateField(null=True, blank=True)
    budget = MoneyField(max_digits=14, decimal_places=2, default_currency=BASE_CURRENCY, currency_choices=GBP_ONLY)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "number"], name="round_number_unique_in_fund"),
            models.CheckConstraint(condition=Q(budget_currency=BASE_CURRENCY), name="round_budget_in_gbp"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="round_budget_not_negative"),
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="round_closes_after_open"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("grants:round", args=[self.pk])
