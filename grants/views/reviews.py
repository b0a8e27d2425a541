"""The administrator's review of a milestone's report: read it, then accept it (approving the milestone) or ask for
changes with a comment the lead sees. 404 to anyone who is not a signed-in administrator."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from alignment_fund.access import administrator_required
from grants import actions
from grants.actions import ActionError
from grants.forms.pages import apply_action_error
from grants.forms.reports import ReportReviewForm
from grants.models import Milestone
from grants.reads.reports import report_versions, with_reports


@administrator_required
@require_http_methods(["GET", "POST"])
def review_report(request, pk):
    milestone = get_object_or_404(with_reports(Milestone.objects.select_related("award__project")), pk=pk)
    versions = report_versions(milestone)
    waiting = versions[0] if versions and versions[0].status == "submitted" else None
    if request.method == "POST" and waiting is not None:
        form = ReportReviewForm(request.POST)
        if form.is_valid():
            accept = form.cleaned_data["decision"] == ReportReviewForm.ACCEPT
            act = actions.do_accept_milestone_report if accept else actions.do_request_report_changes
            try:
                act(request.user, milestone=milestone, comment=form.cleaned_data["comment"])
            except ActionError as exc:
                apply_action_error(form, exc, aliases={"milestone": "__all__"})
            else:
                award = milestone.award
                messages.success(
                    request,
                    f"Report for {award.reference} milestone {milestone.number} "
                    + (
                        "accepted: the milestone is approved, payment due in the next run."
                        if accept
                        else "sent back to the lead with your comment."
                    ),
                )
                return redirect(reverse("grants:award", args=[award.pk]) + f"#milestone-{milestone.pk}")
    else:
        form = ReportReviewForm()
    return render(
        request,
        "grants/report_review.html",
        {"form": form, "milestone": milestone, "award": milestone.award, "versions": versions, "waiting": waiting},
    )
