"""Milestones and payments. A researcher sees those of the awards of the projects they lead; administrators see
every award's and record milestone reports, approvals and payments (through grants.actions)."""

from __future__ import annotations

import django_filters.rest_framework as filters
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from alignment_fund.api.fields import FundDateField, IdField, MoneyField
from alignment_fund.api.filters import IdFilter, ISODateFilter
from alignment_fund.api.idempotency import idempotent
from alignment_fund.api.schema import error, field_errors
from alignment_fund.api.serializers import InputSerializer
from alignment_fund.api.views import APIViewSet, run_action
from alignment_fund.clock import fund_today
from alignment_fund.rates.models import RateUnavailable
from grants import actions
from grants.api.approvals import ApprovalSerializer
from grants.api.common import READ_WRITE, awards_visible_to
from grants.api.corrections import REVERSAL_HELP, ReversibleSerializerMixin, ReversibleViewSetMixin, reversal_schema
from grants.api.reports import MilestoneReportSerializer, ReportUploadInput, ReviewInput
from grants.models import Approval, Disbursement, Milestone, MilestoneReport
from grants.reads.reports import reports_newest_first


def milestones_visible_to(user) -> QuerySet[Milestone]:
    return Milestone.objects.filter(award__in=awards_visible_to(user))


def milestones_led_by(user) -> QuerySet[Milestone]:
    """The milestones of the awards `user` leads: what they may send reports for (administrators included: a
    report is the lead's to send)."""
    if not user.is_authenticated:
        return Milestone.objects.none()
    return Milestone.objects.filter(award__project__lead=user)


def with_payments_and_reports(milestones: QuerySet[Milestone]) -> QuerySet[Milestone]:
    """`milestones` with their live payment and their report versions (newest first) as plain lists,
    `payment_list` and `report_list`, which `MilestoneSerializer` reads. Prefetched into lists rather than into the
    relations' managers: Django builds a filtered queryset per milestone for the latter, which took half the time
    of reading a page of 50 awards with their 200 milestones."""
    return milestones.prefetch_related(
        Prefetch("payments", queryset=Disbursement.objects.order_by(), to_attr="payment_list"),
        reports_newest_first(to_attr="report_list"),
    )


def disbursements_visible_to(user, *, with_reversed: bool = False) -> QuerySet[Disbursement]:
    manager = Disbursement.all_objects if with_reversed else Disbursement.objects
    return manager.filter(award__in=awards_visible_to(user))


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
    payment = serializers.SerializerMethodField(help_text="Its live payment; null until it is paid.")
    reports = MilestoneReportSerializer(
        source="report_list",
        many=True,
        read_only=True,
        help_text="The versions of its report the lead uploaded, newest first.",
    )

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
            "reports",
        ]

    def _today(self):
        if "today" not in self.context:
            self.context["today"] = fund_today()
        return self.context["today"]

    @extend_schema_field(serializers.ChoiceField(choices=Milestone.ReportStatus.choices))
    def get_report_status(self, milestone) -> str:
        return milestone.report_status(self._today())

    @extend_schema_field(PaymentBriefSerializer(allow_null=True))
    def get_payment(self, milestone):
        # `milestone` comes from `with_payments_and_reports`: a reversed payment is not in the list.
        payment = next(iter(milestone.payment_list), None)
        return None if payment is None else self._payment_brief.to_representation(payment)

    @cached_property
    def _payment_brief(self) -> PaymentBriefSerializer:
        # One for every milestone serialized: building a ModelSerializer's fields costs more than using them.
        return PaymentBriefSerializer(context=self.context)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_expected_payment_on(self, milestone):
        if milestone.payment_list:
            return None
        return milestone.expected_payment_on.isoformat()


class MilestoneFilter(filters.FilterSet):
    award = IdFilter(field_name="award_id", noun="award")
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


