"""An index of the milestones still waiting for their report, for the overdue final reports."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0016_ledger_day_totals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="milestone",
            index=models.Index(
                condition=models.Q(("approved_on__isnull", True), ("report_received_on__isnull", True)),
                fields=["due_on"],
                name="milestone_report_waiting",
            ),
        ),
    ]
