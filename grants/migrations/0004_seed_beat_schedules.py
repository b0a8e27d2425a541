"""Seed the scheduled jobs in django-celery-beat's tables, where administrators can see and edit them in the admin.

They live here rather than in CELERY_BEAT_SCHEDULE because beat rewrites entries from settings every time it starts,
undoing an administrator's changes. Running this again (after a reverse) restores the defaults below.

- Exchange rates: the ECB publishes around 16:00 CET on TARGET working days; we fetch at 16:30 and again at 17:30
  London time on weekdays, the second run catching a late publication or a failed first run.
- Allocation summaries: hourly, at five past, on top of the refresh enqueued after every money write.
"""

from zoneinfo import ZoneInfo

from django.db import migrations
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")

SCHEDULES = [
    {
        "name": "Refresh exchange rates after ECB publication",
        "task": "grants.tasks.refresh_exchange_rates",
        "crontab": {"minute": "30", "hour": "16,17", "day_of_week": "1-5"},
        "description": "Fetch the ECB reference rates (RATES_SOURCE, ECB_RATES_URL) and store the new ones; "
        "warns in the log when the newest rates are stale.",
    },
    {
        "name": "Refresh allocation summaries hourly",
        "task": "grants.tasks.refresh_allocation_summaries",
        "crontab": {"minute": "5", "hour": "*", "day_of_week": "*"},
        "description": "Take a snapshot of the fund, rounds, funders and research areas unless an identical one "
        "exists.",
    },
]


def seed(apps, schema_editor, schedules=SCHEDULES):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for entry in schedules:
        when = {**entry["crontab"], "day_of_month": "*", "month_of_year": "*", "timezone": LONDON}
        crontab = CrontabSchedule.objects.filter(**when).first() or CrontabSchedule.objects.create(**when)
        PeriodicTask.objects.update_or_create(
            name=entry["name"],
            defaults={
                "task": entry["task"],
                "crontab": crontab,
                "interval": None,
                "enabled": True,
                "description": entry["description"],
                # A run still queued when the next one is due is dropped rather than piling up behind a stopped worker.
                "expire_seconds": 50 * 60,
            },
        )
    # Tell a running beat that its schedule changed (model signals don't fire in migrations).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor, schedules=SCHEDULES):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    tasks = PeriodicTask.objects.filter(name__in=[entry["name"] for entry in schedules])
    crontab_ids = set(tasks.exclude(crontab=None).values_list("crontab", flat=True))
    tasks.delete()
    CrontabSchedule.objects.filter(pk__in=crontab_ids, periodictask__isnull=True).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0003_ledger_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
