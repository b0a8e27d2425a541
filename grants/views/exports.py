"""Downloads of the fund's open data for administrators. They stream: the first bytes leave at once and the
server holds one chunk of rows at a time, however large the fund."""

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect

from alignment_fund.access import administrator_required
from alignment_fund.clock import fund_today
from grants.exports.giving360 import NothingToPublish, prefix
from grants.exports.ledger_csv import iter_ledger_csv
from grants.exports.streaming import stream

CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@administrator_required
def export_360giving(request, fmt: str):
    """The 360Giving file of every award, for an administrator to check and publish. Anyone else gets a 404, like
    any page that is not theirs."""
    try:
        pieces = stream(fmt)
    except NothingToPublish as exc:
        messages.warning(request, str(exc))
        return redirect("grants:portfolio")
    response = StreamingHttpResponse(pieces, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{prefix()}-{fund_today():%Y-%m-%d}.{fmt}"'
    return response


@administrator_required
def export_ledger(request):
    """Every ledger line, in posting order, for auditors: one row a line, the amount with its currency."""
    response = StreamingHttpResponse(iter_ledger_csv(), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="alignment-fund-ledger-{fund_today():%Y-%m-%d}.csv"'
    return response
