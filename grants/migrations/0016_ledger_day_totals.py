"""The ledger's day totals (grants.models.ledger_totals), filled from the lines already posted.

On PostgreSQL a trigger keeps them: after every statement that adds lines (an INSERT or a COPY), it adds them up
from the statement's transition table, as the tables' owner (SECURITY DEFINER), so the app's role may only read
the totals. The trigger is created before the totals are filled, in the same transaction: creating it waits for
every transaction already adding lines and holds off new ones until the migration commits, so no line is missed
or counted twice. On SQLite the posting functions add to the totals themselves.
"""

from django.db import migrations, models

from grants.models.ledger_totals import REBUILD_SQL, adding_up

POSTGRES_TRIGGER = f"""
CREATE OR REPLACE FUNCTION ledger_add_day_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    {adding_up("added_lines")}
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (occurred_on, account, currency, funder_key, round_key) DO UPDATE
        SET hundredths = grants_ledgerdaytotal.hundredths + EXCLUDED.hundredths,
            lines = grants_ledgerdaytotal.lines + EXCLUDED.lines;
    RETURN NULL;
END;
$$;
CREATE TRIGGER grants_ledgerline_day_totals AFTER INSERT ON grants_ledgerline
    REFERENCING NEW TABLE AS added_lines FOR EACH STATEMENT EXECUTE FUNCTION ledger_add_day_totals();
"""


def keep_totals(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_TRIGGER, params=None)
    schema_editor.execute(REBUILD_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS grants_ledgerline_day_totals ON grants_ledgerline;")
        schema_editor.execute("DROP FUNCTION IF EXISTS ledger_add_day_totals();")


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0015_award_awarded_on_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="LedgerDayTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("occurred_on", models.DateField()),
                ("account", models.CharField(max_length=30)),
                ("currency", models.CharField(max_length=3)),
                ("funder_key", models.BigIntegerField(help_text="The lines' funder id; 0 for lines with no funder.")),
                ("round_key", models.BigIntegerField(help_text="The lines' round id; 0 for lines with no round.")),
                (
                    "hundredths",
                    models.BigIntegerField(help_text="The lines' sum in hundredths of the currency (pence, cents)."),
                ),
                ("lines", models.PositiveIntegerField(help_text="How many lines are added up here.")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("occurred_on", "account", "currency", "funder_key", "round_key"),
                        name="ledger_day_total_key",
                    )
                ],
            },
        ),
        migrations.RunPython(keep_totals, drop_trigger),
    ]
