"""The awards a funder's money supports: its share of each award, fixed when the award was made. A funder's contact
sees their own funder's shares only; administrators see every funder's."""

from __future__ import annotations

from decimal import Decimal

import django_filters.rest_framework as filters
from django.db import models
from django.db.models import OuterRef, Subquery, Sum
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from alignment_fund.access import is_administrator
from alignment_fund.api.fields import MoneyField, money_json
from alignment_fund.api.filters import IdFilter, ISODateFilter, ModelIdFilter
from alignment_fund.api.permissions import FundersAndAdministrators
from alignment_fund.api.views import APIViewSet
from alignment_fund.money import BASE_CURRENCY, round_money
from grants.api.awards import RoundBriefSerializer
from grants.api.common import FunderBriefSerializer, LongListPagination, funders_for_filter
from grants.models import Award, AwardAttribution, Disbursement
from grants.reads.attribution import payment_parts
from grants.reads.pool_overview import ZERO
from projects.api import ResearchAreaBriefSerializer
from projects.models import ResearchArea, Round


def attributions_visible_to(user) -> models.QuerySet[AwardAttribution]:
    """A funder's contact sees their own funder's share of each award, never another funder's."""
    if is_administrator(user):
        return AwardAttribution.objects.all()
    if user.is_authenticated and user.funder_id is not None:
        return AwardAttribution.objects.filter(funder_id=user.funder_id)
    return AwardAttribution.objects.none()


# Attributions: the awards a funder's money supports


class AttributedAwardSerializer(serializers.ModelSerializer):
    """The award an attribution belongs to, without its whole amount or the funder's fraction of it (as on the
    funder's dashboard). Award amounts are published in the 360Giving export, so beside one the funder's own part
    tells what the award's other funders paid for together; nothing here narrows it further. Administrators read
    award amounts from /api/awards/."""

    round = RoundBriefSerializer(read_only=True)
    project_reference = serializers.CharField(source="project.reference", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    research_area = ResearchAreaBriefSerializer(source="project.research_area", read_only=True)

    class Meta:
        model = Award
        fields = [
            "id",
            "reference",
            "status",
            "awarded_on",
            "round",
            "project_reference",
            "project_title",
            "research_area",
        ]


class AttributionSerializer(serializers.ModelSerializer):
    award = AttributedAwardSerializer(read_only=True)
    funder = FunderBriefSerializer(read_only=True)
    amount = MoneyField(read_only=True, help_text="The part of the award this funder's money paid for, in GBP.")
    disbursed = serializers.SerializerMethodField(help_text="This funder's part of the award's payments so far.")
    committed = serializers.SerializerMethodField(help_text="This funder's part not yet paid (none if terminated).")

    class Meta:
        model = AwardAttribution
        fields = ["id", "award", "funder", "amount", "disbursed", "committed", "basis"]

    def _disbursed(self, attribution) -> Decimal:
        # Each funder's part of the award's payments, split so that the parts add up to what was paid (the view
        # works them out for the whole page at once).
        return self.context["payment_parts"].get((attribution.award_id, attribution.funder_id), ZERO)

    @extend_schema_field(MoneyField)
    def get_disbursed(self, attribution) -> dict:
        return money_json(self._disbursed(attribution), BASE_CURRENCY)

    @extend_schema_field(MoneyField)
    def get_committed(self, attribution) -> dict:
        live = attribution.award.status != Award.Status.TERMINATED
        left = attribution.amount.amount - self._disbursed(attribution) if live else ZERO
        return money_json(left, BASE_CURRENCY)


class AttributionFilter(filters.FilterSet):
    funder = ModelIdFilter(queryset=funders_for_filter, noun="funder")
    award = IdFilter(field_name="award_id", noun="award")
    round = ModelIdFilter(field_name="award__round", queryset=Round.objects.all(), noun="round")
    research_area = ModelIdFilter(
        field_name="award__project__research_area", queryset=ResearchArea.objects.all(), noun="research area"
    )
    status = filters.ChoiceFilter(field_name="award__status", choices=Award.Status.choices)
    awarded_from = ISODateFilter(field_name="award__awarded_on", lookup_expr="gte", label="Awarded on or after")
    awarded_to = ISODateFilter(field_name="award__awarded_on", lookup_expr="lte", label="Awarded on or before")

    class Meta:
        model = AwardAttribution
        fields = ["funder", "award", "round", "research_area", "status", "awarded_from", "awarded_to"]


@extend_schema(tags=["contributions"], responses={200: AttributionSerializer})
class AttributionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """The awards a funder's money supports: its share of each, fixed when the award was made."""

    serializer_class = AttributionSerializer
    pagination_class = LongListPagination
    permission_classes = [IsAuthenticated, FundersAndAdministrators]
    filterset_class = AttributionFilter

    def get_queryset(self):
        paid_on_award = (
            Disbursement.objects.filter(award_id=OuterRef("award_id"))
            .order_by()
            .values("award_id")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return (
            attributions_visible_to(self.request.user)
            .select_related("funder", "award__round", "award__project__research_area")
            # A correlated subquery, not a join and GROUP BY: the database works it out for the rows of the page
            # only, after the LIMIT, instead of adding up every payment of every attribution first.
            .annotate(award_paid=Subquery(paid_on_award))
            .order_by("award__awarded_on", "award__reference", "funder__name")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer(page, many=True, context=self._context_for(page))
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        attribution = self.get_object()
        return Response(self.get_serializer(attribution, context=self._context_for([attribution])).data)

    def _context_for(self, attributions) -> dict:
        paid = {attribution.award_id: round_money(attribution.award_paid or 0) for attribution in attributions}
        return {**self.get_serializer_context(), "payment_parts": payment_parts(paid)}
