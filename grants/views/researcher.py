"""A researcher's own pages: their awards, accepting an offer, uploading each milestone's report, and the report
files themselves (which administrators may also fetch). Anything not theirs answers 404, like something missing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from alignment_fund.clock import fund_today
from grants import actions
from grants.actions import ActionError
from grants.forms.pages import apply_action_error
from grants.forms.reports import ReportUploadForm
from grants.models import Milestone
from grants.reads.reports import reports_visible_to
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


@login_required
@require_POST
def accept_award(request, pk):
    award = get_object_or_404(researcher_awards(request.user), pk=pk)
    try:
        actions.do_accept_award(request.user, award=award)
    except ActionError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"You accepted the offer of {award.reference}. Thank you.")
    return redirect("researcher:award", pk=award.pk)


@login_required
@require_http_methods(["GET", "POST"])
def upload_report(request, pk):
    milestone = get_object_or_404(
        Milestone.objects.filter(award__in=researcher_awards(request.user)).select_related("award__project"), pk=pk
    )
    if request.method == "POST":
        form = ReportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = actions.do_submit_milestone_report(
                    request.user, milestone=milestone, upload=form.cleaned_data["file"]
                )
            except ActionError as exc:
                apply_action_error(form, exc)
            else:
                messages.success(
                    request,
                    f"Report for milestone {milestone.number} received ({report.original_name}): the fund "
                    f"administrator will review it.",
                )
                return redirect(reverse("researcher:award", args=[milestone.award_id]) + f"#milestone-{milestone.pk}")
    else:
        form = ReportUploadForm()
    statuses = award_statuses(researcher_awards(request.user).filter(pk=milestone.award_id), fund_today())
    status = next(row for row in statuses[0].milestones if row.pk == milestone.pk)
    return render(
        request,
        "projects/report_upload.html",
        {"form": form, "award": statuses[0], "milestone": status},
    )


@login_required
def report_file(request, pk):
    """The report's file, streamed as a download under its original name, to its lead and to administrators."""
    report = get_object_or_404(reports_visible_to(request.user).select_related("milestone__award"), pk=pk)
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The report's file is missing from storage.") from exc
    response = FileResponse(handle, as_attachment=True, filename=report.original_name, content_type=report.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
