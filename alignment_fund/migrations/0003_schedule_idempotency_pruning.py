"""Schedule the daily pruning of remembered API answers (see alignment_fund.tasks)."""

from django.db import migrations

from alignment_fund import schedules

SCHEDULES = [
    {
        "name": "Prune remembered API answers daily",
        "task": "alignment_fund.tasks.prune_idempotency_records",
        "crontab": {"minute": "20", "hour": "3", "day_of_week": "*"},
        "description": "Forget Idempotency-Key answers older than IDEMPOTENCY_KEY_DAYS (30 by default).",
    },
]


def seed(apps, schema_editor):
    schedules.seed(apps, SCHEDULES)


def unseed(apps, schema_editor):
    schedules.unseed(apps, SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("alignment_fund", "0002_idempotency_record"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
