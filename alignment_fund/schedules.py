"""Seeding the scheduled jobs into django-celery-beat's tables, for the data migrations of each app that owns a job.

Schedules live in the database rather than in CELERY_BEAT_SCHEDULE because beat rewrites entries from settings every
time it starts, undoing an administrator's edits in the back office. Running a seeding migration again (after a
reverse) restores its defaults. Migrations call these with their historical `apps`.
"""

from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


def seed(apps, schedules: list[dict]) -> None:
    """Create or reset each schedule: `{"name", "task", "crontab": {...}, "description"}`, London time."""
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


def unseed(apps, schedules: list[dict]) -> None:
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    tasks = PeriodicTask.objects.filter(name__in=[entry["name"] for entry in schedules])
    crontab_ids = set(tasks.exclude(crontab=None).values_list("crontab", flat=True))
    tasks.delete()
    CrontabSchedule.objects.filter(pk__in=crontab_ids, periodictask__isnull=True).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
