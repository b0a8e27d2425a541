"""The ledger's day totals (grants.models.ledger_totals), filled from the lines already posted."""

from django.db import migrations, models

from grants.models.ledger_totals import REBUILD_SQL


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
        migrations.RunSQL(REBUILD_SQL, reverse_sql=migrations.RunSQL.noop),
    ]
