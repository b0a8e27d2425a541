"""Celery tasks: adapters that take ids and strings and call one method that is safe to run twice."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from kombu.exceptions import OperationalError

from alignment_fund.clock import fund_today

from .rate_sources import RatesUnavailable

log = logging.getLogger(__name__)


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def refresh_allocation_summaries(as_of: str | None = None) -> int:
    """Take the allocation snapshot for `as_of` (ISO date; default today). Returns the snapshot's id."""
    from .snapshots import take_snapshot

    snapshot, _ = take_snapshot(date.fromisoformat(as_of) if as_of else fund_today())
    return snapshot.pk


# Network errors, timeouts and 5xx are retried with exponential backoff (up to 1 s, 2 s, 4 s ... with jitter, some four
# minutes in all); a malformed or empty feed (MalformedRates) is not, as the same request would fetch the same thing.
# The schedule runs twice each working day, so a day the ECB is down for longer is caught by the second run.
@shared_task(
    autoretry_for=(RatesUnavailable,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
    time_limit=300,
    soft_time_limit=240,
)
def refresh_exchange_rates() -> int:
    """Store the new reference rates from the configured source. Returns how many rows were new (0 when run again)."""
    from .rate_sources import default_source, refresh_from

    return refresh_from(default_source()).stored


def enqueue_summary_refresh() -> None:
    """Called on commit after every money write. If the broker is down the write stands and the scheduled refresh
    catches up; we log rather than fail the request that already committed."""
    try:
        refresh_allocation_summaries.delay()
    except OperationalError:
        log.warning("Could not enqueue the allocation summary refresh; the scheduled run will catch up.")
