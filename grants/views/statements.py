"""A funder's statement for a period, as a page, a CSV and a PDF: for the funder's own contact under /funder/, and
for administrators, for any funder, under /portfolio/funders/<pk>/. Thin: parse the period, find the funder through
the viewer's own scope, call grants.reads.statement, respond."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from alignment_fund.access import administrator_required
from alignment_fund.clock import fund_today
from alignment_fund.rates.models import RateUnavailable
from funders.models import Funder
from grants.exports import statement_csv, statement_pdf
from grants.reads.periods import BadPeriod, parse_period, period_choices
from grants.reads.statement import first_day, funder_statement


def _respond(request, funder: Funder, fmt: str, urls: dict[str, str]):
    today = fund_today()
    try:
        period = parse_period(request.GET.get("period"), today)
        statement = funder_statement(funder, period, today)
    except (BadPeriod, RateUnavailable) as exc:
        if fmt != "html":
            return HttpResponseBadRequest(f"{exc}\n", content_type="text/plain; charset=utf-8")
        context = {"funder": funder, "error": str(exc), "urls": urls, "choices": _choices(funder, today)}
        return render(request, "funders/statement.html", context, status=400)
    if fmt == "csv":
        response = StreamingHttpResponse(
            statement_csv.stream_statement(statement), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{statement_csv.filename(statement)}"'
        return response
    if fmt == "pdf":
        response = HttpResponse(statement_pdf.render_pdf(statement), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{statement_csv.filename(statement, "pdf")}"'
        return response
    context = {"funder": funder, "statement": statement, "urls": urls, "choices": _choices(funder, today)}
    return render(request, "funders/statement.html", context)


def _choices(funder: Funder, today):
    return period_choices(first_day(funder) or today, today)


def _own_funder(request) -> Funder:
    """The funder the signed-in user speaks for; anyone else gets 404, as if the page did not exist."""
    return get_object_or_404(Funder, contacts__user=request.user)


def _own_urls() -> dict[str, str]:
    return {name: reverse(f"funder:statement{suffix}") for name, suffix in URL_SUFFIXES.items()}


def _admin_urls(pk: int) -> dict[str, str]:
    return {name: reverse(f"grants:funder_statement{suffix}", args=[pk]) for name, suffix in URL_SUFFIXES.items()}


URL_SUFFIXES = {"html": "_page", "csv": "", "pdf": "_pdf"}


@login_required
def own_statement(request, fmt: str):
    return _respond(request, _own_funder(request), fmt, _own_urls())


@administrator_required
def funder_statement_for_administrators(request, pk: int, fmt: str):
    funder = get_object_or_404(Funder, pk=pk)
    return _respond(request, funder, fmt, _admin_urls(pk))
