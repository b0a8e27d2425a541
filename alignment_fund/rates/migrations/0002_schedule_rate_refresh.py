"""Schedule the rate refresh: the ECB publishes around 16:00 CET on TARGET working days; we fetch at 16:30 and again at
17:30 London time on weekdays, the second run catching a late publication or a failed first run."""

from django.db import migrations

from alignment_fund import schedules

SCHEDULES = [
    {
        "name": "Refresh exchange rates after ECB publication",
        "task": "alignment_fund.rates.tasks.refresh_exchange_rates",
        "crontab": {"minute": "30", "hour": "16,17", "day_of_week": "1-5"},
        "description": "Fetch the ECB reference rates (RATES_SOURCE, ECB_RATES_URL) and store the new ones; "
        "warns in the log when the newest rates are stale.",
    },
]


def seed(apps, schema_editor):
    schedules.seed(apps, SCHEDULES)


def unseed(apps, schema_editor):
    schedules.unseed(apps, SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("rates", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
