"""Putting messages in the outbox and sending what is due. Both are safe to run twice, and at the same time."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from alignment_fund.notifications.models import OutboxMessage, SwitchedOff
from alignment_fund.notifications.topics import is_essential

log = logging.getLogger(__name__)

State = OutboxMessage.State
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=12)
# A message left "sending" longer than this belonged to a sender that died: it is claimed again.
STALE_CLAIM = timedelta(minutes=15)
BATCH = 100


def wants(user, topic: str) -> bool:
    """Whether `user` may be told about `topic`: essential topics always, others unless switched off."""
    if is_essential(topic):
        return True
    return not SwitchedOff.objects.filter(user=user, topic=topic).exists()


def queue(*, event_key: str, recipient, topic: str, template: str, context: dict) -> OutboxMessage | None:
    """Write the message for `event_key` to `recipient` unless it exists already (then nothing happens), they have no
    email address, or they switched the topic off. `template` names `templates/notifications/<template>` with
    `.subject.txt`, `.txt` and `.html`, rendered now: the row holds exactly what will be sent. Returns the new row."""
    if not recipient.email or not recipient.is_active or not wants(recipient, topic):
        return None
    if OutboxMessage.objects.filter(event_key=event_key, recipient=recipient).exists():
        return None
    context = {**context, "recipient": recipient, "site_url": settings.SITE_URL}
    subject = " ".join(render_to_string(f"notifications/{template}.subject.txt", context).split())
    try:
        with transaction.atomic():
            return OutboxMessage.objects.create(
                event_key=event_key,
                recipient=recipient,
                to_email=recipient.email,
                topic=topic,
                subject=subject[:250],
                body_text=render_to_string(f"notifications/{template}.txt", context),
                body_html=render_to_string(f"notifications/{template}.html", context),
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None  # another run queued it at the same instant: the unique constraint keeps one


def backoff(attempts: int) -> timedelta:
    """5 min, 10, 20, 40... at most 12 h."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def _claim(now, limit: int) -> list[OutboxMessage]:
    due = Q(state=State.PENDING, next_attempt_at__lte=now) | Q(state=State.SENDING, claimed_at__lt=now - STALE_CLAIM)
    with transaction.atomic():
        rows = OutboxMessage.objects.filter(due).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        ids = list(rows.values_list("pk", flat=True)[:limit])
        OutboxMessage.objects.filter(pk__in=ids).update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return list(OutboxMessage.objects.filter(pk__in=ids).select_related("recipient").order_by("pk"))


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0


def send_due(limit: int = BATCH) -> SendResult:
    """Send every message that is due, one batch at a time. A mail server's error puts the message back with a later
    attempt time (or marks it failed after MAX_ATTEMPTS) and is logged; it never stops the other messages."""
    result = SendResult()
    mail = None
    while True:
        now = timezone.now()
        batch = _claim(now, limit)
        if not batch:
            break
        mail = mail or get_connection(fail_silently=False)
        for message in batch:
            _send_one(message, mail, result)
        if len(batch) < limit:
            break
    return result


def _send_one(message: OutboxMessage, mail, result: SendResult) -> None:
    rows = OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING)
    if not wants(message.recipient, message.topic):
        rows.update(state=State.SKIPPED)
        result.skipped += 1
        return
    email = EmailMultiAlternatives(
        message.subject, message.body_text, settings.DEFAULT_FROM_EMAIL, [message.to_email], connection=mail
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    try:
        email.send()
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server is kept and retried, never lost
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            rows.update(state=State.FAILED, last_error=error)
            log.error(
                "Gave up on message %s to %s after %s attempts: %s",
                message.pk,
                message.to_email,
                message.attempts,
                error,
            )
            result.failed += 1
        else:
            retry_at = timezone.now() + backoff(message.attempts)
            rows.update(state=State.PENDING, last_error=error, next_attempt_at=retry_at)
            log.warning(
                "Could not send message %s to %s (attempt %s), retrying at %s: %s",
                message.pk,
                message.to_email,
                message.attempts,
                retry_at.isoformat(timespec="seconds"),
                error,
            )
            result.retrying += 1
        return
    rows.update(state=State.SENT, sent_at=timezone.now(), last_error="")
    result.sent += 1
