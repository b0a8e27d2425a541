from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from djmoney.money import Money

from grants.models import Account, LedgerLine, LedgerTransaction
from grants.models.ledger import AppendOnly, LedgerError, Line


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
    reversal, created = LedgerTransaction.objects.reverse(txn, occurred_on=date(2026, 1, 6))
    again, created_again = LedgerTransaction.objects.reverse(txn, occurred_on=date(2026, 1, 6))
    assert created and not created_again and reversal.pk == again.pk
    assert reversal.reverses == txn
    assert LedgerLine.objects.balance_by_currency(Account.CASH) == {"GBP": Decimal("0.00")}
    assert LedgerTransaction.objects.count() == 2
