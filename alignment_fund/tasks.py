from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from alignment_fund.models import IdempotencyRecord


@shared_task(acks_late=True, time_limit=300)
def prune_idempotency_records() -> int:
    """Forget remembered API answers older than IDEMPOTENCY_KEY_DAYS. A client retries within minutes, not weeks;
    keeping them for ever would only grow the table. Safe to run twice. Returns how many were removed."""
    cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_KEY_DAYS)
    removed, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return removed
