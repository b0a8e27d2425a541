"""The pledge import writes the whole file as one batch: the number of queries does not grow with the rows, every
pledge and receipt still gets its history and its ledger entry, and a row the actions refuse, anywhere in the file,
is named and leaves nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment_fund.spreadsheets.reading import Row, Table
from funders.models import Pledge, PledgeInstalment, Receipt
from grants import actions
from grants.imports.pledges import import_pledges
from grants.models import LedgerLine, LedgerTransaction

HEADERS = ["Funder", "Pledge reference", "Amount", "Currency", "Pledged on", "Instalments"]
HEADERS += ["Receipt bank reference", "Receipt amount", "Received on"]


def table(count: int, *, changes: dict[int, dict] | None = None, prefix: str = "BULK") -> Table:
    """`count` new pledges of $1,000.00 with a receipt of $250.00 each; every tenth in two instalments and with a
    second receipt row; `changes` rewrites some rows' cells (by row index)."""
    rows, number = [], 2
    for n in range(count):
        values = {
            "Funder": "funder-a",
            "Pledge reference": f"{prefix}-{n}",
            "Amount": "1000.00",
            "Currency": "USD",
            "Pledged on": "2025-09-01",
            "Instalments": "2025-10-01 400; 2025-11-01 600" if n % 10 == 0 else "",
            "Receipt bank reference": f"{prefix}-BANK-{n}",
            "Receipt amount": "250.00",
            "Received on": "2025-09-15",
        }
        values.update((changes or {}).get(n, {}))
        rows.append(Row(number, values))
        number += 1
        if n % 10 == 0:  # the same pledge again, for a second receipt
            again = dict(values, **{"Receipt bank reference": f"{prefix}-BANK-{n}-2", "Receipt amount": "100.00"})
            rows.append(Row(number, again))
            number += 1
    return Table(list(HEADERS), rows)


def written() -> tuple[int, ...]:
    return (
        Pledge.all_objects.count(),
        Receipt.all_objects.count(),
        PledgeInstalment.objects.count(),
        LedgerTransaction.objects.count(),
        LedgerLine.objects.count(),
        Pledge.history.count(),
        Receipt.history.count(),
    )


def queries_to_import(rows: int, admin, prefix: str) -> tuple[int, int]:
    """(other statements, statements that add rows: INSERT, or COPY on PostgreSQL) of importing `rows` rows."""
    with CaptureQueriesContext(connection) as queries:
        report = import_pledges(table(rows, prefix=prefix), actor=admin)
    assert report.ok, report.errors[:3]
    inserts = sum(1 for q in queries if "INSERT INTO" in q["sql"] or q["sql"].startswith("COPY"))
    return len(queries) - inserts, inserts


def test_the_number_of_queries_does_not_grow_with_the_rows(world):
    few = queries_to_import(20, world.admin, "FEW")
    many = queries_to_import(400, world.admin, "MANY")
    assert many[0] == few[0] <= 15  # look-ups, the lock, savepoints: the same for 20 rows or 400
    # Every table is written in one statement on PostgreSQL (a multi-row INSERT of up to 1,000 rows, or a COPY for
    # the ledger, whose trigger adds up the day totals); SQLite's limit on parameters splits the INSERTs into
    # statements of a few dozen rows, and the day totals are one more.
    if connection.vendor == "postgresql":
        assert few[1] == many[1] == 8
    else:
        assert few[1] == 9
        assert many[1] <= 4_600 / 50  # 4,600 rows (pledges, receipts, instalments, their history, the ledger)


