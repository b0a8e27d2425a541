"""Four eyes in the API, for administrators only: the actions waiting for a second administrator (and those
decided), approving one (which carries it out) and rejecting one with a reason. No one decides their own: the
operations refuse it (grants.actions.approvals)."""

from __future__ import annotations

import django_filters.rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated

from alignment_fund.access import is_administrator
from alignment_fund.api.fields import MoneyField
from alignment_fund.api.idempotency import idempotent
from alignment_fund.api.serializers import InputSerializer
from alignment_fund.api.views import APIViewSet, run_action
from grants import actions
from grants.models import Approval


class AdministratorsOnly(BasePermission):
    """Four eyes and payment runs are the administrators' own work: anyone else is refused, whatever they ask for."""

    message = "Only fund administrators can see or decide this."

    def has_permission(self, request, view) -> bool:
        return is_administrator(request.user)


ADMINISTRATORS_ONLY = [IsAuthenticated, AdministratorsOnly]


class ApprovalSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True, default=None)
    reserved = MoneyField(read_only=True, allow_null=True, help_text="Headroom held while it waits (GBP), or null.")
    result = serializers.SerializerMethodField(help_text="What approving it produced, or null.")

    class Meta:
        model = Approval
        fields = [
            "id",
            "kind",
            "status",
            "summary",
            "payload",
            "reserved",
            "reserved_on",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "result",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"type": {"type": "string"}, "id": {"type": "integer"}},
            "required": ["type", "id"],
        }
    )
    def get_result(self, approval):
        if approval.result_type_id is None:
            return None
        return {"type": approval.result_type.model, "id": approval.result_id}


class ApprovalFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Approval.Status.choices)
    kind = filters.CharFilter(max_length=40)

    class Meta:
        model = Approval
        fields = ["status", "kind"]


class ApproveInput(InputSerializer):
    reason = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class RejectInput(InputSerializer):
    reason = serializers.CharField(max_length=1000, help_text="Why it is rejected (required).")


@extend_schema(tags=["four eyes"], responses={200: ApprovalSerializer})
class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Actions waiting for a second administrator, and those decided."""

    serializer_class = ApprovalSerializer
    permission_classes = ADMINISTRATORS_ONLY
    filterset_class = ApprovalFilter

    def get_queryset(self):
        return Approval.objects.select_related("requested_by", "decided_by", "result_type").order_by(
            "-requested_at", "-pk"
        )

    @extend_schema(request=ApproveInput, responses={200: ApprovalSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request, pk=None):
        """Approve another administrator's action and carry it out. Refused (400) if you asked for it, if it was
        already decided, or if the action itself is refused now; it then stays pending."""
        approval = self.get_object()
        data = self.validated(ApproveInput)
        run_action(actions.do_approve, request.user, approval, data["reason"])
        return self.updated(approval)

    @extend_schema(request=RejectInput, responses={200: ApprovalSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, pk=None):
        """Reject another administrator's action, with a reason: nothing of it happens, its reservation ends."""
        approval = self.get_object()
        data = self.validated(RejectInput)
        run_action(actions.do_reject, request.user, approval, data["reason"])
        return self.updated(approval)