@extend_schema(tags=["awards"], responses={200: MilestoneSerializer})
class MilestoneViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Milestones of the awards you can see; administrators record reports received and approvals."""

    serializer_class = MilestoneSerializer
    permission_classes = READ_WRITE
    filterset_class = MilestoneFilter

    def get_queryset(self):
        return with_payments_and_reports(
            milestones_visible_to(self.request.user).select_related("award").order_by("award__reference", "number")
        )

    def _report_answer(self, report: MilestoneReport, code: int = status.HTTP_200_OK) -> Response:
        fresh = MilestoneReport.objects.get(pk=report.pk)
        return Response(MilestoneReportSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request={"multipart/form-data": ReportUploadInput},
        responses={
            201: MilestoneReportSerializer,
            400: field_errors(
                "Refused: not a PDF, DOCX or ODT (judged by content), over 20 MB, a report already waiting for "
                "review or approved, an offer not yet accepted, a terminated award. Nothing was recorded."
            ),
            404: error("No such milestone among the awards you lead (only an award's lead sends its reports)."),
            415: error("Not a multipart/form-data request."),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="report",
        parser_classes=[MultiPartParser],
        permission_classes=[IsAuthenticated],
    )
    def report(self, request, pk=None):
        """The award's lead uploads the milestone's report: a new version, waiting for an administrator's review;
        the milestone's report is received today."""
        milestone = get_object_or_404(milestones_led_by(request.user), pk=pk)
        data = self.validated(ReportUploadInput)
        report = run_action(actions.do_submit_milestone_report, request.user, milestone=milestone, upload=data["file"])
        return self._report_answer(report, status.HTTP_201_CREATED)

    @extend_schema(request=ReviewInput, responses={200: MilestoneReportSerializer})
    @action(detail=True, methods=["post"], url_path="report/accept")
    @idempotent
    def accept_report(self, request, pk=None):
        """Accept the report waiting for review: the milestone is approved today, and paid in the next run."""
        milestone = self.get_object()
        data = self.validated(ReviewInput)
        report = run_action(actions.do_accept_milestone_report, request.user, milestone=milestone, **data)
        return self._report_answer(report)

    @extend_schema(request=ReviewInput, responses={200: MilestoneReportSerializer})
    @action(detail=True, methods=["post"], url_path="report/request-changes")
    @idempotent
    def request_report_changes(self, request, pk=None):
        """Send the report waiting for review back to its lead with a comment saying what to change."""
        milestone = self.get_object()
        data = self.validated(ReviewInput)
        report = run_action(actions.do_request_report_changes, request.user, milestone=milestone, **data)
        return self._report_answer(report)

    @extend_schema(
        request=ReportReceivedInput,
        responses={200: MilestoneSerializer},
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
        responses={200: MilestoneSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def approval(self, request, pk=None):
        milestone = self.get_object()
        data = self.validated(ApprovalInput)
        run_action(actions.do_approve_milestone, request.user, milestone=milestone, **data)
        return self.updated(milestone)


class DisbursementSerializer(ReversibleSerializerMixin, serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    reversal = serializers.SerializerMethodField(help_text=REVERSAL_HELP)
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
            "reversal",
        ]


class DisbursementInput(InputSerializer):
    milestone = IdField("milestone", queryset=Milestone.objects.all())
    paid_on = FundDateField()
    reference = serializers.CharField(max_length=80, help_text="The payment's bank reference.")
    reason = serializers.CharField(
        max_length=500,
        required=False,
        default="",
        allow_blank=True,
        help_text="Why it is paid outside the monthly payment run: required when the four-eyes rule covers payments.",
    )


class DisbursementFilter(filters.FilterSet):
    award = IdFilter(field_name="award_id", noun="award")
    round = IdFilter(field_name="award__round_id", noun="round")
    paid_from = ISODateFilter(field_name="paid_on", lookup_expr="gte", label="Paid on or after")
    paid_to = ISODateFilter(field_name="paid_on", lookup_expr="lte", label="Paid on or before")

    class Meta:
        model = Disbursement
        fields = ["award", "round", "paid_from", "paid_to"]


@extend_schema(tags=["awards"], responses={200: DisbursementSerializer})
@extend_schema_view(reversal=reversal_schema(DisbursementSerializer))
class DisbursementViewSet(ReversibleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Payments made against approved milestones (monthly, in arrears)."""

    serializer_class = DisbursementSerializer
    permission_classes = READ_WRITE
    filterset_class = DisbursementFilter

    def get_queryset(self):
        return (
            disbursements_visible_to(self.request.user, with_reversed=self.action != "list")
            .select_related("award", "milestone", "reversed_by")
            .order_by("paid_on", "pk")
        )

    @extend_schema(
        request=DisbursementInput,
        responses={
            201: DisbursementSerializer,
            202: OpenApiResponse(
                ApprovalSerializer,
                description="A payment outside the monthly run needs a second administrator (four eyes): it is "
                "recorded as waiting and made when another administrator approves it.",
            ),
        },
    )
    @idempotent
    def create(self, request):
        """Pay one approved milestone outside the monthly payment run, with a reason. Where the four-eyes rule
        covers payments this answers 202 with the approval it waits for; otherwise the payment is made (201)."""
        data = self.validated(DisbursementInput)
        try:
            payment = run_action(actions.do_pay_or_request, request.user, **data)
        except RateUnavailable as exc:
            raise serializers.ValidationError({"paid_on": [f"Cannot value the fund on that date: {exc}"]}) from exc
        if isinstance(payment, Approval):
            return Response(ApprovalSerializer(payment).data, status=status.HTTP_202_ACCEPTED)
        return self.created(payment)
