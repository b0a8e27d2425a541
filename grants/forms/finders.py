"""The filters of the administrators' lists of awards and projects (django-filter), read from the URL so a filtered
view can be shared: `?status=`, `?round=<id>`, `?area=<id>`, `?funder=<id>`, `?q=` (reference, title, lead), and
for awards `?reports=waiting` or `?reports=final-overdue` (where the portfolio's reports lead).

A value that cannot be read (a round that does not exist, a status misspelt) is left out of the filter and the form
says why; it never stops the page."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from alignment_fund.clock import fund_today
from funders.models import Funder
from grants.models import Award, AwardAttribution
from grants.reads.reports import final_reports_overdue, reports_waiting_for_review
from projects.models import Project, ResearchArea, Round


class _Finder(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", widget=forms.TextInput(attrs={"type": "search"}))
    round = django_filters.ModelChoiceFilter(
        queryset=Round.objects.order_by("number"), empty_label="Every round", label="Round"
    )
    funder = django_filters.ModelChoiceFilter(
        queryset=Funder.objects.order_by("name"), empty_label="Every funder", method="by_funder", label="Funder"
    )
    project_prefix = ""

    def search(self, queryset, name, value):
        words = value.split()[:8]
        for word in words:
            queryset = queryset.filter(
                Q(reference__icontains=word)
                | Q(**{f"{self.project_prefix}title__icontains": word})
                | Q(**{f"{self.project_prefix}lead_name__icontains": word})
                | Q(**{f"{self.project_prefix}reference__icontains": word})
            )
        return queryset


class AwardFinder(_Finder):
    status = django_filters.ChoiceFilter(choices=Award.Status.choices, empty_label="Every status", label="Status")
    area = django_filters.ModelChoiceFilter(
        queryset=ResearchArea.objects.order_by("name"),
        empty_label="Every area",
        label="Research area",
        field_name="project__research_area",
    )
    reports = django_filters.ChoiceFilter(
        choices=[("waiting", "A report waiting for review"), ("final-overdue", "Final report overdue")],
        empty_label="Any reports",
        method="by_reports",
        label="Reports",
    )
    project_prefix = "project__"

    class Meta:
        model = Award
        fields = ["q", "status", "round", "area", "funder", "reports"]

    def by_funder(self, queryset, name, funder):
        return queryset.filter(Exists(AwardAttribution.objects.filter(award=OuterRef("pk"), funder=funder)))

    def by_reports(self, queryset, name, value):
        # The portfolio's own lists, whole: the same queries, not a second spelling of what "overdue" means.
        if value == "waiting":
            return queryset.filter(pk__in=reports_waiting_for_review().values("milestone__award_id"))
        return queryset.filter(pk__in=final_reports_overdue(fund_today()).values("award_id"))


class ProjectFinder(_Finder):
    status = django_filters.ChoiceFilter(choices=Project.Status.choices, empty_label="Every status", label="Status")
    area = django_filters.ModelChoiceFilter(
        queryset=ResearchArea.objects.order_by("name"),
        empty_label="Every area",
        label="Research area",
        field_name="research_area",
    )

    class Meta:
        model = Project
        fields = ["q", "status", "round", "area", "funder"]

    def by_funder(self, queryset, name, funder):
        """Projects whose award the funder's money supports."""
        return queryset.filter(Exists(AwardAttribution.objects.filter(award__project=OuterRef("pk"), funder=funder)))
