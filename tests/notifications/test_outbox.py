"""The outbox: each (event, person) is one row, sent once; a failing mail server is retried with backoff and
reported, never dropped; a sender that died mid-send loses nothing; what a person switched off is not sent."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from alignment_fund.notifications.models import OutboxMessage, SwitchedOff
from alignment_fund.notifications.outbox import MAX_ATTEMPTS, backoff, queue, send_due
from alignment_fund.notifications.topics import Topic
from tests.factories import UserFactory

State = OutboxMessage.State


@pytest.fixture
def lead(db):
    return UserFactory(username="lead", email="lead@example.org")


def queue_rates_stale(user, key="rates-stale:2026-01-02"):
    return queue(
        event_key=key,
        recipient=user,
        topic=Topic.RATES_STALE,
        template="rates_stale",
        context={"description": "The newest complete rates are of 2 Jan 2026."},
    )


def queue_payment(user, key="payment-released:1"):
    return queue(
        event_key=key,
        recipient=user,
        topic=Topic.PAYMENT_RELEASED,
        template="rates_stale",
        context={"description": "A payment."},
    )


class FailingBackend:
    """A mail server that refuses every message (the outside world, so a stand-in is fair)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_it_queues_an_event_once_per_person(lead):
    assert queue_rates_stale(lead) is not None
    assert queue_rates_stale(lead) is None
    assert OutboxMessage.objects.count() == 1


def test_it_sends_once_however_often_it_runs(lead):
    queue_rates_stale(lead)
    first, second = send_due(), send_due()
    assert (first.sent, second.sent) == (1, 0)
    assert len(mail.outbox) == 1
    message = OutboxMessage.objects.get()
    assert message.state == State.SENT and message.attempts == 1 and message.sent_at is not None
    sent = mail.outbox[0]
    assert sent.to == ["lead@example.org"] and sent.subject == "Exchange rates are stale"
    assert "2 Jan 2026" in sent.body
    assert sent.alternatives and "2 Jan 2026" in sent.alternatives[0][0]


def test_a_failing_mail_server_is_retried_with_backoff_and_reported(lead, settings, caplog):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingBackend"
    queue_rates_stale(lead)
    before = timezone.now()
    result = send_due()
    assert (result.sent, result.retrying) == (0, 1)
    message = OutboxMessage.objects.get()
    assert message.state == State.PENDING and message.attempts == 1
    assert "SMTPServerDisconnected" in message.last_error
    assert message.next_attempt_at >= before + backoff(1)
    assert "Could not send message" in caplog.text
    # Not due yet: nothing is tried again before its time.
    assert send_due().retrying == 0
    # The server recovers: the next run after the backoff sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert send_due().sent == 1
    assert OutboxMessage.objects.get().state == State.SENT


def test_it_gives_up_loudly_after_the_last_attempt(lead, settings, caplog):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingBackend"
    queue_rates_stale(lead)
    OutboxMessage.objects.update(attempts=MAX_ATTEMPTS - 1)
    assert send_due().failed == 1
    message = OutboxMessage.objects.get()
    assert message.state == State.FAILED and message.attempts == MAX_ATTEMPTS and message.last_error
    assert "Gave up on message" in caplog.text


def test_the_backoff_doubles_up_to_a_ceiling():
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert backoff(30) == timedelta(hours=12)


def test_a_message_left_sending_by_a_dead_worker_is_sent_later(lead):
    queue_rates_stale(lead)
    OutboxMessage.objects.update(state=State.SENDING, claimed_at=timezone.now() - timedelta(minutes=1), attempts=1)
    assert send_due().sent == 0  # another sender may still be on it
    OutboxMessage.objects.update(claimed_at=timezone.now() - timedelta(hours=1))
    assert send_due().sent == 1
    assert len(mail.outbox) == 1


def test_a_topic_switched_off_is_not_queued_nor_sent(lead):
    SwitchedOff.objects.create(user=lead, topic=Topic.RATES_STALE)
    assert queue_rates_stale(lead) is None
    assert send_due().sent == 0 and mail.outbox == []


def test_switching_off_after_queueing_skips_the_message(lead):
    queue_rates_stale(lead)
    SwitchedOff.objects.create(user=lead, topic=Topic.RATES_STALE)
    assert send_due().skipped == 1
    assert OutboxMessage.objects.get().state == State.SKIPPED and mail.outbox == []


def test_essential_messages_cannot_be_switched_off(lead):
    SwitchedOff.objects.create(user=lead, topic=Topic.PAYMENT_RELEASED)  # as if written in the back office
    assert queue_payment(lead) is not None


def test_nobody_without_an_email_address_is_queued(db):
    assert queue_rates_stale(UserFactory(username="mute", email="")) is None


def test_the_preferences_page_switches_off_what_is_not_essential(lead, client):
    lead.is_staff = True
    lead.save()
    client.force_login(lead)
    page = client.get("/accounts/notifications/")
    assert page.status_code == 200
    assert b'value="rates_stale" checked' in page.content
    response = client.post("/accounts/notifications/", {"on": ["cash_short"]})
    assert response.status_code == 302
    assert set(SwitchedOff.objects.filter(user=lead).values_list("topic", flat=True)) == {
        Topic.RATES_STALE,
        Topic.APPROVALS_WAITING,
    }
    client.post("/accounts/notifications/", {"on": ["cash_short", "rates_stale", "approvals_waiting"]})
    assert not SwitchedOff.objects.filter(user=lead).exists()


def test_the_outbox_admin_lists_each_message_with_its_state(lead, admin_client):
    queue_rates_stale(lead)
    page = admin_client.get("/admin/notifications/outboxmessage/")
    assert page.status_code == 200
    assert b"Exchange rates are stale" in page.content and b"Pending" in page.content
