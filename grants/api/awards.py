"""Rounds and awards. A researcher sees the awards of the projects they lead, with their milestones and payments,
and nothing about funders; administrators see every award and record and terminate awards (through grants.actions).
"""

from __future__ import annotations

import django_filters.rest_framework as filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from alignment_fund.api.fields import FundDateField, GBPMoneyField, IdField, MoneyField
from alignment_fund.api.filters import IdFilter, ISODateFilter, ModelIdFilter
from alignment_fund.api.idempotency import idempotent
from alignment_fund.api.schema import error, field_errors
from alignment_fund.api.serializers import InputSerializer
from alignment_fund.api.views import APIViewSet, run_action
from alignment_fund.money import AWARD_MAXIMUM_GBP, AWARD_MINIMUM_GBP, within_award_limits
from grants import actions
from grants.api.approvals import ApprovalSerializer
from grants.api.common import READ_WRITE, LongListPagination, awards_visible_to
from grants.api.corrections import AmendmentInput, AmendmentSerializer, amend_award
from grants.api.milestones import MilestoneSerializer, with_payments_and_reports
from grants.models import Approval, Award, AwardAmendment, Milestone
from projects.api import ProjectBriefSerializer
from projects.models import Project, ResearchArea, Round

# Rounds


class RoundBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Round
        fields = ["id", "number", "name"]


class RoundSerializer(serializers.ModelSerializer):
    budget = MoneyField(read_only=True)

    class Meta:
        model = Round
        fields = ["id", "number", "name", "opens_on", "closes_on", "decisions_from", "decisions_to", "budget", "status"]


@extend_schema(tags=["awards"], responses={200: RoundSerializer})
class RoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """The fund's funding rounds (public)."""

    serializer_class = RoundSerializer
    queryset = Round.objects.order_by("number")


# Awards


class AwardMilestoneSerializer(MilestoneSerializer):
    class Meta(MilestoneSerializer.Meta):
        fields = [field for field in MilestoneSerializer.Meta.fields if field not in ("award", "award_reference")]


class ComputeSerializer(serializers.Serializer):
    provider = serializers.CharField(source="compute_provider")
    quantity = serializers.CharField(source="compute_quantity")
    value = MoneyField(source="compute_value", allow_null=True)


class NextPaymentSerializer(serializers.Serializer):
    milestone = serializers.IntegerField()
    amount = MoneyField()
    expected_on = serializers.DateField()


class AwardSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    round = RoundBriefSerializer(read_only=True)
    project = ProjectBriefSerializer(read_only=True)
    compute = ComputeSerializer(source="*", read_only=True)
    mentor = serializers.CharField(read_only=True, help_text="Expert support: the AISI researcher who mentors.")
    milestones = AwardMilestoneSerializer(source="milestone_list", many=True, read_only=True)
    next_milestone = serializers.SerializerMethodField(help_text="The first milestone not yet approved.")
    next_payment = serializers.SerializerMethodField(help_text="The first milestone not yet paid, and when.")
    above_request_reason = serializers.CharField(
        read_only=True, help_text="Why the award is more than the project asked for; empty if it is not."
    )
    amendments = AmendmentSerializer(
        source="amendment_list", many=True, read_only=True, help_text="Changes to the amount, oldest first."
    )
    accepted_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the project's lead accepted the offer; null until then."
    )

    class Meta:
        model = Award
        fields = [
            "id",
            "reference",
            "status",
            "awarded_on",
            "terminated_on",
            "accepted_at",
            "amount",
            "round",
            "project",
            "compute",
            "mentor",
            "milestones",
            "next_milestone",
            "next_payment",
            "above_request_reason",
            "amendments",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_next_milestone(self, award):
        # Walks the prefetched milestones (`AwardViewSet.get_queryset`): no query.
        return next((milestone.pk for milestone in award.milestone_list if milestone.approved_on is None), None)

    @extend_schema_field(NextPaymentSerializer(allow_null=True))
    def get_next_payment(self, award):
        unpaid = next((milestone for milestone in award.milestone_list if not milestone.payment_list), None)
        if unpaid is None:
            return None
        return self._next_payment.to_representation(
            {"milestone": unpaid.pk, "amount": unpaid.amount, "expected_on": unpaid.expected_payment_on}
        )

    @cached_property
    def _next_payment(self) -> NextPaymentSerializer:
        # One for the whole list: building a serializer's fields costs more than using them.
        return NextPaymentSerializer(context=self.context)


class AwardInput(InputSerializer):
    project = IdField("project", queryset=Project.objects.all())
    amount = GBPMoneyField(
        currency_message="Awards are made in pounds sterling (GBP), not {currency}.",
        help_text="In GBP, £50,000 to £1,000,000 inclusive.",
    )
    awarded_on = FundDateField()
    reference = serializers.CharField(max_length=40, required=False, help_text="Default AP-R<round>-<project>.")
    compute_provider = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    compute_quantity = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    compute_value = GBPMoneyField(required=False, allow_null=True, default=None)
    mentor = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    above_request_reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the amount is more than the project asked for: why.",
    )

    def validate_amount(self, amount):
        if not within_award_limits(amount.amount):
            raise serializers.ValidationError(
                f"An award must be between £{AWARD_MINIMUM_GBP:,.2f} and £{AWARD_MAXIMUM_GBP:,.2f} inclusive."
            )
        return amount


