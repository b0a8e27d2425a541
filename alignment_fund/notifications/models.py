"""The outbox: one row per (event, recipient), written before anything is mailed.

A message moves pending → sending → sent. A sender claims a batch (row locks skipping those another sender holds, on
PostgreSQL), marks it sending, and only then talks to the mail server; a sender killed mid-send leaves rows in
"sending", which are claimed again once stale. A failed send goes back to pending with a later `next_attempt_at`
(exponential backoff) and its error kept; after `MAX_ATTEMPTS` it is "failed", logged and shown in the back office,
never dropped. Delivery is at least once: a sender killed between the mail server's OK and marking the row sent
sends that one message again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from alignment_fund.notifications.topics import Topic


class OutboxMessage(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up; see last error)"
        SKIPPED = "skipped", "Skipped (switched off by the recipient)"

    event_key = models.CharField(max_length=200, help_text="The event this message is about, e.g. award-offered:12.")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_email = models.EmailField()
    topic = models.CharField(max_length=40, choices=Topic.choices)
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(help_text="Not sent before this time (backoff after a failure).")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event_key", "recipient"], name="outbox_one_message_per_event_and_person"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email} ({self.get_state_display()})"


class SwitchedOff(models.Model):
    """A topic a person asked not to be told about. Essential topics cannot be switched off."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications_off")
    topic = models.CharField(max_length=40, choices=Topic.choices)

    class Meta:
        verbose_name = "notification switched off"
        verbose_name_plural = "notifications switched off"
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="switched_off_once_per_topic")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_topic_display()} off"
