"""Snapshots are told apart by a digest of their content. Existing snapshots are derived data without one: they are
dropped, and the next run of the summary job takes a fresh one."""

from django.db import migrations, models


def drop_snapshots(apps, schema_editor):
    apps.get_model("grants", "SummarySnapshot").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("grants", "0005_ledger_compute_receivable")]

    operations = [
        migrations.RunPython(drop_snapshots, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="summarysnapshot", name="one_snapshot_per_ledger_and_rates"),
        migrations.AddField(
            model_name="summarysnapshot",
            name="digest",
            field=models.CharField(
                default="", help_text="SHA-256 of the data: one snapshot per distinct content.", max_length=64
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="summarysnapshot",
            constraint=models.UniqueConstraint(fields=("as_of", "digest"), name="one_snapshot_per_content"),
        ),
    ]
