"""A funder's contributions: its pledges, the money received against them and its conversion into
pounds. A funder's contact sees their own funder's records only; administrators see everything and are the only
ones who record pledges, receipts and conversions (through grants.actions).
"""

from __future__ import annotations

import django_filters.rest_framework as filters
from django.db import models
from django.db.models import Q, Sum
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.permissions import IsAuthenticated

from alignment_fund.access import is_administrator
from alignment_fund.api.fields import (
    FundDateField,
    GBPMoneyField,
    IdField,
    MoneyField,
    RateSerializer,
    StrictBooleanField,
)
from alignment_fund.api.filters import BooleanChoiceFilter, IdFilter, ISODateFilter, ModelIdFilter
from alignment_fund.api.idempotency import idempotent
from alignment_fund.api.permissions import AdministratorsWrite, FundersAndAdministrators
from alignment_fund.api.serializers import InputSerializer
from alignment_fund.api.views import APIViewSet, run_action
from alignment_fund.money import BASE_CURRENCY, CURRENCIES
from funders.models import Conversion, Funder, Pledge, Receipt
from grants import actions
from grants.api.common import (
    FunderBriefSerializer,
    ValuedListSerializer,
    ValuedModelSerializer,
    funders_for_filter,
)
from grants.api.corrections import (
    REVERSAL_HELP,
    ReversibleSerializerMixin,
    ReversibleViewSetMixin,
    reversal_schema,
)
from projects.models import ResearchArea, Round

CURRENCY_CHOICES = [(currency, currency) for currency in CURRENCIES]
CONTRIBUTION_PERMISSIONS = [IsAuthenticated, FundersAndAdministrators, AdministratorsWrite]


def conversions_visible_to(user, *, with_reversed: bool = False) -> models.QuerySet[Conversion]:
    manager = Conversion.all_objects if with_reversed else Conversion.objects
    return manager.filter(receipt__in=Receipt.all_objects.visible_to(user))


# Pledges


class InstalmentSerializer(serializers.Serializer):
    expected_on = FundDateField(help_text="When this part of the pledge is expected to arrive.")
    amount = MoneyField(help_text="In the pledge's currency.")


class PledgeSerializer(ReversibleSerializerMixin, ValuedModelSerializer):
    funder = FunderBriefSerializer(read_only=True)
    amount = MoneyField(read_only=True)
    received = serializers.SerializerMethodField(help_text="Received so far against this pledge, in its currency.")
    outstanding = serializers.SerializerMethodField(help_text="Still to arrive, in the pledge's currency.")
    instalments = InstalmentSerializer(many=True, read_only=True, help_text="Expected receipts, oldest first.")
    # Not read-only, only so that the schema does not list it as always present: this serializer only writes JSON.
    note = serializers.CharField(required=False, help_text="Administrators only: absent for anyone else.")
    reversal = serializers.SerializerMethodField(help_text=REVERSAL_HELP)

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
            "instalments",
            "restricted_to_round",
            "restricted_to_area",
            "compute_only",
            "illustrative",
            "note",
            "reversal",
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
    instalments = InstalmentSerializer(
        many=True,
        required=False,
        max_length=24,
        help_text="Optional expected receipts; in the pledge's currency, on or after its date, adding up to it.",
    )


class PledgeFilter(filters.FilterSet):
    funder = ModelIdFilter(queryset=funders_for_filter, noun="funder")
    currency = filters.ChoiceFilter(field_name="amount_currency", choices=CURRENCY_CHOICES)
    pledged_from = ISODateFilter(field_name="pledged_on", lookup_expr="gte", label="Pledged on or after")
    pledged_to = ISODateFilter(field_name="pledged_on", lookup_expr="lte", label="Pledged on or before")
    round = ModelIdFilter(field_name="restricted_to_round", queryset=Round.objects.all(), noun="round")
    compute_only = BooleanChoiceFilter()

    class Meta:
        model = Pledge
        fields = ["funder", "currency", "pledged_from", "pledged_to", "round", "compute_only"]


