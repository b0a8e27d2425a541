"""Funders in the API: every funder for administrators, their own for a funder's contact."""

from __future__ import annotations

from rest_framework import mixins, serializers
from rest_framework.permissions import IsAuthenticated

from alignment_fund.api.permissions import FundersAndAdministrators
from alignment_fund.api.views import APIViewSet
from funders.models import Funder
from grants.api.common import funders_visible_to


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
