from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from projects.models import Project

from .models import Award, Round


def administrator_required(view):
    """Signed in and staff. Anyone else gets 404, as if the page did not exist: the fund's back pages are not
    advertised, and nobody is sent to the admin's own sign-in page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


@administrator_required
def portfolio(request):
    return render(request, "grants/portfolio.html", {})


@administrator_required
def waitlist(request):
    return render(request, "grants/portfolio.html", {})


@administrator_required
def calendar(request):
    return render(request, "grants/portfolio.html", {})


@administrator_required
def round_detail(request, pk):
    round_ = get_object_or_404(Round, pk=pk)
    return render(request, "grants/round.html", {"round": round_})


@administrator_required
def project_detail(request, pk):
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    return render(request, "grants/project.html", {"project": project})


@administrator_required
def award_detail(request, pk):
    award = get_object_or_404(Award.objects.visible_to(request.user), pk=pk)
    return render(request, "grants/award.html", {"award": award})
