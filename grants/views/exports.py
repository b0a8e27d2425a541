"""Downloads of the fund's open data for administrators."""

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from alignment_fund.access import administrator_required
from alignment_fund.clock import fund_today
from grants.exports.giving360 import NothingToPublish, build_package, prefix, render
from grants.models import LedgerLine

CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@administrator_required
def export_360giving(request, fmt: str):
    """The 360Giving file of every award, for an administrator to check and publish. Anyone else gets a 404, like
    any page that is not theirs."""
    try:
        package = build_package()
    except NothingToPublish as exc:
        messages.warning(request, str(exc))
        return redirect("grants:portfolio")
    response = HttpResponse(render(package, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{prefix()}-{fund_today():%Y-%m-%d}.{fmt}"'
    return response


LEDGER_COLUMNS = [
    "transaction",
    "key",
    "kind",
    "occurred_on",
    "posted_at",
    "posted_by",
    "reverses",
    "account",
    "amount",
    "currency",
    "funder",
    "round",
    "award",
    "memo",
]


@administrator_required
def export_ledger(request):
    """Every ledger line, in posting order, for auditors: one row a line, the amount with its currency."""
    lines = LedgerLine.objects.select_related(
        "transaction__posted_by", "transaction__reverses", "funder", "round", "award"
    ).order_by("transaction_id", "pk")
    response = HttpResponse(content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="alignment-fund-ledger-{fund_today():%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(LEDGER_COLUMNS)
    for line in lines.iterator(chunk_size=2000):
        txn = line.transaction
        writer.writerow(
            [
                txn.pk,
                txn.key,
                txn.kind,
                txn.occurred_on.isoformat(),
                txn.posted_at.isoformat(),
                txn.posted_by.get_username() if txn.posted_by else "",
                txn.reverses.key if txn.reverses else "",
                line.account,
                f"{line.amount.amount:.2f}",
                line.amount.currency.code,
                line.funder.name if line.funder else "",
                line.round.name if line.round else "",
                line.award.reference if line.award else "",
                txn.memo,
            ]
        )
    return response
