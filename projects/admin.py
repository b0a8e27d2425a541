from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count

from alignment_fund.admin import HistoryAdmin, money_display
from alignment_fund.spreadsheets.admin import SpreadsheetImportMixin
from projects.imports import COLUMNS as PROJECT_COLUMNS
from projects.imports import import_projects
from projects.models import Project, ResearchArea


@admin.register(ResearchArea)
class ResearchAreaAdmin(HistoryAdmin):
    list_display = ("name", "slug", "project_count")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_projects=Count("projects"))

    @admin.display(description="projects", ordering="n_projects")
    def project_count(self, area: ResearchArea) -> int:
        return area.n_projects


class ProjectForm(forms.ModelForm):
    """A project becomes "awarded" only by being awarded (Awards → Add), which also fixes the money behind it."""

    class Meta:
        model = Project
        fields = [
            "reference",
            "title",
            "summary",
            "round",
            "research_area",
            "status",
            "lead",
            "lead_name",
            "institution",
            "institution_org_id",
            "country",
            "amount_requested",
            "compute_requested",
            "expert_support_requested",
            "panel_score",
            "vetted_on",
        ]

    def clean_status(self):
        status = self.cleaned_data["status"]
        was = self.instance.status if self.instance.pk else None
        if status == Project.Status.AWARDED and was != Project.Status.AWARDED:
            raise forms.ValidationError("A project is marked awarded by making its award: use Awards → Add award.")
        if was == Project.Status.AWARDED and status != Project.Status.AWARDED:
            raise forms.ValidationError(
                "This project has an award: change the award's status (e.g. terminated) instead."
            )
        return status


@admin.register(Project)
class ProjectAdmin(SpreadsheetImportMixin, HistoryAdmin):
    spreadsheet_import = staticmethod(import_projects)
    spreadsheet_columns = PROJECT_COLUMNS
    form = ProjectForm
    list_display = (
        "reference",
        "title",
        "lead_name",
        "institution",
        "country",
        "research_area",
        "round",
        "amount_requested_shown",
        "status",
        "panel_score",
        "vetted_on",
    )
    list_filter = ("status", "round", "research_area", "compute_requested", "expert_support_requested", "country")
    search_fields = ("reference", "title", "lead_name", "institution", "lead__username")
    date_hierarchy = "vetted_on"
    list_select_related = ("research_area", "round")
    autocomplete_fields = ["lead"]
    fieldsets = (
        (None, {"fields": ("reference", "title", "summary", "round", "research_area", "status")}),
        ("Team", {"fields": ("lead", "lead_name", "institution", "institution_org_id", "country")}),
        ("Request", {"fields": ("amount_requested", "compute_requested", "expert_support_requested")}),
        ("Review", {"fields": ("panel_score", "vetted_on")}),
    )

    amount_requested_shown = money_display("amount_requested", "requested")
