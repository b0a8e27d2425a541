"""Payment runs in the API, for administrators only: propose a month's run, see runs, release one (another
administrator), and download a released run's remittance file (CSV or XLSX)."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.reverse import reverse

from alignment_fund.api.fields import GBPMoneyField, MoneyField, MoneySerializer
from alignment_fund.api.idempotency import idempotent
from alignment_fund.api.schema import NOT_SIGNED_IN, error
from alignment_fund.api.serializers import InputSerializer
from alignment_fund.api.views import APIViewSet, run_action
from grants import actions
from grants.api.approvals import ADMINISTRATORS_ONLY, AdministratorsOnly
from grants.exports import remittance
from grants.models import PaymentRun, PaymentRunItem
from grants.reads.payment_runs import parse_month, runs_list


class PaymentRunItemSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    award = serializers.IntegerField(source="milestone.award_id", read_only=True)
    award_reference = serializers.CharField(source="milestone.award.reference", read_only=True)
    milestone_number = serializers.IntegerField(source="milestone.number", read_only=True)
    payment_reference = serializers.CharField(
        source="disbursement.reference", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = PaymentRunItem
        fields = ["milestone", "award", "award_reference", "milestone_number", "amount", "payment_reference"]


class RemittanceLinksSerializer(serializers.Serializer):
    csv = serializers.URLField()
    xlsx = serializers.URLField()


class PaymentRunSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField(help_text="YYYY-MM")
    proposed_by = serializers.CharField(source="proposed_by.username", read_only=True)
    released_by = serializers.CharField(source="released_by.username", read_only=True, allow_null=True, default=None)
    items = PaymentRunItemSerializer(many=True, read_only=True)
    total = serializers.SerializerMethodField()
    remittance = serializers.SerializerMethodField(help_text="Download links, once the run is released; else null.")

    class Meta:
        model = PaymentRun
        fields = [
            "id",
            "month",
            "status",
            "proposed_by",
            "proposed_at",
            "released_by",
            "released_at",
            "paid_on",
            "items",
            "total",
            "remittance",
        ]

    def get_month(self, run) -> str:
        return f"{run.month:%Y-%m}"

    @extend_schema_field(MoneySerializer)
    def get_total(self, run) -> dict:
        amount = sum((item.amount.amount for item in run.items.all()), start=0)
        return {"amount": f"{amount:.2f}", "currency": "GBP"}

    @extend_schema_field(RemittanceLinksSerializer(allow_null=True))
    def get_remittance(self, run):
        if run.status != PaymentRun.Status.RELEASED:
            return None
        request = self.context.get("request")
        return {
            fmt: reverse(f"api-payment-run-remittance-{fmt}", kwargs={"pk": run.pk}, request=request)
            for fmt in ("csv", "xlsx")
        }


class PaymentRunInput(InputSerializer):
    month = serializers.CharField(
        max_length=7, help_text="The month whose payments are due, YYYY-MM; it must have ended."
    )

    def validate_month(self, value):
        month = parse_month(value)
        if month is None:
            raise serializers.ValidationError("Give a month as YYYY-MM, e.g. 2026-01.")
        return month


class ReleaseInput(InputSerializer):
    """Releasing pays the run as proposed: send `{}`, or the total you checked, to be refused if it differs."""

    expected_total = GBPMoneyField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional: the run's total as you saw it; the release is refused (400) if the run's differs.",
    )


class AnyAccept(BaseContentNegotiation):
    """The remittance file answers whatever the client accepts: the file in its own type, a refusal in JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _file_response(fmt: str, description: str) -> dict:
    """The file, and the refusals as JSON (the view also speaks the file's type, so they are spelt out here)."""
    media_type = remittance.CONTENT_TYPES[fmt].split(";")[0]
    return {
        (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description),
        (401, "application/json"): NOT_SIGNED_IN,
        (403, "application/json"): error(AdministratorsOnly.message),
        (404, "application/json"): error("No such run, not one you may see, or not released yet."),
    }


@extend_schema(tags=["payment runs"], responses={200: PaymentRunSerializer})
class PaymentRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Monthly payment runs: proposed by one administrator, released by another."""

    serializer_class = PaymentRunSerializer
    permission_classes = ADMINISTRATORS_ONLY

    def get_queryset(self):
        return runs_list().prefetch_related("items__milestone__award", "items__disbursement")

    @extend_schema(request=PaymentRunInput, responses={201: PaymentRunSerializer})
    @idempotent
    def create(self, request):
        """Propose the run for a month that has ended: every approved, unpaid milestone due by its end. Refused (400)
        for a bad month, a month not ended, a month with a run already proposed, or nothing due."""
        data = self.validated(PaymentRunInput)
        run = run_action(actions.do_propose_payment_run, request.user, month=data["month"])
        return self.created(run)

    @extend_schema(request=ReleaseInput, responses={200: PaymentRunSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def release(self, request, pk=None):
        """Pay every item of the run today, all or nothing. Refused (400) to the administrator who proposed it, for
        a run already released, or if any payment is refused (then nothing is paid)."""
        run = self.get_object()
        expected = self.validated(ReleaseInput)["expected_total"]
        total = sum((item.amount.amount for item in run.items.all()), start=Decimal("0.00"))
        if expected is not None and expected.amount != total:
            raise serializers.ValidationError(
                {"expected_total": [f"The run totals £{total:,.2f}, not £{expected.amount:,.2f}: nothing was paid."]}
            )
        run_action(actions.do_release_payment_run, request.user, run=run)
        return self.updated(run)

    def _remittance(self, fmt: str) -> HttpResponse:
        run = self.get_object()
        if run.status != PaymentRun.Status.RELEASED:
            raise NotFound("A run has a remittance file once it is released.")
        response = HttpResponse(remittance.RENDERERS[fmt](run), content_type=remittance.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{remittance.filename(run, fmt)}"'
        return response

    @extend_schema(responses=_file_response("csv", "The remittance file, one row per payment."))
    @action(detail=True, methods=["get"], url_path="remittance-csv", content_negotiation_class=AnyAccept)
    def remittance_csv(self, request, pk=None):
        return self._remittance("csv")

    @extend_schema(responses=_file_response("xlsx", "The remittance file as a spreadsheet."))
    @action(detail=True, methods=["get"], url_path="remittance-xlsx", content_negotiation_class=AnyAccept)
    def remittance_xlsx(self, request, pk=None):
        return self._remittance("xlsx")
