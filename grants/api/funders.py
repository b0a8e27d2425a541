"""The funder-facing API: a funder's contributions (pledges, receipts, conversions), the awards its money supports
(attributions) and the pool as a whole. A funder's contact sees their own funder's records only; administrators see
everything and are the only ones who record pledges, receipts and conversions (through grants.actions).
"""

from __future__ import annotations

from decimal import Decimal

import django_filters.rest_framework as filters
from django.db import models
from django.db.models import Sum
from djmoney.money import Money
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from alignment_fund.access import is_administrator
from alignment_fund.api.fields import (
    FundDateField,
    GBPMoneyField,
    IdField,
    MoneyField,
    MoneySerializer,
    RateSerializer,
    StrictBooleanField,
    ValuedSerializer,
    money_json,
    rate_json,
    valued_json,
)
from alignment_fund.api.filters import BooleanChoiceFilter, ISODateFilter
from alignment_fund.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from alignment_fund.api.permissions import AdministratorsWrite, FundersAndAdministrators
from alignment_fund.api.serializers import InputSerializer
from alignment_fund.api.views import READ_ERRORS, WRITE_ERRORS, APIViewSet, run_action
from alignment_fund.clock import fund_today
from alignment_fund.money import BASE_CURRENCY, CURRENCIES
from alignment_fund.rates.models import RateBook, RateUnavailable
from funders.models import Conversion, Funder, Pledge, Receipt
from grants import actions
from grants.api.awards import RoundBriefSerializer
from grants.models import Award, AwardAttribution
from grants.position import value
from grants.reads.pool_overview import ZERO, administrators_pool, attributed_disbursed, load_rate_book, pool_overview
from projects.api import ResearchAreaBriefSerializer
from projects.models import ResearchArea, Round

CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]
CONTRIBUTION_PERMISSIONS = [IsAuthenticated, FundersAndAdministrators, AdministratorsWrite]


# Scoped look-ups: what this user may see. The models' own `visible_to` where there is one.


def funders_visible_to(user) -> models.QuerySet[Funder]:
    if is_administrator(user):
        return Funder.objects.all()
    if user.is_authenticated and user.funder_id is not None:
        return Funder.objects.filter(pk=user.funder_id)
    return Funder.objects.none()


def conversions_visible_to(user) -> models.QuerySet[Conversion]:
    return Conversion.objects.filter(receipt__in=Receipt.objects.visible_to(user))


def attributions_visible_to(user) -> models.QuerySet[AwardAttribution]:
    """A funder's contact sees their own funder's share of each award, never another funder's."""
    if is_administrator(user):
        return AwardAttribution.objects.all()
    if user.is_authenticated and user.funder_id is not None:
        return AwardAttribution.objects.filter(funder_id=user.funder_id)
    return AwardAttribution.objects.none()


def _funders_for_filter(request):
    # A filter can only name funders the user may see: another funder's id is "not a valid choice", like a
    # funder that does not exist.
    return funders_visible_to(request.user) if request is not None else Funder.objects.none()


# Valuing amounts in GBP and USD


class ValuedListSerializer(serializers.ListSerializer):
    """Loads the reference rates for a whole page in one query, so valuing each row costs no query."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        dates = [getattr(row, self.child.valued_on) for row in rows]
        if dates:
            self.context["rate_book"] = RateBook.load(since=min(dates), until=max(dates))
        return super().to_representation(rows)


class ValuedModelSerializer(serializers.ModelSerializer):
    """A record whose `amount` is shown in GBP and USD at the reference rates of its own date (`valued_on`)."""

    valued_on = "pledged_on"
    valued = serializers.SerializerMethodField(
        help_text="The amount in GBP and USD at the reference rates of the record's own date, with the rates used; "
        "null if no rate was published that early."
    )

    @extend_schema_field(ValuedSerializer(allow_null=True))
    def get_valued(self, obj) -> dict | None:
        on = getattr(obj, self.valued_on)
        book = self.context.get("rate_book")
        if book is None:
            book = self.context["rate_book"] = RateBook.load(since=on, until=on)
        try:
            return valued_json(value(obj.amount.amount, obj.amount_currency, on, book), on)
        except RateUnavailable:
            return None


class FunderBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Funder
        fields = ["id", "name"]


class FunderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Funder
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "country",
            "org_id",
            "website",
            "currency",
            "disclose_amounts",
            "publicly_named",
            "administered_by",
            "gives_compute",
        ]


class FunderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Funders: every funder for administrators, their own for a funder's contact."""

    serializer_class = FunderSerializer
    permission_classes = [IsAuthenticated, FundersAndAdministrators]

    def get_queryset(self):
        return funders_visible_to(self.request.user).order_by("name")


