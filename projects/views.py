from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from grants.models import Award


@login_required
def my_awards(request):
    awards = Award.objects.filter(project__lead=request.user).select_related("project", "round")
    return render(request, "projects/my_awards.html", {"awards": awards})
