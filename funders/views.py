from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render


@login_required
def dashboard(request):
    if request.user.funder_id is None:
        raise Http404("No funder dashboard for this account.")
    return render(request, "funders/dashboard.html", {})
