"""The administrators' lists of awards and projects, with filters kept in the URL and 50 rows a page."""

from django.core.paginator import Paginator
from django.shortcuts import render

from alignment_fund.access import administrator_required
from grants.forms.finders import AwardFinder, ProjectFinder
from grants.models import Award
from grants.reads.lists import PAGE_SIZE, award_rows, award_totals, project_rows, project_totals
from projects.models import Project


def _listing(request, finder, rows, totals, template: str):
    filtered = finder.qs
    page = Paginator(rows(filtered), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"finder": finder, "page": page, "totals": totals(filtered), "filtered": bool(finder.form.changed_data)}
    return render(request, template, context)


@administrator_required
def awards(request):
    finder = AwardFinder(request.GET, queryset=Award.objects.visible_to(request.user))
    return _listing(request, finder, award_rows, award_totals, "grants/award_list.html")


@administrator_required
def projects(request):
    finder = ProjectFinder(request.GET, queryset=Project.objects.visible_to(request.user))
    return _listing(request, finder, project_rows, project_totals, "grants/project_list.html")
