"""The history of every record is append-only, like the ledger: the database refuses to change or remove a history
row (who changed what, when), so the record of a change cannot itself be changed.

PostgreSQL gets row triggers refusing UPDATE and DELETE, and a statement trigger refusing TRUNCATE (the test runner's
own flush opts in, as for the ledger: grants/migrations/0004 and tests/conftest.py). SQLite gets an UPDATE trigger
only: its test runner empties tables with DELETE. A consequence: a user who appears in the history cannot be deleted
(deleting would blank their name in the history rows); deactivate them instead.
"""

from django.db import migrations

HISTORY_TABLES = (
    "alignment_fund_historicaluser",
    "projects_historicalfund",
    "projects_historicalround",
    "projects_historicalresearcharea",
    "projects_historicalproject",
    "funders_historicalfunder",
    "funders_historicalfundercontact",
    "funders_historicalpledge",
    "funders_historicalpledgeinstalment",
    "funders_historicalreceipt",
    "funders_historicalconversion",
    "grants_historicalaward",
    "grants_historicalmilestone",
    "grants_historicalawardattribution",
    "grants_historicaldisbursement",
)

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION history_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
        for table in HISTORY_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION history_refuse_change();"
            )
            # ledger_refuse_truncate() (0004) lets only the test runner's flush through.
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();"
            )
    elif vendor == "sqlite":
        for table in HISTORY_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'history is append-only: UPDATE on {table} refused'); END;"
            )


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in HISTORY_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS history_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0007_history"),
        ("grants", "0004_booked_figures_are_final"),
        ("alignment_fund", "0005_history"),
        ("projects", "0002_history"),
        ("funders", "0002_instalments_and_history"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
