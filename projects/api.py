"""Research areas and projects. A researcher sees the projects they lead; administrators see every project (to find
the vetted ones waiting for an award)."""

import django_filters.rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers

from alignment_fund.api.fields import MoneyField
from alignment_fund.api.filters import IdFilter, ModelIdFilter
from alignment_fund.api.views import APIViewSet
from projects.models import Project, ResearchArea


class ResearchAreaBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResearchArea
        fields = ["id", "name"]


class ResearchAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResearchArea
        fields = ["id", "name", "slug", "description"]


@extend_schema(tags=["projects"], responses={200: ResearchAreaSerializer})
class ResearchAreaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """The fund's research areas (public)."""

    serializer_class = ResearchAreaSerializer
    queryset = ResearchArea.objects.order_by("name")


class ProjectBriefSerializer(serializers.ModelSerializer):
    research_area = ResearchAreaBriefSerializer(read_only=True)

    class Meta:
        model = Project
        fields = ["id", "reference", "title", "lead_name", "institution", "country", "research_area"]


class ProjectSerializer(serializers.ModelSerializer):
    research_area = ResearchAreaBriefSerializer(read_only=True)
    amount_requested = MoneyField(read_only=True)
    panel_score = serializers.DecimalField(max_digits=4, decimal_places=2, read_only=True, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "reference",
            "title",
            "summary",
            "lead_name",
            "institution",
            "institution_org_id",
            "country",
            "research_area",
            "round",
            "amount_requested",
            "status",
            "panel_score",
            "vetted_on",
            "compute_requested",
            "expert_support_requested",
        ]


class ProjectFilter(filters.FilterSet):
    round = IdFilter(field_name="round_id", noun="round")
    research_area = ModelIdFilter(queryset=ResearchArea.objects.all(), noun="research area")
    status = filters.ChoiceFilter(choices=Project.Status.choices)

    class Meta:
        model = Project
        fields = ["round", "research_area", "status"]


@extend_schema(tags=["projects"], responses={200: ProjectSerializer})
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """Projects: the ones you lead, or all of them for administrators."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter

    def get_queryset(self):
        return Project.objects.visible_to(self.request.user).select_related("research_area").order_by("reference")