# Pledges


class PledgeSerializer(ValuedModelSerializer):
    funder = FunderBriefSerializer(read_only=True)
    amount = MoneyField(read_only=True)
    received = serializers.SerializerMethodField(help_text="Received so far against this pledge, in its currency.")
    outstanding = serializers.SerializerMethodField(help_text="Still to arrive, in the pledge's currency.")
    note = serializers.CharField(read_only=True, help_text="Administrators only.")

    class Meta:
        model = Pledge
        list_serializer_class = ValuedListSerializer
        fields = [
            "id",
            "reference",
            "funder",
            "amount",
            "pledged_on",
            "valued",
            "received",
            "outstanding",
            "restricted_to_round",
            "restricted_to_area",
            "compute_only",
            "illustrative",
            "note",
        ]

    @extend_schema_field(MoneyField)
    def get_received(self, pledge) -> dict:
        return MoneyField().to_representation(Money(pledge.received_total or 0, pledge.amount_currency))

    @extend_schema_field(MoneyField)
    def get_outstanding(self, pledge) -> dict:
        left = pledge.amount.amount - (pledge.received_total or 0)
        return MoneyField().to_representation(Money(left, pledge.amount_currency))

    def to_representation(self, pledge) -> dict:
        data = super().to_representation(pledge)
        if not is_administrator(self.context["request"].user):
            # The administrators' working note ("chase in March") is not part of the funder's record.
            data.pop("note")
        return data


class PledgeInput(InputSerializer):
    funder = IdField("funder", queryset=Funder.objects.all())
    amount = MoneyField(help_text="In the funder's currency.")
    pledged_on = FundDateField()
    reference = serializers.CharField(max_length=40)
    restricted_to_round = IdField("round", queryset=Round.objects.all(), required=False, allow_null=True)
    restricted_to_area = IdField("research area", queryset=ResearchArea.objects.all(), required=False, allow_null=True)
    compute_only = StrictBooleanField(required=False, default=False)
    illustrative = StrictBooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PledgeFilter(filters.FilterSet):
    funder = filters.ModelChoiceFilter(queryset=_funders_for_filter)
    currency = filters.ChoiceFilter(field_name="amount_currency", choices=CURRENCY_CHOICES)
    pledged_from = ISODateFilter(field_name="pledged_on", lookup_expr="gte", label="Pledged on or after")
    pledged_to = ISODateFilter(field_name="pledged_on", lookup_expr="lte", label="Pledged on or before")
    round = filters.ModelChoiceFilter(field_name="restricted_to_round", queryset=Round.objects.all())
    compute_only = BooleanChoiceFilter()

    class Meta:
        model = Pledge
        fields = ["funder", "currency", "pledged_from", "pledged_to", "round", "compute_only"]


