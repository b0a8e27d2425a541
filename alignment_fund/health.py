"""The checks behind /healthz, each answering {"ok": bool, ...}."""

# /healthz must answer quickly when the broker is down rather than wait on Celery's publishing retries: one attempt,
# with connect and read timeouts short enough that a load balancer's probe gets its 503 well within its deadline.
BROKER_TIMEOUT_SECONDS = 1.5


def broker_status() -> dict:
    from alignment_fund.celery import app

    try:
        with app.connection_for_write(
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
                "socket_timeout": BROKER_TIMEOUT_SECONDS,
                "max_retries": 0,
            },
        ) as conn:
            # For Redis this opens a channel, which PINGs: a broker that accepts the socket but never answers fails
            # within the read timeout instead of hanging the probe.
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
            return {"ok": True, "transport": conn.transport.driver_type}
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy, and we say which
        return {"ok": False, "error": str(exc)[:200]}


def rates_status() -> dict:
    """Healthy while every currency the fund deals in has a rate no more than RATES_STALE_AFTER_BUSINESS_DAYS
    business days old."""
    from alignment_fund.rates.storage import rates_freshness

    freshness = rates_freshness()
    if freshness.newest is None:
        return {"ok": False, "error": "no exchange rates loaded"}
    status = {
        "ok": not freshness.stale,
        "newest": freshness.newest.isoformat(),
        "business_days_old": freshness.business_days_old,
        "stale": freshness.stale,
    }
    if freshness.missing:
        status["missing"] = list(freshness.missing)
    return status
