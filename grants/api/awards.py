"""Rounds, awards, milestones and payments. A researcher sees the awards of the projects they lead, with their
milestones and payments, and nothing about funders; administrators see every award and record awards, milestone
reports, approvals and payments (through grants.actions)."""

from __future__ import annotations

import django_filters.rest_framework as filters
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated

from alignment_fund.access import is_administrator
from alignment_fund.api.fields import FundDateField, GBPMoneyField, IdField, MoneyField
from alignment_fund.api.filters import ISODateFilter
from alignment_fund.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from alignment_fund.api.permissions import AdministratorsWrite
from alignment_fund.api.serializers import InputSerializer
from alignment_fund.api.views import READ_ERRORS, WRITE_ERRORS, APIViewSet, run_action
from alignment_fund.clock import fund_today
from alignment_fund.money import AWARD_MAXIMUM_GBP, AWARD_MINIMUM_GBP, within_award_limits
from alignment_fund.rates.models import RateUnavailable
from grants import actions
from grants.models import Award, Disbursement, Milestone
from projects.api import ProjectBriefSerializer
from projects.models import Project, ResearchArea, Round

READ_WRITE = [IsAuthenticated, AdministratorsWrite]


# Scoped look-ups. The API shows a researcher's awards by `project__lead`, not `Award.objects.visible_to`, which
# also lets a funder's contact see the awards their money supports: funders reach those through attributions.


def awards_visible_to(user) -> QuerySet[Award]:
    if is_administrator(user):
        return Award.objects.all()
    if not user.is_authenticated:
        return Award.objects.none()
    return Award.objects.filter(project__lead=user)


def milestones_visible_to(user) -> QuerySet[Milestone]:
    return Milestone.objects.filter(award__in=awards_visible_to(user))


def disbursements_visible_to(user) -> QuerySet[Disbursement]:
    return Disbursement.objects.filter(award__in=awards_visible_to(user))


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


@extend_schema(tags=["awards"], responses={200: RoundSerializer, **READ_ERRORS})
class RoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """The fund's funding rounds (public)."""

    serializer_class = RoundSerializer
    queryset = Round.objects.order_by("number")


# Milestones and payments


class PaymentBriefSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)

    class Meta:
        model = Disbursement
        fields = ["id", "amount", "paid_on", "reference"]


class MilestoneSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    award_reference = serializers.CharField(source="award.reference", read_only=True)
    report_status = serializers.SerializerMethodField()
    expected_payment_on = serializers.SerializerMethodField(
        help_text="The monthly payment run it is expected in (arrears); null once paid."
    )
    payment = PaymentBriefSerializer(source="disbursement", read_only=True, allow_null=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "award",
            "award_reference",
            "number",
            "title",
            "due_on",
            "amount",
            "report_status",
            "report_received_on",
            "approved_on",
            "expected_payment_on",
            "payment",
        ]

    def _today(self):
        if "today" not in self.context:
            self.context["today"] = fund_today()
        return self.context["today"]

    @extend_schema_field(serializers.ChoiceField(choices=Milestone.ReportStatus.choices))
    def get_report_status(self, milestone) -> str:
        return milestone.report_status(self._today())

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_expected_payment_on(self, milestone):
        if getattr(milestone, "disbursement", None) is not None:
            return None
        return milestone.expected_payment_on.isoformat()


class MilestoneFilter(filters.FilterSet):
    award = filters.NumberFilter(field_name="award_id")
    status = filters.ChoiceFilter(choices=Milestone.ReportStatus.choices, method="filter_status")
    due_from = ISODateFilter(field_name="due_on", lookup_expr="gte", label="Due on or after")
    due_to = ISODateFilter(field_name="due_on", lookup_expr="lte", label="Due on or before")

    class Meta:
        model = Milestone
        fields = ["award", "status", "due_from", "due_to"]

    def filter_status(self, queryset, name, value):
        today = fund_today()
        waiting = Q(report_received_on__isnull=True)
        return queryset.filter(
            {
                Milestone.ReportStatus.APPROVED: Q(approved_on__isnull=False),
                Milestone.ReportStatus.RECEIVED: Q(report_received_on__isnull=False, approved_on__isnull=True),
                Milestone.ReportStatus.DUE: waiting & Q(due_on__lte=today),
                Milestone.ReportStatus.NOT_DUE: waiting & Q(due_on__gt=today),
            }[value]
        )


class ReportReceivedInput(InputSerializer):
    received_on = FundDateField()


class ApprovalInput(InputSerializer):
    approved_on = FundDateField()


