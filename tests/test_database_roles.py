"""The database holds the money rules even against the app's own connection.

On PostgreSQL the running app connects as DATABASE_APP_ROLE, a role that owns no table: it may add to the ledger but
not change, delete or empty it, and cannot switch the triggers off. Migrations (and this suite) run as the tables'
owner, which is not a superuser either. Here a second connection logs in as the app role to the test database and
tries what an attacker with the app's credentials would.
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from djmoney.money import Money

from grants.models import Account, LedgerTransaction
from grants.models.ledger import Line
from tests.conftest import IN_CI

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_role_connection(transactional_db):
    role = settings.DATABASE_APP_ROLE
    if not role:
        message = "DATABASE_APP_ROLE is not set: the app's own role cannot be tried"
        if IN_CI:
            pytest.fail(f"CI must set it: {message}", pytrace=False)
        pytest.skip(message)
    params = connection.get_connection_params()
    params = {k: v for k, v in params.items() if k in {"host", "port", "dbname"}}
    with psycopg.connect(**params, user=role, autocommit=True) as app:
        yield app


def _post_entry() -> LedgerTransaction:
    txn, _ = LedgerTransaction.objects.post(
        key="test:roles",
        kind=LedgerTransaction.Kind.RECEIPT,
        occurred_on=date(2026, 1, 5),
        lines=[Line(Account.CASH, Money("10.00", "GBP")), Line(Account.PLEDGES_RECEIVABLE, -Money("10.00", "GBP"))],
        memo="a test entry",
    )
    return txn


def _refused(app, sql: str, match: str) -> None:
    with pytest.raises(psycopg.Error, match=match):
        app.execute(sql)


def test_neither_the_app_role_nor_the_owner_is_a_superuser(app_role_connection):
    assert app_role_connection.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (
        False,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False,)


def test_the_app_role_adds_to_the_ledger_but_cannot_change_delete_or_empty_it(app_role_connection):
    txn = _post_entry()
    app = app_role_connection
    assert app.execute("SELECT count(*) FROM grants_ledgerline WHERE transaction_id = %s", [txn.pk]).fetchone() == (2,)
    _refused(app, f"UPDATE grants_ledgerline SET amount = 1 WHERE transaction_id = {txn.pk}", "permission denied")
    _refused(app, f"DELETE FROM grants_ledgerline WHERE transaction_id = {txn.pk}", "permission denied")
    _refused(app, "TRUNCATE grants_ledgerline, grants_ledgertransaction CASCADE", "permission denied")
    _refused(app, "ALTER TABLE grants_ledgerline DISABLE TRIGGER USER", "must be owner")
    _refused(app, "SET session_replication_role = replica", "permission denied")
    assert txn.lines.count() == 2
    # What the app does need, it has: reading and writing the fund's other tables.
    app.execute("UPDATE projects_researcharea SET description = description")


def test_even_the_owner_cannot_truncate_the_ledger(transactional_db):
    txn = _post_entry()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE grants_ledgerline, grants_ledgertransaction CASCADE")
    assert txn.lines.count() == 2


def test_the_app_role_adds_lines_and_the_database_adds_them_up_but_the_role_cannot_touch_the_totals(
    app_role_connection,
):
    """The balances are read from the day totals: the trigger on the lines keeps them, as the tables' owner, so the
    app's role moves a balance only by posting a line, never by editing a total."""
    app = app_role_connection
    app.execute(
        "INSERT INTO grants_ledgertransaction (key, kind, occurred_on, posted_at, memo) "
        "VALUES ('test:app-role', 'receipt', '2026-01-07', now(), '')"
    )
    (txn_id,) = app.execute("SELECT id FROM grants_ledgertransaction WHERE key = 'test:app-role'").fetchone()
    app.execute(
        "INSERT INTO grants_ledgerline (transaction_id, account, amount_currency, amount) "
        f"VALUES ({txn_id}, 'cash', 'GBP', 12.34), ({txn_id}, 'pledges_receivable', 'GBP', -12.34)"
    )
    totals = "SELECT account, hundredths, lines FROM grants_ledgerdaytotal WHERE occurred_on = '2026-01-07' ORDER BY 1"
    assert app.execute(totals).fetchall() == [("cash", 1234, 1), ("pledges_receivable", -1234, 1)]
    _refused(app, "UPDATE grants_ledgerdaytotal SET hundredths = hundredths + 100000000", "permission denied")
    _refused(app, "DELETE FROM grants_ledgerdaytotal", "permission denied")
    _refused(
        app,
        "INSERT INTO grants_ledgerdaytotal (occurred_on, account, currency, funder_key, round_key, hundredths, lines) "
        "VALUES ('2026-01-08', 'cash', 'GBP', 0, 0, 100000000, 1)",
        "permission denied",
    )
    _refused(app, "ALTER TABLE grants_ledgerline DISABLE TRIGGER grants_ledgerline_day_totals", "must be owner")
    assert app.execute(totals).fetchall() == [("cash", 1234, 1), ("pledges_receivable", -1234, 1)]


def test_the_app_roles_writes_move_the_funds_version_but_the_role_cannot_set_it(app_role_connection):
    """The fund's version (grants.models.fund_changes) says when remembered figures must be worked out again: the
    triggers move it as the tables' owner, so the app's role cannot hold it still while it changes a record."""
    app = app_role_connection
    version = "SELECT MAX(id), COUNT(*) FROM grants_fundchange"
    before = app.execute(version).fetchone()
    app.execute("UPDATE projects_researcharea SET name = name")
    assert app.execute(version).fetchone() != before
    _refused(app, "DELETE FROM grants_fundchange", "permission denied")
    _refused(app, "UPDATE grants_fundchange SET tx = tx + 1", "permission denied")
    _refused(app, "INSERT INTO grants_fundchange (tx) VALUES (1)", "permission denied")
    _refused(app, "ALTER TABLE projects_project DISABLE TRIGGER projects_project_fund_change", "must be owner")


def test_the_app_role_keeps_replaces_and_forgets_remembered_figures_without_moving_the_version(app_role_connection):
    """Every process keeps the figures it works out (grants.reads.remembered): the app's role writes them, and a kept
    figure is not a record of the fund, so keeping one does not move the version it was kept under."""
    app = app_role_connection
    version = "SELECT MAX(id), COUNT(*) FROM grants_fundchange"
    before = app.execute(version).fetchone()
    keep = (
        "INSERT INTO grants_rememberedfigure (key, version, answer, worked_out_at) VALUES ('fund:test', %s, %s, now()) "
        "ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version, answer = EXCLUDED.answer"
    )
    app.execute(keep, ["1.1@code", b"first"])
    app.execute(keep, ["1.2@code", b"second"])
    assert app.execute("SELECT version, answer FROM grants_rememberedfigure").fetchall() == [("1.2@code", b"second")]
    app.execute("DELETE FROM grants_rememberedfigure")
    assert app.execute(version).fetchone() == before
