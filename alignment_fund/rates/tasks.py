"""The rates' Celery task: an adapter around one method that is safe to run twice."""

from celery import shared_task

from alignment_fund.rates.sources import RatesUnavailable, default_source
from alignment_fund.rates.storage import refresh_from


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
    return refresh_from(default_source()).stored
