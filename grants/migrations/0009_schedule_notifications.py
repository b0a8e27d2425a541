"""Schedule the notifications: the daily job that applies the rules and sends, and a sender every ten minutes that
retries what the mail server refused (each message waits for its own backoff)."""

from django.db import migrations

from alignment_fund import schedules

SCHEDULES = [
    {
        "name": "Send notifications daily",
        "task": "grants.tasks.send_notifications",
        "crontab": {"minute": "0", "hour": "7", "day_of_week": "*"},
        "description": "Queue reminders and news for leads, administrators and funders' contacts (once per event and "
        "person) and send them.",
    },
    {
        "name": "Send the outbox every ten minutes",
        "task": "alignment_fund.notifications.tasks.send_outbox",
        "crontab": {"minute": "*/10", "hour": "*", "day_of_week": "*"},
        "description": "Send queued messages that are due, retrying failed ones after their backoff.",
    },
]


def seed(apps, schema_editor):
    schedules.seed(apps, SCHEDULES)


def unseed(apps, schema_editor):
    schedules.unseed(apps, SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0008_history_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
