from celery import shared_task

from alignment_fund.notifications.outbox import send_due


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def send_outbox() -> int:
    """Send what is due in the outbox, retries included. Safe to run twice at once. Returns how many were sent."""
    return send_due().sent
