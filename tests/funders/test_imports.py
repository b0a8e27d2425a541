"""Importing pledges and their receipts: every write goes through the fund's actions (so the ledger is posted),
errors name the row and the column, one bad row means nothing is written, and a repeat changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from djmoney.money import Money
from openpyxl import Workbook

from alignment_fund.spreadsheets.reading import read_csv
from alignment_fund.spreadsheets.report import CellError
from funders.models import Pledge, Receipt
from grants.imports.pledges import import_pledges
from grants.models import LedgerTransaction

HEADERS = [
    "Funder",
    "Pledge reference",
    "Amount",
    "Currency",
    "Pledged on",
    "Restricted to round",
    "Restricted to area",
    "Compute only",
    "Receipt bank reference",
    "Receipt amount",
    "Received on",
]


def pledge_row(**values) -> list:
    row = dict.fromkeys(HEADERS, "")
    row.update(values)
    return [row[h] for h in HEADERS]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def run(*args) -> tuple[str, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_pledges", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def money_rows() -> tuple[int, int, int]:
    return Pledge.objects.count(), Receipt.objects.count(), LedgerTransaction.objects.count()


A = {"Funder": "funder-a", "Currency": "USD", "Pledged on": "2025-09-01"}


def test_an_import_records_pledges_and_receipts_through_the_actions_so_the_ledger_is_posted(world, tmp_path):
    rows = [
        pledge_row(
            **A,
            **{
                "Pledge reference": "PA-2",
                "Amount": "500,000.00",
                "Receipt bank reference": "BANK-A-2",
                "Receipt amount": "200000",
                "Received on": "2025-09-15",
            },
        ),
        pledge_row(
            **A,
            **{
                "Pledge reference": "PA-2",
                "Amount": "500,000.00",
                "Receipt bank reference": "BANK-A-3",
                "Receipt amount": "300000",
                "Received on": "01/10/2025",
            },
        ),
        pledge_row(
            **{
                "Funder": "Quiet Funder B",
                "Pledge reference": "PB-2",
                "Amount": "75000",
                "Currency": "gbp",
                "Pledged on": "2025-10-01",
                "Restricted to round": "1",
                "Restricted to area": "Interpretability",
            }
        ),
        pledge_row(
            **{
                "Funder": "funder-a",
                "Pledge reference": "PA-C",
                "Amount": "10000",
                "Currency": "USD",
                "Pledged on": "2025-10-02",
                "Compute only": "yes",
            }
        ),
    ]
    path = write_csv(tmp_path / "pledges.csv", rows)

    out, err, error = run(path, "--user", world.admin.username)

    assert error is None, err
    assert "4 rows: 4 new, 0 unchanged, 0 with errors." in out
    assert "Created 3 pledges, 2 receipts." in out
    pledge = Pledge.objects.get(reference="PA-2")
    assert pledge.amount == Money("500000.00", "USD")
    assert pledge.recorded_by == world.admin
    assert [(r.bank_reference, r.amount, r.received_on) for r in pledge.receipts.order_by("received_on")] == [
        ("BANK-A-2", Money("200000.00", "USD"), date(2025, 9, 15)),
        ("BANK-A-3", Money("300000.00", "USD"), date(2025, 10, 1)),
    ]
    restricted = Pledge.objects.get(reference="PB-2")
    assert (restricted.funder, restricted.restricted_to_round, restricted.restricted_to_area) == (
        world.funder_b,
        world.round,
        world.area,
    )
    assert Pledge.objects.get(reference="PA-C").compute_only
    for key in [f"pledge:{pledge.pk}", f"pledge:{restricted.pk}"] + [f"receipt:{r.pk}" for r in pledge.receipts.all()]:
        assert LedgerTransaction.objects.filter(key=key).exists(), key


def test_a_dry_run_names_each_row_and_column_in_words_and_writes_nothing(world, tmp_path):
    before = money_rows()
    rows = [
        pledge_row(**A, **{"Pledge reference": "PA-2", "Amount": "ten"}),
        pledge_row(**{**A, "Currency": "XYZ"}, **{"Pledge reference": "PA-3", "Amount": "10"}),
        pledge_row(**{**A, "Funder": "Acme"}, **{"Pledge reference": "PA-4", "Amount": "10"}),
        pledge_row(
            **A,
            **{
                "Pledge reference": "PA-5",
                "Amount": "100",
                "Receipt bank reference": "B-5",
                "Receipt amount": "100",
                "Received on": "2025-08-01",
            },
        ),
        pledge_row(
            **A,
            **{
                "Pledge reference": "PA-6",
                "Amount": "100",
                "Receipt bank reference": "B-6",
                "Receipt amount": "100.01",
                "Received on": "2025-09-02",
            },
        ),
        pledge_row(
            **A,
            **{
                "Pledge reference": "PA-7",
                "Amount": "100",
                "Receipt bank reference": "B-7",
                "Receipt amount": "50",
                "Received on": "2025-09-02",
            },
        ),
        pledge_row(
            **A,
            **{
                "Pledge reference": "PA-7",
                "Amount": "100",
                "Receipt bank reference": "B-7",
                "Receipt amount": "50",
                "Received on": "2025-09-03",
            },
        ),
        pledge_row(**A, **{"Pledge reference": "PA-8", "Amount": "100"}),
        pledge_row(**A, **{"Pledge reference": "PA-8", "Amount": "100"}),
        pledge_row(**A, **{"Pledge reference": "PA-9", "Amount": "100", "Receipt amount": "100"}),
        pledge_row(
            **A, **{"Pledge reference": "PA-1", "Amount": "1000000.00", "Restricted to area": "interpretability"}
        ),
        pledge_row(
            **{
                "Funder": "funder-b",
                "Pledge reference": "PB-1",
                "Amount": "1234567.89",
                "Currency": "GBP",
                "Pledged on": "2025-07-01",
                "Receipt bank reference": "BANK-A-1",
                "Receipt amount": "100",
                "Received on": "2025-08-01",
            },
        ),
    ]
    path = write_csv(tmp_path / "pledges.csv", rows)

    out, err, error = run(path, "--dry-run")

    assert error is not None
    assert err.splitlines() == [
        "Row 2, column 'Amount': 'ten' is not an amount",
        "Row 3, column 'Currency': 'XYZ' is not a currency the fund accepts (GBP, USD, EUR, CAD, AUD)",
        "Row 4, column 'Funder': 'Acme' is not a funder (give its name or its slug)",
        "Row 5, column 'Received on': money cannot arrive before the pledge it pays was made (1 Sep 2025)",
        "Row 6, column 'Receipt amount': only $100.00 of pledge PA-6 is still to arrive",
        "Row 8, column 'Receipt bank reference': 'B-7' is also on row 7",
        "Row 10, column 'Pledge reference': 'PA-8' is also on row 9",
        "Row 11, column 'Receipt bank reference': a receipt needs the bank's reference",
        "Row 11, column 'Received on': a receipt needs the date the money arrived",
        "Row 12, column 'Amount': pledge PA-1 is already recorded with $2,000,000.00: a recorded pledge is never "
        "edited (a correction is recorded by hand as a reversing entry)",
        "Row 12, column 'Pledged on': pledge PA-1 is already recorded with date 1 Jul 2025: a recorded pledge is "
        "never edited (a correction is recorded by hand as a reversing entry)",
        "Row 13, column 'Receipt bank reference': BANK-A-1 is already recorded: $2,000,000.00 received 1 Aug 2025 "
        "against pledge PA-1; a recorded receipt is never edited (a correction is recorded by hand as a reversing "
        "entry)",
    ]
    assert "12 rows: 2 new, 0 unchanged, 10 with errors. Nothing would be imported" in out
    assert money_rows() == before


def test_one_bad_row_means_nothing_is_written(world, tmp_path):
    before = money_rows()
    rows = [pledge_row(**A, **{"Pledge reference": f"PA-{n}", "Amount": "1000"}) for n in range(10, 20)]
    rows.append(pledge_row(**A, **{"Pledge reference": "PA-99", "Amount": "-5"}))

    _, err, error = run(write_csv(tmp_path / "pledges.csv", rows))

    assert "Row 12, column 'Amount': '-5' must be more than zero" in err
    assert "Nothing was imported" in str(error)
    assert money_rows() == before


def test_rows_identical_to_what_is_stored_are_unchanged(world, tmp_path):
    rows = [
        pledge_row(
            **{**A, "Pledged on": "2025-07-01"},
            **{
                "Pledge reference": "PA-1",
                "Amount": "2000000",
                "Restricted to area": "interpretability",
                "Receipt bank reference": "BANK-A-1",
                "Receipt amount": "2000000",
                "Received on": "2025-08-01",
            },
        ),
        pledge_row(
            **{
                "Funder": "funder-b",
                "Pledge reference": "PB-1",
                "Amount": "1234567.89",
                "Currency": "GBP",
                "Pledged on": "1 Jul 2025",
            }
        ),
    ]
    before = money_rows()

    out, _, error = run(write_csv(tmp_path / "pledges.csv", rows))

    assert error is None
    assert "2 rows: 0 new, 2 unchanged, 0 with errors." in out
    assert money_rows() == before


def test_an_xlsx_file_with_number_and_date_cells_imports(world, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(
        [
            "Open Funder A",
            "PA-X",
            1500000.25,
            "USD",
            date(2025, 9, 1),
            None,
            None,
            False,
            "BANK-X",
            0.25,
            date(2025, 9, 2),
        ]
    )
    book.save(tmp_path / "pledges.xlsx")

    _, err, error = run(tmp_path / "pledges.xlsx")

    assert error is None, err
    pledge = Pledge.objects.get(reference="PA-X")
    assert pledge.amount == Money("1500000.25", "USD")
    assert pledge.receipts.get().amount == Money("0.25", "USD")


def test_an_amount_too_large_for_the_books_is_refused(world, tmp_path):
    rows = [pledge_row(**A, **{"Pledge reference": "PA-BIG", "Amount": "1000000000000"})]

    _, err, _ = run(write_csv(tmp_path / "pledges.csv", rows))

    assert "Row 2, column 'Amount': '1000000000000' is too large" in err


def csv_table(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return read_csv(out.getvalue().encode())


def test_the_check_and_the_import_share_the_rules_and_only_the_import_writes(world):
    rows = [
        pledge_row(
            **A,
            **{
                "Pledge reference": "PA-2",
                "Amount": "100",
                "Receipt bank reference": "B-2",
                "Receipt amount": "100",
                "Received on": "2025-09-02",
            },
        ),
        pledge_row(**A, **{"Pledge reference": "PA-3", "Amount": "1,0"}),
    ]
    before = money_rows()

    refused = import_pledges(csv_table(rows), actor=world.admin, dry_run=True)
    assert refused.errors == [CellError(3, "Amount", "'1,0' is not an amount")]
    del rows[1]
    preview = import_pledges(csv_table(rows), actor=world.admin, dry_run=True)
    assert money_rows() == before
    result = import_pledges(csv_table(rows), actor=world.admin)

    assert preview.counts["new"] == result.counts["new"] == 1
    assert isinstance(result.rows[0].instance, Pledge)
    assert Receipt.objects.get(bank_reference="B-2").recorded_by == world.admin
    assert money_rows() == (before[0] + 1, before[1] + 1, before[2] + 2)


@pytest.mark.parametrize("count", [500])
def test_a_large_file_dry_run_with_errors_then_all_or_nothing_then_a_repeat_that_changes_nothing(
    world, tmp_path, count
):
    rows = []
    for n in range(count):
        funder = "funder-a" if n % 2 else "Quiet Funder B"
        currency = "USD" if n % 2 else "GBP"
        receipt = {"Receipt bank reference": f"BULK-{n}", "Receipt amount": "400.00", "Received on": "2025-10-01"}
        rows.append(
            pledge_row(
                **{
                    "Funder": funder,
                    "Pledge reference": f"BULK-P{n}",
                    "Amount": "1000.00",
                    "Currency": currency,
                    "Pledged on": "2025-09-30",
                },
                **(receipt if n % 3 else {}),
            )
        )
    broken = list(rows)
    broken[100] = pledge_row(**A, **{"Pledge reference": "BULK-P100", "Amount": "lots"})
    broken[400] = pledge_row(**{**A, "Currency": "BTC"}, **{"Pledge reference": "BULK-P400", "Amount": "1"})
    bad, good = write_csv(tmp_path / "bad.csv", broken), write_csv(tmp_path / "good.csv", rows)
    before = money_rows()

    _, err, error = run(bad, "--dry-run")
    assert err.splitlines() == [
        "Row 102, column 'Amount': 'lots' is not an amount",
        "Row 402, column 'Currency': 'BTC' is not a currency the fund accepts (GBP, USD, EUR, CAD, AUD)",
    ]
    _, _, error = run(bad)
    assert error is not None and money_rows() == before

    out, err, error = run(good)
    assert error is None, err
    receipts = sum(1 for n in range(count) if n % 3)
    after = money_rows()
    assert after == (before[0] + count, before[1] + receipts, before[2] + count + receipts)
    connection.check_constraints()  # the ledger's deferred balance checks, which a test transaction never commits

    out, _, error = run(good)
    assert error is None
    assert f"{count} rows: 0 new, {count} unchanged, 0 with errors." in out
    assert money_rows() == after


# The admin's Import button, end to end, on the real admin site.


def test_the_admin_previews_then_records_pledges_through_the_actions(world, client, tmp_path):
    client.force_login(world.admin)
    url = reverse("admin:funders_pledge_import")
    rows = [
        pledge_row(
            **A,
            **{
                "Pledge reference": "PA-2",
                "Amount": "100",
                "Receipt bank reference": "B-2",
                "Receipt amount": "100",
                "Received on": "2025-09-02",
            },
        )
    ]
    path_ = write_csv(tmp_path / "pledges.csv", rows)
    before = money_rows()

    with open(path_, "rb") as f:
        preview = client.post(url, {"import_file": f})
    assert money_rows() == before
    done = client.post(reverse("admin:funders_pledge_process_import"), preview.context["confirm_form"].initial)

    assert done.status_code == 302
    assert Receipt.objects.get(bank_reference="B-2").recorded_by == world.admin
    assert money_rows() == (before[0] + 1, before[1] + 1, before[2] + 2)
