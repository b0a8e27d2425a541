"""The fund's version (grants.models.fund_changes): a table the database writes after every change to the fund's
records and rates, through triggers on each of their tables.

The tables and the SQL are written out here, as they were when this migration was made: a table watched later gets
its trigger from a migration of its own.
"""

from django.db import migrations, models

WATCHED_TABLES = (
    "funders_funder",
    "funders_fundercontact",
    "funders_pledge",
    "funders_pledgeinstalment",
    "funders_receipt",
    "funders_conversion",
    "projects_fund",
    "projects_round",
    "projects_researcharea",
    "projects_project",
    "grants_approval",
    "grants_paymentrun",
    "grants_paymentrunitem",
    "grants_award",
    "grants_awardamendment",
    "grants_awardattribution",
    "grants_milestone",
    "grants_milestonereport",
    "grants_disbursement",
    "grants_ledgertransaction",
    "grants_ledgerline",
    "rates_exchangerate",
    "rates_heldrate",
)

# The first statement of a transaction adds its row (as the tables' owner); every statement sets the transaction's
# own mark from a sequence. Folding replaces the rows by one new one once there are more than `keep`.
POSTGRES_FUNCTIONS = """
CREATE SEQUENCE grants_fundchange_mark;
CREATE FUNCTION fund_note_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO grants_fundchange (tx) VALUES (txid_current()) ON CONFLICT (tx) DO NOTHING;
    PERFORM set_config('fund.write_mark', nextval('grants_fundchange_mark')::text, true);
    RETURN NULL;
END;
$$;
CREATE FUNCTION fund_forget_changes(keep integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF (SELECT count(*) FROM grants_fundchange) > keep THEN
        DELETE FROM grants_fundchange;
        INSERT INTO grants_fundchange (tx) VALUES (txid_current());
        PERFORM set_config('fund.write_mark', nextval('grants_fundchange_mark')::text, true);
    END IF;
END;
$$;
"""


def watch(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTIONS, params=None)
        for table in WATCHED_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_fund_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION fund_note_change();",
                params=None,
            )
    elif vendor == "sqlite":
        for table in WATCHED_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_fund_change_{event.lower()} AFTER {event} ON {table} BEGIN "
                    "INSERT OR REPLACE INTO grants_fundchange (id, tx) VALUES (1, random()); END;",
                    params=None,
                )


def unwatch(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in WATCHED_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_fund_change ON {table};", params=None)
        elif vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_fund_change_{event};", params=None)
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS fund_note_change(); DROP FUNCTION IF EXISTS fund_forget_changes(integer); "
            "DROP SEQUENCE IF EXISTS grants_fundchange_mark;",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0017_milestone_report_waiting_index"),
        ("funders", "0004_history_of_reversals"),
        ("projects", "0003_project_country_and_waitlist_indexes"),
        ("rates", "0003_held_rates"),
    ]

    operations = [
        migrations.CreateModel(
            name="FundChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "tx",
                    models.BigIntegerField(
                        help_text="The writing transaction's id; on SQLite a random mark.", unique=True
                    ),
                ),
            ],
        ),
        migrations.RunPython(watch, unwatch),
    ]
