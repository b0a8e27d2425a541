"""Schedule the daily pruning of remembered API answers (see alignment_fund.tasks), in django-celery-beat's tables
like the fund's other jobs, with the same seeding code."""

from importlib import import_module

from django.db import migrations

beat = import_module("grants.migrations.0004_seed_beat_schedules")

SCHEDULES = [
    {
        "name": "Prune remembered API answers daily",
        "task": "alignment_fund.tasks.prune_idempotency_records",
        "crontab": {"minute": "20", "hour": "3", "day_of_week": "*"},
        "description": "Forget Idempotency-Key answers older than IDEMPOTENCY_KEY_DAYS (30 by default).",
    },
]


def seed(apps, schema_editor):
    beat.seed(apps, schema_editor, SCHEDULES)


def unseed(apps, schema_editor):
    beat.unseed(apps, schema_editor, SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("alignment_fund", "0002_idempotency_record"),
        ("grants", "0004_seed_beat_schedules"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