class TerminationInput(InputSerializer):
    terminated_on = FundDateField()
    reason = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class AwardFilter(filters.FilterSet):
    round = IdFilter(field_name="round_id", noun="round")
    research_area = ModelIdFilter(
        field_name="project__research_area", queryset=ResearchArea.objects.all(), noun="research area"
    )
    status = filters.ChoiceFilter(choices=Award.Status.choices)
    awarded_from = ISODateFilter(field_name="awarded_on", lookup_expr="gte", label="Awarded on or after")
    awarded_to = ISODateFilter(field_name="awarded_on", lookup_expr="lte", label="Awarded on or before")

    class Meta:
        model = Award
        fields = ["round", "research_area", "status", "awarded_from", "awarded_to"]


@extend_schema(tags=["awards"], responses={200: AwardSerializer})
class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Awards with their payment schedule: yours as a project lead, or all of them for administrators."""

    serializer_class = AwardSerializer
    pagination_class = LongListPagination
    permission_classes = READ_WRITE
    filterset_class = AwardFilter

    def get_queryset(self):
        # Every answer, the list and each action's, is read through here: the serializer reads the lists.
        return (
            awards_visible_to(self.request.user)
            .select_related("round", "project__research_area")
            .prefetch_related(
                Prefetch(
                    "milestones",
                    queryset=with_payments_and_reports(Milestone.objects.order_by("number")),
                    to_attr="milestone_list",
                ),
                Prefetch(
                    "amendments",
                    queryset=AwardAmendment.objects.select_related("amended_by").order_by("pk"),
                    to_attr="amendment_list",
                ),
            )
            .order_by("reference")
        )

    @extend_schema(
        request=None,
        responses={
            200: AwardSerializer,
            400: field_errors("Refused: the award was terminated. Nothing was recorded."),
            404: error("No such award among the projects you lead (only a project's lead accepts its offer)."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    @idempotent
    def acceptance(self, request, pk=None):
        """The project's lead accepts the award's offer, recorded with the time and who. Accepting again changes
        nothing and answers the same."""
        award = get_object_or_404(Award.objects.filter(project__lead=request.user), pk=pk)
        run_action(actions.do_accept_award, request.user, award=award)
        return self.updated(award)

    @extend_schema(
        request=AwardInput,
        responses={
            201: AwardSerializer,
            202: OpenApiResponse(
                ApprovalSerializer,
                description="The award needs a second administrator (four eyes): it is recorded as waiting, its "
                "amount held from the headroom, and made when another administrator approves it "
                "(POST /api/approvals/{id}/approve/).",
            ),
        },
    )
    @idempotent
    def create(self, request):
        """Award a vetted project. An award the four-eyes rule sends to a second administrator answers 202 with
        the approval it waits for; any other is made at once (201)."""
        data = self.validated(AwardInput)
        compute_value = data.pop("compute_value")
        award = run_action(
            actions.do_award_or_request,
            request.user,
            compute_value=compute_value.amount if compute_value is not None else None,
            plan_milestones=True,
            **data,
        )
        if isinstance(award, Approval):
            return Response(ApprovalSerializer(award).data, status=status.HTTP_202_ACCEPTED)
        return self.created(award)

    @extend_schema(request=AmendmentInput, responses={200: AwardSerializer})
    def partial_update(self, request, pk=None):
        """Amend the award's amount, up or down, with a reason: re-checked against the headroom, the difference
        attributed under the fund's policy, the unpaid milestones adjusted, the change kept in `amendments`."""
        award = self.get_object()
        data = self.validated(AmendmentInput)
        award = amend_award(request.user, award, data["amount"], data["reason"])
        return self.updated(award)

    @extend_schema(
        request=TerminationInput,
        responses={200: AwardSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def termination(self, request, pk=None):
        """End the award early: what is paid stays paid, what is unpaid returns to the headroom."""
        award = self.get_object()
        data = self.validated(TerminationInput)
        award = run_action(actions.do_terminate_award, request.user, award=award, **data)
        return self.updated(award)
