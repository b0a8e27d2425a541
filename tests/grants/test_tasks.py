"""The background jobs: refreshing exchange rates and allocation summaries, and their schedules.

The first tests call the tasks in this process. Those marked `redis` send them through a real Redis broker to a real
Celery worker running the project's app (in a thread of this process, so `responses` still stands in for the ECB
site, and the worker reads the same test database, hence `transaction=True`).
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import requests
import responses
from celery.contrib.testing import tasks as celery_testing_tasks  # noqa: F401 - registers celery.ping for the worker
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from django_celery_beat.models import PeriodicTask

from alignment_fund.celery import app
from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.sources import MalformedRates, RatesUnavailable
from alignment_fund.rates.tasks import refresh_exchange_rates
from grants.models import SummarySnapshot
from grants.tasks import refresh_allocation_summaries

FIXTURES = Path(__file__).parent / "fixtures"
ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
DAILY = (FIXTURES / "eurofxref-daily.xml").read_bytes()


@pytest.fixture
def ecb(settings):
    """The live ECB site, answered by `responses`; nothing else is faked."""
    settings.ECB_RATES_URL = ECB_DAILY_URL
    settings.RATES_SOURCE = "ecb"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# Refreshing exchange rates


def test_network_errors_are_retried_with_backoff_and_jitter_but_bad_feeds_are_not():
    assert refresh_exchange_rates.autoretry_for == (RatesUnavailable,)
    assert refresh_exchange_rates.retry_backoff is True
    assert refresh_exchange_rates.retry_jitter is True
    assert refresh_exchange_rates.max_retries == 8
    assert refresh_exchange_rates.acks_late is True
    assert not issubclass(MalformedRates, RatesUnavailable)


def test_it_stores_the_new_rates_and_running_it_twice_changes_nothing(db, ecb):
    ecb.get(ECB_DAILY_URL, body=DAILY, content_type="text/xml")
    assert refresh_exchange_rates() == 4
    table = list(ExchangeRate.objects.values_list("currency", "rate_date", "rate", "source", "fetched_at"))
    assert refresh_exchange_rates() == 0
    assert list(ExchangeRate.objects.values_list("currency", "rate_date", "rate", "source", "fetched_at")) == table


def test_a_server_error_then_success_is_retried_and_stores_once(db, ecb):
    ecb.get(ECB_DAILY_URL, status=500, body="Internal Server Error")
    ecb.get(ECB_DAILY_URL, status=503, body="Service Unavailable")
    ecb.get(ECB_DAILY_URL, body=DAILY, content_type="text/xml")
    result = refresh_exchange_rates.apply()
    assert result.successful()
    assert result.get() == 4
    assert len(ecb.calls) == 3
    assert ExchangeRate.objects.count() == 4


def test_it_gives_up_after_eight_retries(db, ecb):
    ecb.get(ECB_DAILY_URL, body=requests.exceptions.ConnectTimeout())
    result = refresh_exchange_rates.apply()
    assert result.failed()
    assert isinstance(result.result, RatesUnavailable)
    assert len(ecb.calls) == 1 + 8
    assert not ExchangeRate.objects.exists()


def test_a_malformed_feed_fails_at_once_and_keeps_the_previous_rates(rates, ecb):
    ecb.get(ECB_DAILY_URL, body=(FIXTURES / "empty-cube.xml").read_bytes(), content_type="text/xml")
    before = ExchangeRate.objects.count()
    result = refresh_exchange_rates.apply()
    assert result.failed()
    assert isinstance(result.result, MalformedRates)
    assert len(ecb.calls) == 1
    assert ExchangeRate.objects.count() == before


def test_it_warns_when_the_rates_are_still_stale_after_refreshing(db, ecb, settings, caplog):
    settings.RATES_STALE_AFTER_BUSINESS_DAYS = 3
    settings.FUND_TODAY = "2026-11-26"  # the feed's newest day, 2 Nov, is 18 business days old
    ecb.get(ECB_DAILY_URL, body=DAILY, content_type="text/xml")
    with caplog.at_level(logging.WARNING, logger="alignment_fund.rates.storage"):
        refresh_exchange_rates()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "stale" in warnings[0].getMessage()
    assert "02 Nov 2026" in warnings[0].getMessage()


def test_it_does_not_warn_when_the_rates_are_fresh(db, ecb, settings, caplog):
    settings.RATES_STALE_AFTER_BUSINESS_DAYS = 3
    settings.FUND_TODAY = "2026-11-03"
    ecb.get(ECB_DAILY_URL, body=DAILY, content_type="text/xml")
    with caplog.at_level(logging.WARNING, logger="alignment_fund.rates.storage"):
        refresh_exchange_rates()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_new_rates_ask_for_a_summary_refresh_once_committed(db, ecb, django_capture_on_commit_callbacks, monkeypatch):
    # The rates know nothing of the summaries: they announce new rates once committed, and grants listens.
    refreshes = []
    monkeypatch.setattr("grants.tasks.enqueue_summary_refresh", lambda: refreshes.append("refresh"))
    ecb.get(ECB_DAILY_URL, body=DAILY, content_type="text/xml")
    with django_capture_on_commit_callbacks() as callbacks:
        refresh_exchange_rates()
    assert len(callbacks) == 1 and refreshes == []
    callbacks[0]()
    assert refreshes == ["refresh"]
    with django_capture_on_commit_callbacks() as callbacks:
        refresh_exchange_rates()
    assert callbacks == []


def test_the_offline_source_loads_the_shipped_history_once(db, settings):
    settings.RATES_SOURCE = "offline"
    stored = refresh_exchange_rates()
    assert stored > 0
    assert ExchangeRate.objects.count() == stored
    assert set(ExchangeRate.objects.values_list("source", flat=True)) == {ExchangeRate.Source.ECB_HISTORY}
    assert refresh_exchange_rates() == 0


# Allocation summaries


def test_the_summary_refresh_takes_one_snapshot_per_ledger_and_rates(world, settings):
    settings.FUND_TODAY = "2026-10-30"
    first = refresh_allocation_summaries()
    assert refresh_allocation_summaries() == first
    assert SummarySnapshot.objects.count() == 1
    assert refresh_allocation_summaries("2025-11-11") != first
    assert SummarySnapshot.objects.count() == 2


# Schedules


def test_the_schedules_are_seeded_in_the_database_where_the_admin_can_edit_them(db):
    rates = PeriodicTask.objects.get(name="Refresh exchange rates after ECB publication")
    assert rates.task == "alignment_fund.rates.tasks.refresh_exchange_rates"
    assert (rates.crontab.minute, rates.crontab.hour, rates.crontab.day_of_week) == ("30", "16,17", "1-5")
    assert str(rates.crontab.timezone) == "Europe/London"
    summaries = PeriodicTask.objects.get(name="Refresh allocation summaries hourly")
    assert summaries.task == "grants.tasks.refresh_allocation_summaries"
    assert (summaries.crontab.minute, summaries.crontab.hour) == ("5", "*")
    for task in (rates, summaries):
        assert task.enabled
        assert task.task in app.tasks


# Through a real broker and a real worker


@contextmanager
def running_worker():
    """A Celery worker on the project's app, in a thread, with an empty queue to start from.

    Redis hands an unacknowledged message to another worker only after `visibility_timeout` (an hour by default);
    shrink it so a message left by a crashed run comes back within the test's patience."""
    options = dict(app.conf.broker_transport_options or {})
    app.conf.broker_transport_options = {**options, "visibility_timeout": 60}
    # Money writes made while building the test's data enqueued summary refreshes; start from an empty queue.
    app.control.purge()

    def close_worker_connections(**kwargs):
        # The worker thread's database connections must not outlive the test (the test database is dropped later).
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", loglevel="WARNING", perform_ping_check=True, shutdown_timeout=30):
            yield
    finally:
        task_postrun.disconnect(close_worker_connections)
        app.conf.broker_transport_options = options


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_takes_one_snapshot_and_a_second_run_takes_none(fresh_world, settings):
    settings.FUND_TODAY = "2026-10-30"
    assert SummarySnapshot.objects.count() == 0
    with running_worker():
        first = refresh_allocation_summaries.delay().get(timeout=30)
        second = refresh_allocation_summaries.delay().get(timeout=30)
    assert first == second
    snapshot = SummarySnapshot.objects.get()
    assert snapshot.pk == first
    assert snapshot.as_of == date(2026, 10, 30)
    assert snapshot.data["rounds"][0]["round"] == fresh_world.round.name


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_the_rate_refresh_through_the_broker_and_stores_once(ecb, settings):
    settings.FUND_TODAY = "2026-11-03"
    ecb.get(ECB_DAILY_URL, status=500, body="Internal Server Error")
    ecb.get(ECB_DAILY_URL, body=DAILY, content_type="text/xml")
    with running_worker():
        assert refresh_exchange_rates.delay().get(timeout=60) == 4
        assert refresh_exchange_rates.delay().get(timeout=30) == 0
        # The new rates asked for a summary refresh, which the worker ran.
        assert wait_for(lambda: SummarySnapshot.objects.exists())
    assert len(ecb.calls) == 3  # 500, then the retry, then the second run
    assert ExchangeRate.objects.count() == 4
    assert set(ExchangeRate.objects.values_list("source", flat=True)) == {ExchangeRate.Source.ECB_LIVE}
