"""The whole ledger as CSV, for auditors: every line in posting order, one row a line, the amount with its
currency."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from alignment_fund.spreadsheet_safety import neutralise_row
from grants.models import LedgerLine

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


def ledger_lines():
    """Every ledger line with what its row names, in posting order."""
    return LedgerLine.objects.select_related(
        "transaction__posted_by", "transaction__reverses", "funder", "round", "award"
    ).order_by("transaction_id", "pk")


def ledger_row(line: LedgerLine) -> list:
    transaction = line.transaction
    return [
        transaction.pk,
        transaction.key,
        transaction.kind,
        transaction.occurred_on.isoformat(),
        transaction.posted_at.isoformat(),
        transaction.posted_by.get_username() if transaction.posted_by else "",
        transaction.reverses.key if transaction.reverses else "",
        line.account,
        f"{line.amount.amount:.2f}",
        line.amount.currency.code,
        line.funder.name if line.funder else "",
        line.round.name if line.round else "",
        line.award.reference if line.award else "",
        transaction.memo,
    ]


def write_ledger_csv(out) -> None:
    """Write the ledger to `out` (a file or an HttpResponse), reading the lines in chunks so a long ledger is never
    held in memory at once."""
    for block in iter_ledger_csv():
        out.write(block)


def iter_ledger_csv(block_rows: int = 1000) -> Iterator[str]:
    """The ledger as CSV text, a block of rows at a time (a streaming download): the lines are read from the
    database in chunks, so memory stays flat however long the ledger."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LEDGER_COLUMNS)
    for number, line in enumerate(ledger_lines().iterator(chunk_size=2000), start=1):
        writer.writerow(neutralise_row(ledger_row(line)))
        if number % block_rows == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
