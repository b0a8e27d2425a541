"""Schedule the allocation summaries hourly, at five past, on top of the refresh asked for after every money write."""

from django.db import migrations

from alignment_fund import schedules

SCHEDULES = [
    {
        "name": "Refresh allocation summaries hourly",
        "task": "grants.tasks.refresh_allocation_summaries",
        "crontab": {"minute": "5", "hour": "*", "day_of_week": "*"},
        "description": "Take a snapshot of the fund, rounds, funders and research areas unless an identical one "
        "exists.",
    },
]


def seed(apps, schema_editor):
    schedules.seed(apps, SCHEDULES)


def unseed(apps, schema_editor):
    schedules.unseed(apps, SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0002_ledger_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
