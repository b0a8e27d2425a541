from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from djmoney.money import Money

from grants.models import Account, LedgerDayTotal, LedgerLine, LedgerTransaction
from grants.models.ledger import AppendOnly, LedgerError, Line
from grants.models.ledger_totals import from_hundredths, rebuild_day_totals, to_hundredths
from grants.reads.position import balances_on


def post(key="event:1", amount="10.00", currency="GBP"):
    return LedgerTransaction.objects.post(
        key=key,
        kind=LedgerTransaction.Kind.RECEIPT,
        occurred_on=date(2026, 1, 5),
        lines=[
            Line(Account.CASH, Money(amount, currency)),
            Line(Account.PLEDGES_RECEIVABLE, -Money(amount, currency)),
        ],
    )


def test_posting_the_same_event_twice_has_one_effect(db):
    first, created = post()
    again, created_again = post()
    assert created and not created_again
    assert first.pk == again.pk
    assert LedgerLine.objects.count() == 2


def test_it_refuses_lines_that_do_not_balance_in_each_currency(db):
    with pytest.raises(LedgerError, match="do not balance"):
        LedgerTransaction.objects.post(
            key="x",
            kind="receipt",
            occurred_on=date(2026, 1, 5),
            lines=[
                Line(Account.CASH, Money("10.00", "USD")),
                Line(Account.PLEDGES_RECEIVABLE, Money("-10.00", "GBP")),
            ],
        )
    assert LedgerTransaction.objects.count() == 0


def test_it_refuses_amounts_finer_than_a_penny(db):
    with pytest.raises(LedgerError, match="penny"):
        post(amount="10.005")


def test_balances_are_grouped_by_currency_never_summed_across(db):
    post("a", "10.00", "GBP")
    post("b", "7.00", "USD")
    assert LedgerLine.objects.balance_by_currency(Account.CASH) == {
        "GBP": Decimal("10.00"),
        "USD": Decimal("7.00"),
    }


def test_the_model_layer_refuses_edits_and_deletes(db):
    txn, _ = post()
    line = txn.lines.first()
    with pytest.raises(AppendOnly):
        line.save()
    with pytest.raises(AppendOnly):
        line.delete()
    with pytest.raises(AppendOnly):
        txn.delete()
    with pytest.raises(AppendOnly):
        LedgerLine.objects.filter(pk=line.pk).update(account=Account.FX_CLEARING)


def test_the_database_refuses_an_update_of_a_posted_line(db):
    txn, _ = post()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE grants_ledgerline SET amount = 1 WHERE transaction_id = %s", [txn.pk])
    assert txn.lines.get(account=Account.CASH).amount == Money("10.00", "GBP")


@pytest.mark.postgres
def test_postgres_refuses_a_delete_of_a_posted_entry(db):
    txn, _ = post()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM grants_ledgerline WHERE transaction_id = %s", [txn.pk])
    assert txn.lines.count() == 2


def test_a_correction_is_a_reversing_entry_posted_once(db):
    txn, _ = post()
    reversal, created = LedgerTransaction.objects.post_reversal(txn, occurred_on=date(2026, 1, 6))
    again, created_again = LedgerTransaction.objects.post_reversal(txn, occurred_on=date(2026, 1, 6))
    assert created and not created_again and reversal.pk == again.pk
    assert reversal.reverses == txn
    # Django's own reverse() still orders backwards (latest() and last() call it).
    assert LedgerTransaction.objects.order_by("pk").last() == LedgerTransaction.objects.latest("pk") == reversal
    assert LedgerLine.objects.balance_by_currency(Account.CASH) == {"GBP": Decimal("0.00")}
    assert LedgerTransaction.objects.count() == 2


# The day totals every balance is read from


def day_totals() -> dict[tuple, tuple[int, int]]:
    return {
        row[:5]: row[5:]
        for row in LedgerDayTotal.objects.values_list(
            "occurred_on", "account", "currency", "funder_key", "round_key", "hundredths", "lines"
        )
    }


