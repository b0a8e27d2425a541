"""A month of the payment calendar: the payments it counts in that month, a page at a time (the calendar itself,
its month totals, is `grants.views.portfolio.calendar`)."""

from datetime import date

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from alignment_fund.access import administrator_required
from alignment_fund.clock import fund_today
from alignment_fund.dates import first_of_month
from grants.reads.calendar import CALENDAR_PAGE_SIZE, month_figures, month_payments, payments_in
from grants.reads.remembered import remembered


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
    # The count and the total are the calendar's month totals; the page's payments are remembered per version of the
    # fund, like the calendar (grants.reads.remembered).
    count, total = month_figures(first, today)
    paginator = Paginator(payments_in(first, today), CALENDAR_PAGE_SIZE)
    paginator.count = count
    page = paginator.get_page(request.GET.get("page"))
    start = (page.number - 1) * CALENDAR_PAGE_SIZE
    page.object_list = remembered("month_payments", month_payments, first, today, start, start + CALENDAR_PAGE_SIZE)
    context = {"month": first, "page": page, "count": count}
    context |= {"total_gbp": total, "overdue": first == first_of_month(today)}
    return render(request, "grants/calendar_month.html", context)