@extend_schema(tags=["contributions"], responses={200: PledgeSerializer})
@extend_schema_view(reversal=reversal_schema(PledgeSerializer))
class PledgeViewSet(ReversibleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Pledges: a funder's contact sees their own funder's; administrators see and record all."""

    serializer_class = PledgeSerializer
    permission_classes = CONTRIBUTION_PERMISSIONS
    filterset_class = PledgeFilter

    def get_queryset(self):
        return (
            # Lists show live records; a record named by its id is found even once reversed.
            (Pledge.objects if self.action == "list" else Pledge.all_objects)
            .visible_to(self.request.user)
            .select_related("funder")
            .prefetch_related("instalments")
            .annotate(received_total=Sum("receipts__amount", filter=Q(receipts__reversed_at__isnull=True)))
            .order_by("pledged_on", "pk")
        )

    @extend_schema(
        request=PledgeInput,
        responses={201: PledgeSerializer},
    )
    @idempotent
    def create(self, request):
        data = self.validated(PledgeInput)
        amount = data.pop("amount")
        data["instalments"] = [(row["expected_on"], row["amount"]) for row in data.get("instalments", [])]
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


class ReceiptSerializer(ReversibleSerializerMixin, ValuedModelSerializer):
    valued_on = "received_on"
    funder = FunderBriefSerializer(source="pledge.funder", read_only=True)
    pledge_reference = serializers.CharField(source="pledge.reference", read_only=True)
    amount = MoneyField(read_only=True)
    unconverted = serializers.SerializerMethodField(help_text="Not yet exchanged into pounds.")
    reversal = serializers.SerializerMethodField(help_text=REVERSAL_HELP)

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
            "reversal",
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
    funder = ModelIdFilter(field_name="pledge__funder", queryset=funders_for_filter, noun="funder")
    pledge = IdFilter(field_name="pledge_id", noun="pledge")
    currency = filters.ChoiceFilter(field_name="amount_currency", choices=CURRENCY_CHOICES)
    received_from = ISODateFilter(field_name="received_on", lookup_expr="gte", label="Received on or after")
    received_to = ISODateFilter(field_name="received_on", lookup_expr="lte", label="Received on or before")

    class Meta:
        model = Receipt
        fields = ["funder", "pledge", "currency", "received_from", "received_to"]


@extend_schema(tags=["contributions"], responses={200: ReceiptSerializer})
@extend_schema_view(reversal=reversal_schema(ReceiptSerializer))
class ReceiptViewSet(ReversibleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Money that arrived against pledges: a funder's contact sees their own funder's."""

    serializer_class = ReceiptSerializer
    permission_classes = CONTRIBUTION_PERMISSIONS
    filterset_class = ReceiptFilter

    def get_queryset(self):
        return (
            # Lists show live records; a record named by its id is found even once reversed.
            (Receipt.objects if self.action == "list" else Receipt.all_objects)
            .visible_to(self.request.user)
            .select_related("pledge__funder")
            .annotate(converted_total=Sum("conversions__amount_sold", filter=Q(conversions__reversed_at__isnull=True)))
            .order_by("received_on", "pk")
        )

    @extend_schema(
        request=ReceiptInput,
        responses={201: ReceiptSerializer},
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


class ConversionSerializer(ReversibleSerializerMixin, serializers.ModelSerializer):
    funder = FunderBriefSerializer(source="receipt.pledge.funder", read_only=True)
    amount_sold = MoneyField(read_only=True)
    gbp_credited = MoneyField(read_only=True)
    dealt_rate = serializers.SerializerMethodField(help_text="The rate the bank dealt: GBP credited per unit sold.")
    reversal = serializers.SerializerMethodField(help_text=REVERSAL_HELP)

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
            "reversal",
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
        currencies=[currency for currency in CURRENCIES if currency != BASE_CURRENCY],
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
    funder = ModelIdFilter(field_name="receipt__pledge__funder", queryset=funders_for_filter, noun="funder")
    receipt = IdFilter(field_name="receipt_id", noun="receipt")
    currency = filters.ChoiceFilter(field_name="amount_sold_currency", choices=CURRENCY_CHOICES)
    converted_from = ISODateFilter(field_name="converted_on", lookup_expr="gte", label="Converted on or after")
    converted_to = ISODateFilter(field_name="converted_on", lookup_expr="lte", label="Converted on or before")

    class Meta:
        model = Conversion
        fields = ["funder", "receipt", "currency", "converted_from", "converted_to"]


@extend_schema(tags=["contributions"], responses={200: ConversionSerializer})
@extend_schema_view(reversal=reversal_schema(ConversionSerializer))
class ConversionViewSet(ReversibleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Foreign cash exchanged into pounds at the rate the bank dealt."""

    serializer_class = ConversionSerializer
    permission_classes = CONTRIBUTION_PERMISSIONS
    filterset_class = ConversionFilter

    def get_queryset(self):
        return (
            conversions_visible_to(self.request.user, with_reversed=self.action != "list")
            .select_related("receipt__pledge__funder")
            .order_by("converted_on", "pk")
        )

    @extend_schema(
        request=ConversionInput,
        responses={201: ConversionSerializer},
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
