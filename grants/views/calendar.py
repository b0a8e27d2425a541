"""A month of the payment calendar: the payments it counts in that month, a page at a time (the calendar itself,
its month totals, is `grants.views.portfolio.calendar`)."""

from datetime import date

from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import render

from alignment_fund.access import administrator_required
from alignment_fund.clock import fund_today
from alignment_fund.dates import first_of_month
from grants.reads.calendar import CALENDAR_PAGE_SIZE, payments_in
from grants.reads.position import money_sum


@administrator_required
def calendar_month(request, year: str, month: str):
    """The payments the calendar counts in one month, 50 a page (the current month's include the overdue ones)."""
    today = fund_today()
    try:
        first = date(int(year), int(month), 1)
    except ValueError as exc:
        raise Http404("No such month.") from exc
    if first < first_of_month(today):
        raise Http404("Past months' payments count in the current month, as overdue.")
    payments = payments_in(first, today)
    figures = payments.aggregate(count=Count("pk"), total=Sum("amount"))
    paginator = Paginator(payments, CALENDAR_PAGE_SIZE)
    paginator.count = figures["count"]  # counted with the total: one pass over the milestones, not two
    context = {"month": first, "page": paginator.get_page(request.GET.get("page")), "count": figures["count"]}
    context |= {"total_gbp": money_sum(figures["total"]), "overdue": first == first_of_month(today)}
    return render(request, "grants/calendar_month.html", context)