@extend_schema(tags=["awards"], responses={200: MilestoneSerializer, **READ_ERRORS})
class MilestoneViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Milestones of the awards you can see; administrators record reports received and approvals."""

    serializer_class = MilestoneSerializer
    permission_classes = READ_WRITE
    filterset_class = MilestoneFilter

    def get_queryset(self):
        return (
            milestones_visible_to(self.request.user)
            .select_related("award", "disbursement")
            .order_by("award__reference", "number")
        )

    @extend_schema(
        request=ReportReceivedInput,
        responses={200: MilestoneSerializer, **WRITE_ERRORS, 404: None},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="report-received")
    @idempotent
    def report_received(self, request, pk=None):
        milestone = self.get_object()
        data = self.validated(ReportReceivedInput)
        run_action(actions.do_receive_milestone_report, request.user, milestone=milestone, **data)
        return self.updated(milestone)

    @extend_schema(
        request=ApprovalInput,
        responses={200: MilestoneSerializer, **WRITE_ERRORS, 404: None},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def approval(self, request, pk=None):
        milestone = self.get_object()
        data = self.validated(ApprovalInput)
        run_action(actions.do_approve_milestone, request.user, milestone=milestone, **data)
        return self.updated(milestone)


class DisbursementSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    award_reference = serializers.CharField(source="award.reference", read_only=True)
    milestone_number = serializers.IntegerField(source="milestone.number", read_only=True)
    milestone_title = serializers.CharField(source="milestone.title", read_only=True)

    class Meta:
        model = Disbursement
        fields = [
            "id",
            "award",
            "award_reference",
            "milestone",
            "milestone_number",
            "milestone_title",
            "amount",
            "paid_on",
            "reference",
        ]


class DisbursementInput(InputSerializer):
    milestone = IdField("milestone", queryset=Milestone.objects.all())
    paid_on = FundDateField()
    reference = serializers.CharField(max_length=80, help_text="The payment's bank reference.")


class DisbursementFilter(filters.FilterSet):
    award = filters.NumberFilter(field_name="award_id")
    round = filters.NumberFilter(field_name="award__round_id")
    paid_from = ISODateFilter(field_name="paid_on", lookup_expr="gte", label="Paid on or after")
    paid_to = ISODateFilter(field_name="paid_on", lookup_expr="lte", label="Paid on or before")

    class Meta:
        model = Disbursement
        fields = ["award", "round", "paid_from", "paid_to"]


@extend_schema(tags=["awards"], responses={200: DisbursementSerializer, **READ_ERRORS})
class DisbursementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Payments made against approved milestones (monthly, in arrears)."""

    serializer_class = DisbursementSerializer
    permission_classes = READ_WRITE
    filterset_class = DisbursementFilter

    def get_queryset(self):
        return (
            disbursements_visible_to(self.request.user).select_related("award", "milestone").order_by("paid_on", "pk")
        )

    @extend_schema(
        request=DisbursementInput,
        responses={201: DisbursementSerializer, **WRITE_ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        data = self.validated(DisbursementInput)
        try:
            payment = run_action(actions.do_record_disbursement, request.user, **data)
        except RateUnavailable as exc:
            raise serializers.ValidationError({"paid_on": [f"Cannot value the fund on that date: {exc}"]}) from exc
        return self.created(payment)


# Awards


class AwardMilestoneSerializer(MilestoneSerializer):
    class Meta(MilestoneSerializer.Meta):
        fields = [f for f in MilestoneSerializer.Meta.fields if f not in ("award", "award_reference")]


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
    milestones = AwardMilestoneSerializer(many=True, read_only=True)
    next_milestone = serializers.SerializerMethodField(help_text="The first milestone not yet approved.")
    next_payment = serializers.SerializerMethodField(help_text="The first milestone not yet paid, and when.")

    class Meta:
        model = Award
        fields = [
            "id",
            "reference",
            "status",
            "awarded_on",
            "amount",
            "round",
            "project",
            "compute",
            "mentor",
            "milestones",
            "next_milestone",
            "next_payment",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_next_milestone(self, award):
        # Walks the prefetched milestones: no query.
        return next((m.pk for m in award.milestones.all() if m.approved_on is None), None)

    @extend_schema_field(NextPaymentSerializer(allow_null=True))
    def get_next_payment(self, award):
        unpaid = next((m for m in award.milestones.all() if getattr(m, "disbursement", None) is None), None)
        if unpaid is None:
            return None
        return NextPaymentSerializer(
            {"milestone": unpaid.pk, "amount": unpaid.amount, "expected_on": unpaid.expected_payment_on}
        ).data


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
    round = filters.NumberFilter(field_name="round_id")
    research_area = filters.ModelChoiceFilter(field_name="project__research_area", queryset=ResearchArea.objects.all())
    status = filters.ChoiceFilter(choices=Award.Status.choices)
    awarded_from = ISODateFilter(field_name="awarded_on", lookup_expr="gte", label="Awarded on or after")
    awarded_to = ISODateFilter(field_name="awarded_on", lookup_expr="lte", label="Awarded on or before")

    class Meta:
        model = Award
        fields = ["round", "research_area", "status", "awarded_from", "awarded_to"]


@extend_schema(tags=["awards"], responses={200: AwardSerializer, **READ_ERRORS})
class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Awards with their payment schedule: yours as a project lead, or all of them for administrators."""

    serializer_class = AwardSerializer
    permission_classes = READ_WRITE
    filterset_class = AwardFilter

    def get_queryset(self):
        return (
            awards_visible_to(self.request.user)
            .select_related("round", "project__research_area")
            .prefetch_related(
                Prefetch("milestones", queryset=Milestone.objects.select_related("disbursement").order_by("number"))
            )
            .order_by("reference")
        )

    @extend_schema(
        request=AwardInput,
        responses={201: AwardSerializer, **WRITE_ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        data = self.validated(AwardInput)
        compute_value = data.pop("compute_value")
        award = run_action(
            actions.do_award_project,
            request.user,
            compute_value=compute_value.amount if compute_value is not None else None,
            plan_milestones=True,
            **data,
        )
        return self.created(award)

    @extend_schema(
        request=TerminationInput,
        responses={200: AwardSerializer, **WRITE_ERRORS, 404: None},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def termination(self, request, pk=None):
        """End the award early: what is paid stays paid, what is unpaid returns to the headroom."""
        award = self.get_object()
        data = self.validated(TerminationInput)
        award = run_action(actions.do_terminate_award, request.user, award=award, **data)
        return self.updated(award)
