"""The fund-wide activity log, for administrators: every change to every record, and its CSV."""

from __future__ import annotations

import csv

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render

from alignment_fund.access import administrator_required
from alignment_fund.clock import fund_today
from alignment_fund.spreadsheet_safety import neutralise_row
from grants.forms.activity import ActivityFilterForm
from grants.reads.activity import CSV_COLUMNS, ActivityFilter, activity_csv_rows, activity_page


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@administrator_required
def activity_log(request):
    form = ActivityFilterForm(request.GET or None)
    criteria = form.criteria() if form.is_valid() else ActivityFilter()
    page = activity_page(criteria, _page_number(request)) if not form.errors else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "grants/activity.html", {"form": form, "page": page, "query": query.urlencode()})


class _Echo:
    def write(self, value):
        return value


@administrator_required
def activity_csv(request):
    form = ActivityFilterForm(request.GET or None)
    if form.errors:
        problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        return HttpResponseBadRequest(f"The filters are wrong: {problems}", content_type="text/plain; charset=utf-8")
    criteria = form.criteria() if form.is_bound else ActivityFilter()
    writer = csv.writer(_Echo())
    rows = (writer.writerow(neutralise_row(row)) for row in activity_csv_rows(criteria))
    response = StreamingHttpResponse(_stream(writer, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="alignment-fund-activity-{fund_today():%Y-%m-%d}.csv"'
    return response


def _stream(writer, rows):
    yield writer.writerow(CSV_COLUMNS)
    yield from rows