def test_posting_adds_its_lines_to_the_days_totals_and_posting_again_adds_nothing(db):
    day = date(2026, 1, 5)
    post("a", "10.29")
    post("b", "0.01")
    post("b", "0.01")  # the same event: no effect
    post("c", "7.00", "USD")
    assert day_totals() == {
        (day, Account.CASH, "GBP", 0, 0): (1030, 2),
        (day, Account.PLEDGES_RECEIVABLE, "GBP", 0, 0): (-1030, 2),
        (day, Account.CASH, "USD", 0, 0): (700, 1),
        (day, Account.PLEDGES_RECEIVABLE, "USD", 0, 0): (-700, 1),
    }


def test_a_reversal_adds_to_its_own_day_and_the_balances_read_from_the_totals_follow_the_date(db):
    txn, _ = post("a", "10.00")
    LedgerTransaction.objects.post_reversal(txn, occurred_on=date(2026, 1, 9))
    assert day_totals()[(date(2026, 1, 9), Account.CASH, "GBP", 0, 0)] == (-1000, 1)
    assert balances_on(date(2026, 1, 8))[(Account.CASH, "GBP")] == Decimal("10.00")
    assert balances_on(date(2026, 1, 9))[(Account.CASH, "GBP")] == Decimal("0.00")
    assert balances_on(date(2026, 1, 4)) == {}


def test_totals_are_kept_per_funder_and_round_and_rebuilt_alike_from_the_lines(world):
    """The world's pledges, receipts, conversion, awards and payments, posted by the operations: the totals the
    postings kept are the ones recomputed from the lines, and each funder's balances read from them are its lines'."""
    kept = day_totals()
    assert {key[3] for key in kept} > {0} and {key[4] for key in kept} > {0}
    with connection.cursor() as cursor:
        rebuild_day_totals(cursor)
    assert day_totals() == kept
    funder = world.funder_a
    on = LedgerTransaction.objects.latest("occurred_on").occurred_on
    assert balances_on(on, funder_key=funder.pk) == LedgerLine.objects.filter(funder=funder).balances()
    assert balances_on(on) == LedgerLine.objects.balances()


def test_an_import_adds_its_lines_to_the_totals(db):
    day = date(2026, 2, 1)
    entries = [
        {
            "key": f"import:{n}",
            "kind": LedgerTransaction.Kind.RECEIPT,
            "occurred_on": day,
            "lines": [
                Line(Account.CASH, Money("1.10", "EUR")),
                Line(Account.PLEDGES_RECEIVABLE, -Money("1.10", "EUR")),
            ],
        }
        for n in range(3)
    ]
    LedgerTransaction.objects.post_many(entries)
    assert day_totals() == {
        (day, Account.CASH, "EUR", 0, 0): (330, 3),
        (day, Account.PLEDGES_RECEIVABLE, "EUR", 0, 0): (-330, 3),
    }


def test_hundredths_are_exact_and_refuse_a_finer_amount():
    assert to_hundredths(Decimal("1234567890.29")) == 123456789029
    assert from_hundredths(-29) == Decimal("-0.29")
    with pytest.raises(ValueError, match="hundredth"):
        to_hundredths(Decimal("0.005"))


def test_totals_touched_past_the_databases_limit_on_parameters_are_added_in_several_statements(db):
    """400 totals of 7 values each: past SQLite's 999 parameters, so added 142 at a time there."""
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(200)]
    LedgerTransaction.objects.post_many(
        [
            {
                "key": f"import:{day}",
                "kind": LedgerTransaction.Kind.RECEIPT,
                "occurred_on": day,
                "lines": [
                    Line(Account.CASH, Money("2.50", "GBP")),
                    Line(Account.PLEDGES_RECEIVABLE, -Money("2.50", "GBP")),
                ],
            }
            for day in days
        ]
    )
    totals = day_totals()
    assert len(totals) == 400 and sum(lines for _, lines in totals.values()) == 400
    assert balances_on(days[-1])[(Account.CASH, "GBP")] == Decimal("500.00")
