"""`manage.py refresh_rates`: what the scheduled job does, run by hand, saying what it stored."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import responses
from django.core.management import CommandError, call_command

from alignment_fund.rates.models import ExchangeRate

FIXTURES = Path(__file__).parent / "fixtures"
ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"


@pytest.fixture
def ecb(settings):
    settings.ECB_RATES_URL = ECB_DAILY_URL
    settings.RATES_SOURCE = "ecb"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def refresh(*args) -> str:
    out = StringIO()
    call_command("refresh_rates", *args, stdout=out)
    return out.getvalue()


def test_it_stores_the_feeds_new_rates_and_says_they_are_fresh(rates, ecb, settings):
    settings.FUND_TODAY = "2026-11-03"
    ecb.get(ECB_DAILY_URL, body=(FIXTURES / "eurofxref-daily.xml").read_bytes(), content_type="text/xml")
    output = refresh()
    assert "Fetched 4 rates from ECB reference (daily feed) at " + ECB_DAILY_URL + ": 4 new" in output
    assert "02 Nov 2026" in output
    assert "up to date" in output
    assert "Fetched 4 rates" in refresh()
    assert ": 0 new, 4 already stored" in refresh()


def test_it_says_when_the_rates_are_stale(rates, ecb, settings):
    settings.FUND_TODAY = "2026-11-26"
    ecb.get(ECB_DAILY_URL, body=(FIXTURES / "eurofxref-daily.xml").read_bytes(), content_type="text/xml")
    output = refresh()
    assert "STALE" in output
    assert "18 business days before 26 Nov 2026" in output


def test_it_explains_an_unreachable_feed_and_writes_nothing(rates, ecb):
    ecb.get(ECB_DAILY_URL, status=503, body="Service Unavailable")
    before = ExchangeRate.objects.count()
    with pytest.raises(CommandError, match="answered 503. Nothing was written; the stored rates stand"):
        refresh()
    assert ExchangeRate.objects.count() == before


def test_it_explains_a_malformed_feed_and_writes_nothing(rates, ecb):
    ecb.get(ECB_DAILY_URL, body=(FIXTURES / "negative-rate.xml").read_bytes(), content_type="text/xml")
    before = ExchangeRate.objects.count()
    with pytest.raises(CommandError, match="not a usable rate table"):
        refresh()
    assert ExchangeRate.objects.count() == before


def test_it_can_use_the_offline_source_whatever_the_setting(db, ecb, settings):
    settings.FUND_TODAY = "2026-10-30"
    output = refresh("--source", "offline")
    assert "from ECB reference (history file):" in output
    assert ExchangeRate.objects.exists()
    assert not ecb.calls
    assert settings.RATES_SOURCE == "ecb"
