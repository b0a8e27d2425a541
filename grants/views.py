from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render

from projects.models import Project

from .models import Award, Round


@staff_member_required
def portfolio(request):
    return render(request, "grants/portfolio.html", {})


@staff_member_required
def round_detail(request, pk):
    round_ = get_object_or_404(Round, pk=pk)
    return render(request, "grants/round.html", {"round": round_})


@staff_member_required
def project_detail(request, pk):
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    return render(request, "grants/project.html", {"project": project})


@staff_member_required
def award_detail(request, pk):
    award = get_object_or_404(Award.objects.visible_to(request.user), pk=pk)
    return render(request, "grants/award.html", {"award": award})
