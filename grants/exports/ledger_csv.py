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


# What each column reads, in the columns' order: plain values, read with their joins, never model instances (a
# stress-size ledger is a million lines, and building a model per line made the download take minutes).
_FIELDS = [
    "transaction_id",
    "transaction__key",
    "transaction__kind",
    "transaction__occurred_on",
    "transaction__posted_at",
    "transaction__posted_by__username",
    "transaction__reverses__key",
    "account",
    "amount",
    "amount_currency",
    "funder__name",
    "round__name",
    "award__reference",
    "transaction__memo",
]


def ledger_lines():
    """Every ledger line as the values its row names, in posting order."""
    return LedgerLine.objects.order_by("transaction_id", "pk").values_list(*_FIELDS)


def ledger_row(values: tuple) -> list:
    (
        txn,
        key,
        kind,
        occurred_on,
        posted_at,
        posted_by,
        reverses,
        account,
        amount,
        currency,
        funder,
        round_,
        award,
        memo,
    ) = values
    return [
        txn,
        key,
        kind,
        occurred_on.isoformat(),
        posted_at.isoformat(),
        posted_by or "",
        reverses or "",
        account,
        f"{amount:.2f}",
        currency,
        funder or "",
        round_ or "",
        award or "",
        memo,
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
    yield out.getvalue()  # the header at once: the download starts before the first lines are read
    out.seek(0)
    out.truncate()
    for number, line in enumerate(ledger_lines().iterator(chunk_size=2000), start=1):
        writer.writerow(neutralise_row(ledger_row(line)))
        if number % block_rows == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
