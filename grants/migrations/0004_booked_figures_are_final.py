"""The database refuses what the review found it allowed: emptying the ledger with TRUNCATE, and changing an amount,
currency or date that the ledger has booked from under it (a receipt's amount, an award's). A correction is a
reversing entry, never an edit.

TRUNCATE is refused by a statement trigger on PostgreSQL (SQLite has no TRUNCATE). The test runner empties tables
between transactional tests with TRUNCATE: it opts in for its own transaction with the `alignment_fund.flushing`
setting (tests/conftest.py). That is no back door for the running app: it connects as a role that owns no table and
has no TRUNCATE privilege on the ledger (README, "The database"), and the owner could disable triggers anyway.
"""

from django.db import migrations

LEDGER = ("grants_ledgertransaction", "grants_ledgerline")

# table -> the columns the ledger booked: they never change once written.
BOOKED = {
    "funders_pledge": ("amount", "amount_currency", "pledged_on", "funder_id", "compute_only"),
    "funders_receipt": ("amount", "amount_currency", "received_on", "pledge_id"),
    "funders_conversion": (
        "amount_sold",
        "amount_sold_currency",
        "gbp_credited",
        "gbp_credited_currency",
        "dealt_rate",
        "converted_on",
        "receipt_id",
    ),
    "grants_award": ("amount", "amount_currency", "awarded_on", "round_id", "project_id"),
    "grants_awardattribution": ("amount", "amount_currency", "share", "award_id", "funder_id"),
    "grants_disbursement": ("amount", "amount_currency", "paid_on", "award_id", "milestone_id"),
}

POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION ledger_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('alignment_fund.flushing', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the ledger is append-only: TRUNCATE on % refused', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION booked_figure_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger has booked this %: its amounts and dates cannot change; reverse it instead',
        TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def _changed(columns, old="OLD", new="NEW") -> str:
    return " OR ".join(f"{old}.{c} IS DISTINCT FROM {new}.{c}" for c in columns)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTIONS, params=None)
        for table in LEDGER:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();"
            )
        for table, columns in BOOKED.items():
            schema_editor.execute(
                f"CREATE TRIGGER {table}_booked_is_final BEFORE UPDATE ON {table} FOR EACH ROW "
                f"WHEN ({_changed(columns)}) EXECUTE FUNCTION booked_figure_refuse_change();"
            )
    elif vendor == "sqlite":
        restore_sqlite_triggers(apps, schema_editor)


def restore_sqlite_triggers(apps, schema_editor):
    """SQLite drops a table's triggers when a migration remakes the table (to alter a column or add a constraint).
    A later migration that changes a booked table runs this after it; it is safe to run at any time."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for table, columns in BOOKED.items():
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_booked_is_final BEFORE UPDATE ON {table} "
            f"WHEN {_changed(columns).replace(' IS DISTINCT FROM ', ' IS NOT ')} "
            f"BEGIN SELECT RAISE(ABORT, 'the ledger has booked this {table}: its amounts and dates cannot "
            f"change; reverse it instead'); END;"
        )


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in BOOKED:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_booked_is_final ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_booked_is_final;")
    if vendor == "postgresql":
        for table in LEDGER:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
        schema_editor.execute("DROP FUNCTION IF EXISTS ledger_refuse_truncate();")
        schema_editor.execute("DROP FUNCTION IF EXISTS booked_figure_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("grants", "0003_schedule_summary_refresh"), ("funders", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
