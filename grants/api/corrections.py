"""Corrections through the API: `POST /api/{pledges,receipts,conversions,disbursements}/{id}/reversal/` with
`{"reason": "..."}`, and `PATCH /api/awards/{id}/` with `{"amount": {...}, "reason": "..."}` (grants.api.awards).

Lists show live records; a reversed record is still found by its id, with its `reversal`. Each surface calls the
operations through one small function (`reverse_record`, `amend_award` here), so that a second administrator's
approval can later be put in front of them in one place.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from alignment_fund.api.fields import GBPMoneyField, MoneyField
from alignment_fund.api.idempotency import idempotent
from alignment_fund.api.serializers import InputSerializer
from alignment_fund.api.views import run_action
from alignment_fund.money import AWARD_MAXIMUM_GBP, AWARD_MINIMUM_GBP, within_award_limits
from grants import actions
from grants.actions.corrections import REASON_MAX_LENGTH
from grants.api.approvals import ApprovalSerializer
from grants.models import Approval


def reverse_record(user, record, reason: str):
    """The API's one call into the reversal operations: the reversed record, or the approval it waits for."""
    return run_action(actions.do_reverse_or_request, user, record=record, reason=reason)


def reversal_schema(serializer):
    """What `POST .../{id}/reversal/` answers, for the viewset of `serializer`'s records."""
    return extend_schema(
        request=ReversalInput,
        responses={
            201: serializer,
            202: OpenApiResponse(
                ApprovalSerializer,
                description="The reversal needs a second administrator (four eyes): it is recorded as waiting and "
                "carried out when another administrator approves it (POST /api/approvals/{id}/approve/).",
            ),
        },
    )


def amend_award(user, award, amount, reason: str):
    """The API's one call into the amendment operation."""
    return run_action(actions.do_amend_award, user, award=award, amount=amount, reason=reason)


class ReversalInput(InputSerializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text="Why the record is reversed: kept on the record and in the ledger."
    )


class AmendmentInput(InputSerializer):
    amount = GBPMoneyField(
        currency_message="Awards are made in pounds sterling (GBP), not {currency}.",
        help_text="The award's new amount, in GBP, £50,000 to £1,000,000 inclusive.",
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text="Why the award changes: kept in the award's history."
    )

    def validate_amount(self, amount):
        if not within_award_limits(amount.amount):
            raise serializers.ValidationError(
                f"An award must be between £{AWARD_MINIMUM_GBP:,.2f} and £{AWARD_MAXIMUM_GBP:,.2f} inclusive."
            )
        return amount


class ReversalSerializer(serializers.Serializer):
    reversed_at = serializers.DateTimeField()
    reversed_by = serializers.CharField(source="reversed_by.get_username", allow_null=True)
    reason = serializers.CharField(source="reversal_reason")


REVERSAL_HELP = "Null while the record stands; when, by whom and why it was reversed."


class ReversibleSerializerMixin:
    """Gives a record's serializer its `reversal`: declare `reversal = serializers.SerializerMethodField(
    help_text=REVERSAL_HELP)` and list it in Meta.fields."""

    @extend_schema_field(ReversalSerializer(allow_null=True))
    def get_reversal(self, record) -> dict | None:
        return ReversalSerializer(record).data if record.reversed_at is not None else None


class AmendmentSerializer(serializers.Serializer):
    old_amount = MoneyField()
    new_amount = MoneyField()
    amended_on = serializers.DateField()
    reason = serializers.CharField()
    amended_by = serializers.CharField(source="amended_by.get_username", allow_null=True)


class ReversibleViewSetMixin:
    """`POST .../{id}/reversal/`: administrators reverse the record; it answers 201 with the record, now reversed."""

    @action(detail=True, methods=["post"])
    @idempotent
    def reversal(self, request, pk=None):
        record = self.get_object()
        data = self.validated(ReversalInput)
        record = reverse_record(request.user, record, data["reason"])
        if isinstance(record, Approval):
            return Response(ApprovalSerializer(record).data, status=status.HTTP_202_ACCEPTED)
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)
