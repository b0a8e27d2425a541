"""/healthz: JSON on the database, the broker and the age of the newest exchange rates; 200 when all are fine, 503
when any is not. A load balancer probes it, so it needs no sign-in and answers quickly even when the broker is down."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from alignment_fund.celery import app
from alignment_fund.health import BROKER_TIMEOUT_SECONDS

# 30 Oct 2026 is the last day of the shipped ECB history.
FRESH_DAY = "2026-10-30"


@pytest.fixture
def broker_at(monkeypatch):
    """Point the Celery app at another broker for one test."""

    def point(url: str) -> None:
        monkeypatch.setitem(app.conf, "broker_url", url)

    return point


@pytest.fixture
def silent_broker():
    """A TCP port that accepts connections and never answers: a broker that hangs rather than refuses."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_it_answers_200_when_the_database_broker_and_rates_are_fine(client, rates, settings):
    settings.FUND_TODAY = FRESH_DAY
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["broker"]["ok"]
    assert body["checks"]["rates"] == {
        "ok": True,
        "newest": FRESH_DAY,
        "business_days_old": 0,
        "stale": False,
    }


def test_it_needs_no_sign_in_and_is_never_cached(client, rates, settings):
    settings.FUND_TODAY = FRESH_DAY
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_without_any_rates(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["rates"] == {"ok": False, "error": "no exchange rates loaded"}
    assert body["checks"]["database"]["ok"]


def test_it_answers_503_when_the_rates_are_stale(client, rates, settings):
    settings.RATES_STALE_AFTER_BUSINESS_DAYS = 3
    settings.FUND_TODAY = "2026-11-05"  # a Thursday: four business days after Friday's rates
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["rates"] == {
        "ok": False,
        "newest": FRESH_DAY,
        "business_days_old": 4,
        "stale": True,
    }


def test_three_business_days_is_not_yet_stale(client, rates, settings):
    settings.RATES_STALE_AFTER_BUSINESS_DAYS = 3
    settings.FUND_TODAY = "2026-11-04"
    assert client.get("/healthz").status_code == 200


def test_it_answers_503_when_the_broker_refuses_connections(client, rates, settings, broker_at):
    settings.FUND_TODAY = FRESH_DAY
    broker_at(f"redis://127.0.0.1:{closed_port()}/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert not broker["ok"]
    assert "refused" in broker["error"].lower()


def test_it_answers_503_within_its_timeout_when_the_broker_hangs(client, rates, settings, broker_at, silent_broker):
    settings.FUND_TODAY = FRESH_DAY
    broker_at(silent_broker)
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert not response.json()["checks"]["broker"]["ok"]
    # Not a speed goal but liveness: a broker that never answers must not hang the check. The bound is many times
    # the configured timeout, so a loaded machine cannot make this fail; without the timeout it would never return.
    assert elapsed < BROKER_TIMEOUT_SECONDS * 8


def test_it_answers_only_get(client, db):
    assert client.post("/healthz").status_code == 405