def test_a_few_hundred_rows_are_written_with_their_instalments_history_and_balanced_ledger(
    world, django_assert_max_num_queries
):
    before = written()
    report = import_pledges(table(300), actor=world.admin)
    assert report.ok and report.written
    assert report.created == {"pledges": 300, "receipts": 330}
    pledges, receipts, instalments, txns, lines, pledge_history, receipt_history = (
        after - earlier for after, earlier in zip(written(), before, strict=True)
    )
    assert (pledges, receipts, instalments) == (300, 330, 60)
    assert (txns, lines) == (630, 1260)
    assert (pledge_history, receipt_history) == (300, 330)
    assert Pledge.history.filter(reference="BULK-7").get().history_user == world.admin
    pledge = Pledge.objects.get(reference="BULK-10")
    assert [r.amount.amount for r in pledge.receipts.order_by("bank_reference")] == [
        Decimal("250.00"),
        Decimal("100.00"),
    ]
    receipt = Receipt.objects.get(bank_reference="BULK-BANK-10-2")
    txn = LedgerTransaction.objects.get(key=f"receipt:{receipt.pk}")
    assert txn.posted_by == world.admin and txn.occurred_on == date(2025, 9, 15)
    assert sum(line.amount.amount for line in txn.lines.all()) == 0
    assert LedgerTransaction.objects.filter(key=f"pledge:{pledge.pk}", kind="pledge").exists()
    balances = LedgerLine.objects.balances()
    for currency in {c for _, c in balances}:
        assert sum(v for (_, c), v in balances.items() if c == currency) == 0


@pytest.mark.parametrize(
    ("where", "cells", "column", "message"),
    [
        # Refused by the actions' rules, which the file's own checks do not look at:
        (0, {"Pledged on": "2001-01-01", "Received on": "2001-02-01"}, "Pledged on", "cannot value money"),
        (150, {"Received on": "2031-01-01"}, "Received on", "cannot be after today"),
        (299, {"Pledged on": "2031-01-01", "Received on": "2031-01-02"}, "Pledged on", "cannot be after today"),
        (120, {"Instalments": "2025-10-01 400; 2025-11-01 500"}, "Instalments", "add up to"),
    ],
)
def test_a_row_the_actions_refuse_anywhere_is_named_and_nothing_is_written(world, where, cells, column, message):
    before = written()
    report = import_pledges(table(300, changes={where: cells}), actor=world.admin)
    assert not report.ok and not report.written
    (error,) = report.errors
    expected_row = table(300).rows[0].number + where + (where + 9) // 10  # the repeated rows come before it
    assert error.row == expected_row and error.column == column and message in error.message
    assert written() == before


def test_a_receipt_against_a_pledge_reversed_after_the_file_was_checked_is_refused(world):
    """The batch locks the stored pledges it pays and checks them again: one reversed meanwhile is refused."""
    from grants.actions.contribution_batches import BatchRefused, ReceiptToRecord, do_record_contributions

    pledge = actions.do_record_pledge(
        world.admin, funder=world.funder_a, amount="100", currency="USD", pledged_on=date(2025, 9, 1), reference="R-1"
    )
    actions.do_reverse_pledge(world.admin, record=pledge, reason="keyed twice")
    before = written()
    item = ReceiptToRecord(pledge, amount="50", currency="USD", received_on=date(2025, 9, 2), bank_reference="R-B")
    with pytest.raises(BatchRefused) as refused:
        do_record_contributions(world.admin, receipts=[item])
    assert refused.value.item is item and "reversed" in str(refused.value)
    assert written() == before


def test_receipts_in_one_batch_cannot_add_up_to_more_than_is_still_to_arrive(world):
    from grants.actions.contribution_batches import BatchRefused, ReceiptToRecord, do_record_contributions

    pledge = actions.do_record_pledge(
        world.admin, funder=world.funder_a, amount="100", currency="USD", pledged_on=date(2025, 9, 1), reference="R-2"
    )
    items = [
        ReceiptToRecord(pledge, amount="60", currency="USD", received_on=date(2025, 9, 2), bank_reference=f"R-B{n}")
        for n in range(2)
    ]
    before = written()
    with pytest.raises(BatchRefused) as refused:
        do_record_contributions(world.admin, receipts=items)
    assert refused.value.item is items[1] and "$40.00" in str(refused.value)
    assert written() == before
