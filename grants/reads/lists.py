"""The administrators' lists of awards and projects: the rows of one page and the totals of the whole filtered set,
each in one query (SQL sums, never a sum across currencies: awards and requests are in pounds by constraint)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from alignment_fund.money import BASE_CURRENCY
from grants.models import Disbursement
from grants.reads.position import money_sum

PAGE_SIZE = 50


def _paid():
    rows = (
        Disbursement.objects.filter(award=OuterRef("pk"), amount_currency=BASE_CURRENCY)
        .values("award")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(rows), Value(Decimal("0")), output_field=DecimalField(max_digits=16, decimal_places=2))


def award_rows(awards: QuerySet) -> QuerySet:
    """Awards with what each needs on the list, ordered newest first."""
    return (
        awards.select_related("project__research_area", "round")
        .annotate(paid=_paid())
        .order_by("-awarded_on", "-reference")
    )


def project_rows(projects: QuerySet) -> QuerySet:
    return projects.select_related("research_area", "round", "award").order_by("round__number", "reference")


@dataclass(frozen=True)
class AwardTotals:
    count: int
    awarded_gbp: Decimal
    paid_gbp: Decimal

    @property
    def unpaid_gbp(self) -> Decimal:
        return self.awarded_gbp - self.paid_gbp


def award_totals(awards: QuerySet) -> AwardTotals:
    """Count, amount awarded and paid of the filtered awards: two queries."""
    totals = awards.order_by().aggregate(count=Count("pk"), awarded=Sum("amount"))
    paid = Disbursement.objects.filter(
        award__in=awards.order_by().values("pk"), amount_currency=BASE_CURRENCY
    ).aggregate(total=Sum("amount"))["total"]
    return AwardTotals(totals["count"], money_sum(totals["awarded"]), money_sum(paid))


@dataclass(frozen=True)
class ProjectTotals:
    count: int
    requested_gbp: Decimal
    awarded_count: int
    awarded_gbp: Decimal


def project_totals(projects: QuerySet) -> ProjectTotals:
    """Count and amounts requested and awarded of the filtered projects: one query."""
    totals = projects.order_by().aggregate(
        count=Count("pk"),
        requested=Sum("amount_requested"),
        awarded_count=Count("award"),
        awarded=Sum("award__amount"),
    )
    return ProjectTotals(
        totals["count"], money_sum(totals["requested"]), totals["awarded_count"], money_sum(totals["awarded"])
    )
