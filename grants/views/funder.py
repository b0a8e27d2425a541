from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from alignment_fund.clock import fund_today
from funders.models import Funder
from grants.reads.funder_charts import chart_data
from grants.reads.instalments import overdue_instalments
from grants.reads.pages import funder_dashboard


def _own_funder(request) -> Funder:
    """The funder the signed-in user speaks for; anyone else gets 404, as if the page did not exist."""
    return get_object_or_404(Funder, contacts__user=request.user)


@login_required
def dashboard(request):
    funder = _own_funder(request)
    data = funder_dashboard(funder.pk, fund_today())
    # Only the funder's own instalments: another funder's expected dates and amounts are theirs.
    overdue = overdue_instalments(fund_today(), funder=funder)
    return render(
        request,
        "funders/dashboard.html",
        {"dashboard": data, "charts": chart_data(data), "overdue_instalments": overdue},
    )
