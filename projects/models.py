from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from djmoney.models.fields import MoneyField
from djmoney.models.validators import MinMoneyValidator
from simple_history.models import HistoricalRecords

from alignment_fund.access import is_administrator
from alignment_fund.money import BASE_CURRENCY

GBP_ONLY = [(BASE_CURRENCY, BASE_CURRENCY)]


class Fund(models.Model):
    """The pooled fund. Its base currency is GBP: awards, budgets and headroom are all in pounds."""

    name = models.CharField(max_length=200)
    administered_by = models.CharField(max_length=200, help_text="The organisation that runs the fund.")
    administrator_org_id = models.CharField("administrator org-id", max_length=80, blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

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

    history = HistoricalRecords()

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


class ResearchArea(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProjectQuerySet":
        """Administrators see every project; anyone else only the projects they lead."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if is_administrator(user):
            return self
        return self.filter(lead=user)

    def vetted_waiting(self) -> "ProjectQuerySet":
        """Vetted projects with no award yet: the waitlist, best review score first."""
        return self.filter(status=Project.Status.VETTED).order_by("-panel_score", "vetted_on", "pk")


class Project(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        VETTED = "vetted", "Vetted"
        AWARDED = "awarded", "Awarded"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    reference = models.CharField(max_length=40, unique=True, help_text="The application reference, e.g. R1-0042.")
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_projects", null=True, blank=True
    )
    lead_name = models.CharField(max_length=200, help_text="The lead researcher's name as it appears publicly.")
    institution = models.CharField(max_length=200, blank=True, help_text="Leave blank for an independent researcher.")
    institution_org_id = models.CharField(
        "institution org-id",
        max_length=80,
        blank=True,
        help_text="An org-id.guide identifier, e.g. GB-EDU-133795.",
    )
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. GB.")
    research_area = models.ForeignKey(ResearchArea, on_delete=models.PROTECT, related_name="projects")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="projects")
    amount_requested = MoneyField(
        max_digits=14,
        decimal_places=2,
        default_currency=BASE_CURRENCY,
        currency_choices=[(BASE_CURRENCY, BASE_CURRENCY)],
        validators=[MinMoneyValidator({BASE_CURRENCY: Decimal("0.01")})],
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    panel_score = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text="The review panel's score, 0 to 10.",
    )
    vetted_on = models.DateField(null=True, blank=True)
    compute_requested = models.BooleanField(default=False)
    expert_support_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        indexes = [
            # The back office's country filter skips through this index for the countries there are.
            models.Index(fields=["country"], name="project_country"),
            # The waitlist, in its order: the best waiting projects without sorting every project, and their count.
            models.Index(
                fields=["-panel_score", "vetted_on", "id"], name="project_waitlist", condition=Q(status="vetted")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_requested_currency=BASE_CURRENCY), name="project_requested_in_gbp"
            ),
            models.CheckConstraint(
                condition=Q(panel_score__isnull=True) | Q(panel_score__gte=0, panel_score__lte=10),
                name="project_panel_score_0_to_10",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["vetted", "awarded"]) | Q(vetted_on__isnull=False, panel_score__isnull=False),
                name="project_vetted_has_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("grants:project", args=[self.pk])

    @property
    def is_independent(self) -> bool:
        return not self.institution