@extend_schema(tags=["contributions"], responses={200: PledgeSerializer, **READ_ERRORS})
class PledgeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Pledges: a funder's contact sees their own funder's; administrators see and record all."""

    serializer_class = PledgeSerializer
    permission_classes = CONTRIBUTION_PERMISSIONS
    filterset_class = PledgeFilter

    def get_queryset(self):
        return (
            Pledge.objects.visible_to(self.request.user)
            .select_related("funder")
            .annotate(received_total=Sum("receipts__amount"))
            .order_by("pledged_on", "pk")
        )

    @extend_schema(
        request=PledgeInput,
        responses={201: PledgeSerializer, **WRITE_ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        data = self.validated(PledgeInput)
        amount = data.pop("amount")
        pledge = run_action(
            actions.do_record_pledge,
            request.user,
            amount=amount.amount,
            currency=amount.currency.code,
            rename={"currency": "amount"},
            **data,
        )
        return self.created(pledge)


# Receipts


class ReceiptSerializer(ValuedModelSerializer):
    valued_on = "received_on"
    funder = FunderBriefSerializer(source="pledge.funder", read_only=True)
    pledge_reference = serializers.CharField(source="pledge.reference", read_only=True)
    amount = MoneyField(read_only=True)
    unconverted = serializers.SerializerMethodField(help_text="Not yet exchanged into pounds.")

    class Meta:
        model = Receipt
        list_serializer_class = ValuedListSerializer
        fields = [
            "id",
            "pledge",
            "pledge_reference",
            "funder",
            "amount",
            "received_on",
            "valued",
            "unconverted",
            "bank_reference",
        ]

    @extend_schema_field(MoneyField)
    def get_unconverted(self, receipt) -> dict:
        left = receipt.amount.amount - (receipt.converted_total or 0)
        return MoneyField().to_representation(Money(left, receipt.amount_currency))


class ReceiptInput(InputSerializer):
    pledge = IdField("pledge", queryset=Pledge.objects.all())
    amount = MoneyField(help_text="In the pledge's currency.")
    received_on = FundDateField()
    bank_reference = serializers.CharField(max_length=80)


class ReceiptFilter(filters.FilterSet):
    funder = filters.ModelChoiceFilter(field_name="pledge__funder", queryset=_funders_for_filter)
    pledge = filters.NumberFilter(field_name="pledge_id")
    currency = filters.ChoiceFilter(field_name="amount_currency", choices=CURRENCY_CHOICES)
    received_from = ISODateFilter(field_name="received_on", lookup_expr="gte", label="Received on or after")
    received_to = ISODateFilter(field_name="received_on", lookup_expr="lte", label="Received on or before")

    class Meta:
        model = Receipt
        fields = ["funder", "pledge", "currency", "received_from", "received_to"]


@extend_schema(tags=["contributions"], responses={200: ReceiptSerializer, **READ_ERRORS})
class ReceiptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Money that arrived against pledges: a funder's contact sees their own funder's."""

    serializer_class = ReceiptSerializer
    permission_classes = CONTRIBUTION_PERMISSIONS
    filterset_class = ReceiptFilter

    def get_queryset(self):
        return (
            Receipt.objects.visible_to(self.request.user)
            .select_related("pledge__funder")
            .annotate(converted_total=Sum("conversions__amount_sold"))
            .order_by("received_on", "pk")
        )

    @extend_schema(
        request=ReceiptInput,
        responses={201: ReceiptSerializer, **WRITE_ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        data = self.validated(ReceiptInput)
        amount = data.pop("amount")
        receipt = run_action(
            actions.do_record_receipt,
            request.user,
            amount=amount.amount,
            currency=amount.currency.code,
            rename={"currency": "amount"},
            **data,
        )
        return self.created(receipt)


# Conversions


class ConversionSerializer(serializers.ModelSerializer):
    funder = FunderBriefSerializer(source="receipt.pledge.funder", read_only=True)
    amount_sold = MoneyField(read_only=True)
    gbp_credited = MoneyField(read_only=True)
    dealt_rate = serializers.SerializerMethodField(help_text="The rate the bank dealt: GBP credited per unit sold.")

    class Meta:
        model = Conversion
        fields = [
            "id",
            "receipt",
            "funder",
            "amount_sold",
            "gbp_credited",
            "dealt_rate",
            "converted_on",
            "bank_reference",
        ]

    @extend_schema_field(RateSerializer)
    def get_dealt_rate(self, conversion) -> dict:
        return {
            "pair": f"{conversion.amount_sold_currency}/{BASE_CURRENCY}",
            "rate": f"{conversion.dealt_rate.normalize():f}",
            "date": conversion.converted_on.isoformat(),
            "source": "dealt",
            "derived_from": f"{conversion.gbp_credited.amount:.2f} {BASE_CURRENCY} credited for "
            f"{conversion.amount_sold.amount:.2f} {conversion.amount_sold_currency} sold",
        }


class ConversionInput(InputSerializer):
    receipt = IdField("receipt", queryset=Receipt.objects.all())
    amount_sold = MoneyField(
        currencies=[c for c in CURRENCIES if c != BASE_CURRENCY],
        currency_message="Only cash in another currency is converted into pounds, not {currency}.",
        help_text="In the receipt's currency.",
    )
    gbp_credited = GBPMoneyField(help_text="What the bank credited, in pounds.")
    converted_on = FundDateField()
    bank_reference = serializers.CharField(max_length=80)

    def validate(self, data):
        receipt, sold = data["receipt"], data["amount_sold"]
        if receipt.amount_currency != BASE_CURRENCY and sold.currency.code != receipt.amount_currency:
            raise serializers.ValidationError(
                {"amount_sold": [f"This receipt is in {receipt.amount_currency}: sell that currency."]}
            )
        return data


class ConversionFilter(filters.FilterSet):
    funder = filters.ModelChoiceFilter(field_name="receipt__pledge__funder", queryset=_funders_for_filter)
    receipt = filters.NumberFilter(field_name="receipt_id")
    currency = filters.ChoiceFilter(field_name="amount_sold_currency", choices=CURRENCY_CHOICES)
    converted_from = ISODateFilter(field_name="converted_on", lookup_expr="gte", label="Converted on or after")
    converted_to = ISODateFilter(field_name="converted_on", lookup_expr="lte", label="Converted on or before")

    class Meta:
        model = Conversion
        fields = ["funder", "receipt", "currency", "converted_from", "converted_to"]


@extend_schema(tags=["contributions"], responses={200: ConversionSerializer, **READ_ERRORS})
class ConversionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Foreign cash exchanged into pounds at the rate the bank dealt."""

    serializer_class = ConversionSerializer
    permission_classes = CONTRIBUTION_PERMISSIONS
    filterset_class = ConversionFilter

    def get_queryset(self):
        return (
            conversions_visible_to(self.request.user)
            .select_related("receipt__pledge__funder")
            .order_by("converted_on", "pk")
        )

    @extend_schema(
        request=ConversionInput,
        responses={201: ConversionSerializer, **WRITE_ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        data = self.validated(ConversionInput)
        conversion = run_action(
            actions.do_record_conversion,
            request.user,
            receipt=data["receipt"],
            amount_sold=data["amount_sold"].amount,
            gbp_credited=data["gbp_credited"].amount,
            converted_on=data["converted_on"],
            bank_reference=data["bank_reference"],
        )
        return self.created(conversion)


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
        return attributed_disbursed(
            attribution.award_paid or ZERO, attribution.amount.amount, attribution.award.amount.amount
        )

    @extend_schema_field(MoneyField)
    def get_disbursed(self, attribution) -> dict:
        return money_json(self._disbursed(attribution), BASE_CURRENCY)

    @extend_schema_field(MoneyField)
    def get_committed(self, attribution) -> dict:
        live = attribution.award.status != Award.Status.TERMINATED
        left = attribution.amount.amount - self._disbursed(attribution) if live else ZERO
        return money_json(left, BASE_CURRENCY)


class AttributionFilter(filters.FilterSet):
    funder = filters.ModelChoiceFilter(queryset=_funders_for_filter)
    award = filters.NumberFilter(field_name="award_id")
    round = filters.ModelChoiceFilter(field_name="award__round", queryset=Round.objects.all())
    research_area = filters.ModelChoiceFilter(
        field_name="award__project__research_area", queryset=ResearchArea.objects.all()
    )
    status = filters.ChoiceFilter(field_name="award__status", choices=Award.Status.choices)
    awarded_from = ISODateFilter(field_name="award__awarded_on", lookup_expr="gte", label="Awarded on or after")
    awarded_to = ISODateFilter(field_name="award__awarded_on", lookup_expr="lte", label="Awarded on or before")

    class Meta:
        model = AwardAttribution
        fields = ["funder", "award", "round", "research_area", "status", "awarded_from", "awarded_to"]


@extend_schema(tags=["contributions"], responses={200: AttributionSerializer, **READ_ERRORS})
class AttributionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """The awards a funder's money supports: its share of each, fixed when the award was made."""

    serializer_class = AttributionSerializer
    permission_classes = [IsAuthenticated, FundersAndAdministrators]
    filterset_class = AttributionFilter

    def get_queryset(self):
        return (
            attributions_visible_to(self.request.user)
            .select_related("funder", "award__round", "award__project__research_area")
            .annotate(award_paid=Sum("award__disbursements__amount"))
            .order_by("award__awarded_on", "award__reference", "funder__name")
        )


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
            400: WRITE_ERRORS[400],
            **READ_ERRORS,
        },
    )
    def get(self, request):
        query = PoolQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or fund_today()
        book = load_rate_book(on)
        try:
            quotes = [book.quote(c, BASE_CURRENCY, on) for c in CURRENCIES if c != BASE_CURRENCY]
            quotes.append(book.quote(BASE_CURRENCY, "USD", on))
        except RateUnavailable as exc:
            raise serializers.ValidationError({"on": [str(exc)]}) from exc
        if is_administrator(request.user):
            serializer = AdministratorsPoolSerializer(administrators_pool(on, book), context={"rates": quotes})
        else:
            pool = pool_overview(on, Funder.objects.get(pk=request.user.funder_id), book)
            serializer = PoolSerializer(pool, context={"rates": quotes})
        return Response(serializer.data)
