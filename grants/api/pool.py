"""The pool as a whole on a date, in GBP and USD with the rates used: totals only for a funder's contact, every
figure for administrators."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from alignment_fund.access import is_administrator
from alignment_fund.api.fields import FundDateField, MoneySerializer, RateSerializer, money_json, rate_json
from alignment_fund.api.permissions import FundersAndAdministrators
from alignment_fund.api.views import APIViewSet
from alignment_fund.clock import fund_today
from alignment_fund.money import BASE_CURRENCY, CURRENCIES
from alignment_fund.rates.models import RateUnavailable
from funders.models import Funder
from grants.reads.pool_overview import administrators_pool, load_rate_book, pool_overview

# The pool as a whole


class PoolFigureSerializer(serializers.Serializer):
    gbp = serializers.SerializerMethodField()
    usd = serializers.SerializerMethodField()

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_gbp(self, figure) -> dict | None:
        return None if figure.gbp is None else money_json(figure.gbp, "GBP")

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_usd(self, figure) -> dict | None:
        return None if figure.usd is None else money_json(figure.usd, "USD")


class PoolGroupSerializer(serializers.Serializer):
    label = serializers.CharField()
    award_count = serializers.IntegerField()
    awarded = PoolFigureSerializer()
    disbursed = PoolFigureSerializer()
    committed = PoolFigureSerializer()


class PoolSerializer(serializers.Serializer):
    """The pool as a funder's contact sees it: no figure includes the money of a funder who keeps its amounts
    private, so none can give it away, on one date or by comparing two."""

    on = serializers.DateField()
    pledged = PoolFigureSerializer(
        help_text="Pledged by the funders counted in funders_counted (those who disclose their amounts, and yours), "
        "at the day's reference rates."
    )
    received = PoolFigureSerializer(help_text="Received from the same funders, at the day's reference rates.")
    funders_counted = serializers.IntegerField(help_text="Funders whose money is in pledged and received.")
    funders_left_out = serializers.IntegerField(
        source="left_out", help_text="Funders who keep their amounts private: their money is in no figure here."
    )
    counted = serializers.CharField(help_text="Whose money pledged and received add up, in words.")
    awarded = PoolFigureSerializer(help_text="Every award made, whoever paid for it: awards are published.")
    committed = PoolFigureSerializer(help_text="Awarded and not yet paid.")
    disbursed = PoolFigureSerializer()
    award_count = serializers.IntegerField()
    rounds = PoolGroupSerializer(many=True)
    research_areas = PoolGroupSerializer(source="areas", many=True)
    backers = serializers.ListField(
        child=serializers.CharField(),
        help_text="Other funders, by name only, and only those who may be named publicly.",
    )
    rates = serializers.SerializerMethodField(help_text="The reference rates behind every GBP and USD figure above.")

    @extend_schema_field(RateSerializer(many=True))
    def get_rates(self, pool) -> list[dict]:
        return [rate_json(quote) for quote in self.context["rates"]]


class FundersPoolSchema(OpenApiSerializerExtension):
    """The funder's pool has none of the administrators' figures: said in the schema (no other properties), so an
    administrator's answer, which has every property of the funder's and more, matches one branch of the answer's
    oneOf and not both."""

    target_class = PoolSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


class AdministratorsPoolSerializer(PoolSerializer):
    """The pool with every figure, for administrators: every funder's money, and the figures that mix it all."""

    value = PoolFigureSerializer(help_text="Cash held plus pledges still to arrive (compute-only cash excluded).")
    headroom = PoolFigureSerializer(help_text="What can still be awarded.")


class PoolQuery(serializers.Serializer):
    on = FundDateField(required=False, help_text="Value the pool on this date (default: today).")


@extend_schema(tags=["contributions"])
class PoolView(APIView):
    """The pool as a whole on a date, in GBP and USD with the rates used.

    A funder's contact sees totals only, and no figure includes the money of another funder who keeps its amounts
    private: pledged and received add up the funders who disclose their amounts and the contact's own, award figures
    are the published awards, and cash, pool value and headroom, which mix everyone's money, are left out. Other
    funders appear by name only, and only if they may be named. Administrators see every figure."""

    authentication_classes = APIViewSet.authentication_classes
    renderer_classes = APIViewSet.renderer_classes
    permission_classes = [IsAuthenticated, FundersAndAdministrators]

    @extend_schema(
        parameters=[PoolQuery],
        responses={
            200: PolymorphicProxySerializer(
                component_name="PoolResponse",
                serializers=[PoolSerializer, AdministratorsPoolSerializer],
                resource_type_field_name=None,
            ),
        },
    )
    def get(self, request):
        query = PoolQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or fund_today()
        book = load_rate_book(on)
        try:
            quotes = [book.quote(currency, BASE_CURRENCY, on) for currency in CURRENCIES if currency != BASE_CURRENCY]
            quotes.append(book.quote(BASE_CURRENCY, "USD", on))
        except RateUnavailable as exc:
            raise serializers.ValidationError({"on": [str(exc)]}) from exc
        if is_administrator(request.user):
            serializer = AdministratorsPoolSerializer(administrators_pool(on, book), context={"rates": quotes})
        else:
            pool = pool_overview(on, Funder.objects.get(pk=request.user.funder_id), book)
            serializer = PoolSerializer(pool, context={"rates": quotes})
        return Response(serializer.data)
