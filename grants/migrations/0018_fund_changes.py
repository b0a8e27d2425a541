"""The fund's version (grants.models.fund_changes): a table the database writes after every change to the fund's
records, through triggers on each of them."""

from django.db import migrations, models

from grants.models.fund_changes import (
    POSTGRES_FUNCTIONS,
    WATCHED_TABLES,
    postgres_trigger,
    sqlite_triggers,
)


def watch(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTIONS, params=None)
        for table in WATCHED_TABLES:
            schema_editor.execute(postgres_trigger(table), params=None)
    elif vendor == "sqlite":
        for table in WATCHED_TABLES:
            for statement in sqlite_triggers(table):
                schema_editor.execute(statement, params=None)


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
            "DROP FUNCTION IF EXISTS fund_note_change(); DROP FUNCTION IF EXISTS fund_forget_changes(integer);",
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
                (
                    "writes",
                    models.PositiveIntegerField(
                        default=1, help_text="Statements the transaction ran on watched tables."
                    ),
                ),
            ],
        ),
        migrations.RunPython(watch, unwatch),
    ]
