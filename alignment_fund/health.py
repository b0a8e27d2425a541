"""The checks behind /healthz, each answering {"ok": bool, ...}."""

from django.conf import settings

from alignment_fund.clock import fund_today


def broker_status() -> dict:
    from alignment_fund.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        transport = conn.transport_cls if isinstance(conn.transport_cls, str) else conn.transport.driver_type
        return {"ok": True, "transport": str(transport)}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc)[:200]}


def rates_status() -> dict:
    from grants.models import ExchangeRate
    from grants.models.rates import business_days_between

    newest = ExchangeRate.objects.newest_date()
    if newest is None:
        return {"ok": False, "error": "no exchange rates loaded"}
    today = fund_today()
    age = business_days_between(newest, today)
    stale = age > settings.RATES_STALE_AFTER_BUSINESS_DAYS
    return {"ok": not stale, "newest": newest.isoformat(), "business_days_old": age, "stale": stale}
