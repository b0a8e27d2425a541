from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from djmoney.models.fields import MoneyField
from djmoney.models.validators import MinMoneyValidator
from simple_history.models import HistoricalRecords

from alignment_fund.access import is_administrator
from alignment_fund.money import BASE_CURRENCY, CURRENCIES, dealt_rate
from alignment_fund.reversible import EveryRecordManager, LiveManager, Reversible

CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]
POSITIVE = MinMoneyValidator({c: Decimal("0.01") for c in CURRENCIES})


class FunderQuerySet(models.QuerySet):
    def disclosed(self) -> "FunderQuerySet":
        return self.filter(disclose_amounts=True)


class Funder(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", "Government"
        PHILANTHROPY = "philanthropy", "Philanthropy"
        INDUSTRY = "industry", "Industry"
        ACADEMIC = "academic", "Academic"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. GB.")
    org_id = models.CharField(
        "org-id", max_length=80, blank=True, help_text="An org-id.guide identifier where one is known."
    )
    website = models.URLField(blank=True)
    currency = models.CharField(
        max_length=3, choices=CURRENCY_CHOICES, default=BASE_CURRENCY, help_text="The currency it pledges in."
    )
    disclose_amounts = models.BooleanField(
        default=True,
        help_text="Whether other funders and the public may see this funder's amounts. The name is always shown "
        "as a backer only if this is on or the funder is publicly announced.",
    )
    publicly_named = models.BooleanField(
        default=True, help_text="Whether the funder's name may be shown to other funders and the public."
    )
    administered_by = models.CharField(
        max_length=200, blank=True, help_text="An organisation that administers this funder's grant, if any."
    )
    gives_compute = models.BooleanField(default=False, help_text="Also gives compute resources in kind.")
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    objects = FunderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FunderContact(models.Model):
    """A user who speaks for a funder and sees its dashboard."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="funder_contact")
    funder = models.ForeignKey(Funder, on_delete=models.CASCADE, related_name="contacts")
    job_title = models.CharField(max_length=120, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.user} ({self.funder})"


class PledgeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PledgeQuerySet":
        """Administrators see every pledge; a funder's contact only their funder's."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if is_administrator(user):
            return self
        if user.funder_id is None:
            return self.none()
        return self.filter(funder_id=user.funder_id)


def describe_restriction(round_name: str | None, area_name: str | None, compute_only: bool) -> str:
    """A pledge's restriction in words, from its round's and research area's names (None: not restricted to one)."""
    parts = []
    if round_name is not None:
        parts.append(f"round: {round_name}")
    if area_name is not None:
        parts.append(f"area: {area_name}")
    if compute_only:
        parts.append("compute only")
    return ", ".join(parts) or "unrestricted"


class Pledge(Reversible):
    """A funder's commitment, in its own currency, on a date; optionally restricted."""

    reference = models.CharField(max_length=40, help_text="Unique among live pledges.")
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="pledges")
    amount = MoneyField(
        max_digits=14,
        decimal_places=2,
        default_currency=BASE_CURRENCY,
        currency_choices=CURRENCY_CHOICES,
        validators=[POSITIVE],
    )
    pledged_on = models.DateField()
    restricted_to_round = models.ForeignKey(
        "projects.Round", on_delete=models.PROTECT, null=True, blank=True, related_name="restricted_pledges"
    )
    restricted_to_area = models.ForeignKey(
        "projects.ResearchArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restricted_pledges",
    )
    compute_only = models.BooleanField(
        default=False, help_text="Given for compute only: never counted toward cash awards."
    )
    illustrative = models.BooleanField(
        default=False, help_text="The amount is invented for the demo: no public figure exists."
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LiveManager.from_queryset(PledgeQuerySet)()
    all_objects = PledgeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["pledged_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(reversed_at__isnull=True),
                name="pledge_reference_unique_while_live",
                violation_error_message="Pledge with this Reference already exists.",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_amount_positive"),
            models.CheckConstraint(condition=Q(amount_currency__in=CURRENCIES), name="pledge_currency_known"),
        ]

    def __str__(self) -> str:
        return f"{self.funder}: {self.amount} on {self.pledged_on:%d %b %Y}"

    @property
    def restriction(self) -> str:
        return describe_restriction(
            self.restricted_to_round.name if self.restricted_to_round_id else None,
            self.restricted_to_area.name if self.restricted_to_area_id else None,
            self.compute_only,
        )


class PledgeInstalment(models.Model):
    """When part of a pledge is expected to arrive: the instalments of a pledge add up to it, in its currency. They
    are expectations, not money: receipts cover them in date order (`grants.reads.instalments`)."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="instalments")
    expected_on = models.DateField()
    amount = MoneyField(
        max_digits=14,
        decimal_places=2,
        default_currency=BASE_CURRENCY,
        currency_choices=CURRENCY_CHOICES,
        validators=[POSITIVE],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["pledge", "expected_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pledge", "expected_on"], name="one_instalment_per_pledge_and_day"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(condition=Q(amount_currency__in=CURRENCIES), name="instalment_currency_known"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} expected on {self.expected_on:%d %b %Y}"


class ReceiptQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReceiptQuerySet":
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if is_administrator(user):
            return self
        if user.funder_id is None:
            return self.none()
        return self.filter(pledge__funder_id=user.funder_id)


class Receipt(Reversible):
    """Money that actually arrived against a pledge."""

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="receipts")
    amount = MoneyField(
        max_digits=14,
        decimal_places=2,
        default_currency=BASE_CURRENCY,
        currency_choices=CURRENCY_CHOICES,
        validators=[POSITIVE],
    )
    received_on = models.DateField()
    bank_reference = models.CharField(
        max_length=80,
        help_text="The bank's reference: the same payment can be recorded only once (a reversed receipt's can be "
        "used again by the corrected one).",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LiveManager.from_queryset(ReceiptQuerySet)()
    all_objects = ReceiptQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_reference"],
                condition=Q(reversed_at__isnull=True),
                name="receipt_bank_reference_unique_while_live",
                violation_error_message="A receipt with this bank reference is already recorded.",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
            models.CheckConstraint(condition=Q(amount_currency__in=CURRENCIES), name="receipt_currency_known"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} from {self.pledge.funder} on {self.received_on:%d %b %Y}"

    def clean(self) -> None:
        if self.pledge_id and self.amount_currency != self.pledge.amount_currency:
            raise ValidationError(
                {"amount": f"This pledge is in {self.pledge.amount_currency}: record the receipt in that currency."}
            )


class Conversion(Reversible):
    """Non-GBP cash from a receipt exchanged into GBP at the rate the bank dealt; the GBP is what the bank credited."""

    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="conversions")
    amount_sold = MoneyField(
        max_digits=14,
        decimal_places=2,
        default_currency="USD",
        currency_choices=CURRENCY_CHOICES,
        validators=[POSITIVE],
    )
    gbp_credited = MoneyField(
        "GBP credited",
        max_digits=14,
        decimal_places=2,
        default_currency=BASE_CURRENCY,
        currency_choices=[(BASE_CURRENCY, BASE_CURRENCY)],
        validators=[POSITIVE],
    )
    dealt_rate = models.DecimalField(
        max_digits=20, decimal_places=10, editable=False, help_text="GBP credited per unit sold."
    )
    converted_on = models.DateField()
    bank_reference = models.CharField(max_length=80)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LiveManager()
    all_objects = EveryRecordManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["converted_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_reference"],
                condition=Q(reversed_at__isnull=True),
                name="conversion_bank_reference_unique_while_live",
                violation_error_message="A conversion with this bank reference is already recorded.",
            ),
            models.CheckConstraint(condition=Q(amount_sold__gt=0), name="conversion_sold_positive"),
            models.CheckConstraint(condition=Q(gbp_credited__gt=0), name="conversion_credit_positive"),
            models.CheckConstraint(condition=Q(gbp_credited_currency=BASE_CURRENCY), name="conversion_into_gbp"),
            models.CheckConstraint(
                condition=~Q(amount_sold_currency=BASE_CURRENCY), name="conversion_sells_foreign_cash"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_sold} → {self.gbp_credited} on {self.converted_on:%d %b %Y}"

    def save(self, *args, **kwargs) -> None:
        if self.amount_sold is not None and self.gbp_credited is not None:
            self.dealt_rate = dealt_rate(self.amount_sold.amount, self.gbp_credited.amount)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.amount_sold_currency == BASE_CURRENCY:
            errors["amount_sold"] = "Only non-GBP cash is converted into GBP."
        elif self.receipt_id and self.amount_sold_currency != self.receipt.amount_currency:
            errors["amount_sold"] = f"This receipt is in {self.receipt.amount_currency}: sell that currency."
        if errors:
            raise ValidationError(errors)
