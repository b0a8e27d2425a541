from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from alignment_fund.clock import fund_today
from grants.reads.researcher_view import award_statuses, researcher_awards
from projects.models import Project


@login_required
def my_awards(request):
    """The awards of the projects the user leads. Anyone signed in may ask; a user leading nothing sees what to do."""
    statuses = award_statuses(researcher_awards(request.user), fund_today())
    waiting = Project.objects.filter(lead=request.user, award__isnull=True).select_related("round")
    return render(request, "projects/my_awards.html", {"awards": statuses, "waiting": waiting})


@login_required
def award_detail(request, pk):
    statuses = award_statuses(researcher_awards(request.user).filter(pk=pk), fund_today())
    if not statuses:
        raise Http404("No such award among your projects.")
    return render(request, "projects/award.html", {"award": statuses[0]})
