"""Celery tasks: adapters that take ids and strings and call one method that is safe to run twice."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from kombu.exceptions import OperationalError

from alignment_fund.clock import fund_today

log = logging.getLogger(__name__)


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def refresh_allocation_summaries(as_of: str | None = None) -> int:
    """Take the allocation snapshot for `as_of` (ISO date; default today), work out the pages remembered whole so that
    the first visit after a change finds them kept (grants.reads.pages), fold the fund's change rows once they are
    many (grants.models.fund_changes) and forget old kept figures. Returns the snapshot's id."""
    from grants.models.fund_changes import forget_changes
    from grants.reads.pages import warm_pages
    from grants.reads.remembered import forget_old_figures
    from grants.reads.snapshots import take_snapshot

    on = date.fromisoformat(as_of) if as_of else fund_today()
    try:
        snapshot, _ = take_snapshot(on)
    finally:
        forget_changes()  # before warming: folding the rows moves the version
    if on == fund_today():
        warm_pages(on)
    forget_old_figures()
    return snapshot.pk


def enqueue_summary_refresh() -> None:
    """Called on commit after every money write. If the broker is down the write stands and the scheduled refresh
    catches up; we log rather than fail the request that already committed."""
    try:
        refresh_allocation_summaries.delay()
    except OperationalError:
        log.warning("Could not enqueue the allocation summary refresh; the scheduled run will catch up.")


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def send_notifications(as_of: str | None = None) -> int:
    """The daily notification job: queue what the rules say (once per event and person) and send what is due.
    Returns how many were queued."""
    from grants.notifications import run_daily

    return run_daily(date.fromisoformat(as_of) if as_of else fund_today()).queued
