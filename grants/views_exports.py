"""Downloads of the fund's open data for administrators."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from alignment_fund.clock import fund_today

from .publishing import NothingToPublish, build_package, prefix, render

CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@login_required
def export_360giving(request, fmt: str):
    """The 360Giving file of every award, for an administrator to check and publish. Anyone else gets a 404, like
    any page that is not theirs."""
    if not request.user.is_staff:
        raise Http404
    try:
        package = build_package()
    except NothingToPublish as exc:
        messages.warning(request, str(exc))
        return redirect("grants:portfolio")
    response = HttpResponse(render(package, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{prefix()}-{fund_today():%Y-%m-%d}.{fmt}"'
    return response
