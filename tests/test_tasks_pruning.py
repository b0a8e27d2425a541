from datetime import timedelta

import time_machine
from django.utils import timezone

from alignment_fund.models import IdempotencyRecord
from alignment_fund.tasks import prune_idempotency_records
from tests.factories import UserFactory


def remember(user, key):
    return IdempotencyRecord.objects.create(
        user=user,
        key=key,
        method="POST",
        path="/api/pledges/",
        request_hash="0" * 64,
        response_status=201,
        response_body={"id": 1},
    )


def test_it_forgets_answers_older_than_the_setting_and_keeps_the_rest(db, settings):
    settings.IDEMPOTENCY_KEY_DAYS = 30
    user = UserFactory()
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        remember(user, "old")
    remember(user, "recent")
    assert prune_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    assert prune_idempotency_records() == 0


def test_the_pruning_is_scheduled(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="alignment_fund.tasks.prune_idempotency_records")
    assert task.enabled and task.crontab.hour == "3"
