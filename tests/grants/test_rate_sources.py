"""Where rates come from: the shipped ECB history, the live ECB feed (mocked with `responses`, the only thing faked),
and what `store` and `refresh_from` do with them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured

from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.sources import (
    ECB_CURRENCIES,
    OFFLINE_RECENT_DAYS,
    EcbFeed,
    MalformedRates,
    PublishedRate,
    RatesUnavailable,
    ShippedHistory,
    default_source,
    parse_ecb_xml,
    parse_history_csv,
)
from alignment_fund.rates.storage import refresh_from, store

FIXTURES = Path(__file__).parent / "fixtures"
ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def ecb(settings):
    """The live ECB site, answered by `responses`; nothing else is faked."""
    settings.ECB_RATES_URL = ECB_DAILY_URL
    settings.RATES_SOURCE = "ecb"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def stored_table() -> list[tuple]:
    return list(ExchangeRate.objects.order_by("currency", "rate_date").values_list("currency", "rate_date", "rate"))


# Parsing the ECB's XML


def test_it_parses_the_daily_feed_keeping_the_funds_currencies():
    rates = parse_ecb_xml(fixture("eurofxref-daily.xml"))
    assert {r.currency: r.rate for r in rates} == {
        "AUD": Decimal("1.5917"),
        "CAD": Decimal("1.5613"),
        "GBP": Decimal("0.83415"),
        "USD": Decimal("1.1161"),
    }
    assert {r.rate_date for r in rates} == {date(2026, 11, 2)}


def test_it_parses_every_day_of_the_90_day_feed():
    rates = parse_ecb_xml(fixture("eurofxref-hist-90d.xml"))
    assert len(rates) == 6 * len(ECB_CURRENCIES)
    assert {r.rate_date for r in rates} == {
        date(2026, 10, 28),
        date(2026, 10, 29),
        date(2026, 10, 30),
        date(2026, 11, 2),
        date(2026, 11, 3),
        date(2026, 11, 4),
    }


def test_the_90_day_fixture_agrees_with_the_shipped_history_where_they_overlap():
    shipped = {(r.currency, r.rate_date): r.rate for r in ShippedHistory(since=date(2026, 10, 28)).fetch()}
    for rate in parse_ecb_xml(fixture("eurofxref-hist-90d.xml")):
        if rate.rate_date <= date(2026, 10, 30):
            assert shipped[(rate.currency, rate.rate_date)] == rate.rate


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (fixture("truncated.xml"), "not well-formed XML"),
        (fixture("empty-cube.xml"), "holds no rates"),
        (fixture("negative-rate.xml"), "GBP on 02 Nov 2026: a rate must be a positive number"),
        (fixture("error-page.html"), "not well-formed XML"),
        (b"", "not well-formed XML"),
        (fixture("eurofxref-daily.xml").replace(b"rate='1.1161'", b"rate='n/a'"), "'n/a' is not a rate"),
        (fixture("eurofxref-daily.xml").replace(b"rate='1.5613'", b"rate='0'"), "must be a positive number"),
        (fixture("eurofxref-daily.xml").replace(b"rate='175.42'", b"rate='NaN'"), "must be a positive number"),
        (fixture("eurofxref-daily.xml").replace(b"time='2026-11-02'", b"time='2 Nov 2026'"), "is not a date"),
        (
            fixture("eurofxref-daily.xml")
            .replace(b"<Cube currency='USD' rate='1.1161'/>", b"")
            .replace(b"<Cube currency='GBP' rate='0.83415'/>", b"")
            .replace(b"<Cube currency='AUD' rate='1.5917'/>", b"")
            .replace(b"<Cube currency='CAD' rate='1.5613'/>", b""),
            "none of the fund's currencies",
        ),
        (
            b"<?xml version='1.0'?><rss><channel><title>ECB | Reference rates</title></channel></rss>",
            "not an ECB rate document",
        ),
        (
            fixture("eurofxref-daily.xml").replace(
                b"<Cube currency='JPY'", b"<Cube currency='USD' rate='1.2000'/><Cube currency='JPY'"
            ),
            "two different USD rates",
        ),
    ],
    ids=[
        "truncated",
        "empty-cube",
        "negative-rate",
        "html-error-page",
        "empty-body",
        "non-numeric-rate",
        "zero-rate",
        "nan-rate-in-another-currency",
        "bad-date",
        "no-fund-currency",
        "not-an-envelope",
        "contradictory-day",
    ],
)
def test_it_refuses_a_document_that_is_not_a_usable_rate_table(document, message):
    with pytest.raises(MalformedRates, match=message):
        parse_ecb_xml(document)


def test_it_refuses_entity_expansion():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<Envelope><Cube><Cube time='2026-11-02'><Cube currency='USD' rate='&lol2;'/></Cube></Cube></Envelope>"
    )
    with pytest.raises(MalformedRates, match="not well-formed XML"):
        parse_ecb_xml(bomb)


# The history CSV


def test_it_reads_the_history_csv_with_its_gaps_and_trailing_comma():
    text = "Date,USD,JPY,GBP,\n2026-10-30,1.1172,175.68,0.8338,\n2026-10-29,N/A,175.92,0.83578,\n"
    rates = parse_history_csv(text, currencies=("USD", "GBP"))
    assert rates == [
        PublishedRate("USD", date(2026, 10, 30), Decimal("1.1172")),
        PublishedRate("GBP", date(2026, 10, 30), Decimal("0.8338")),
        PublishedRate("GBP", date(2026, 10, 29), Decimal("0.83578")),
    ]


def test_it_refuses_a_history_csv_with_a_negative_rate():
    with pytest.raises(MalformedRates, match="line 2, GBP"):
        parse_history_csv("Date,USD,GBP,\n2026-10-30,1.1172,-0.8338,\n")


def test_the_offline_source_keeps_the_last_90_days_of_the_shipped_file():
    everything = ShippedHistory().fetch()
    last = max(r.rate_date for r in everything)
    recent = ShippedHistory(recent_days=OFFLINE_RECENT_DAYS).fetch()
    assert max(r.rate_date for r in recent) == last
    assert (last - min(r.rate_date for r in recent)).days <= OFFLINE_RECENT_DAYS
    assert len(recent) == len([r for r in everything if (last - r.rate_date).days <= OFFLINE_RECENT_DAYS])


def test_the_default_source_follows_the_setting(settings):
    settings.RATES_SOURCE = "offline"
    assert isinstance(default_source(), ShippedHistory)
    assert default_source().source == ExchangeRate.Source.ECB_HISTORY
    settings.RATES_SOURCE = "ecb"
    assert isinstance(default_source(), EcbFeed)
    assert default_source().source == ExchangeRate.Source.ECB_LIVE
    settings.RATES_SOURCE = "bank"
    with pytest.raises(ImproperlyConfigured, match="RATES_SOURCE"):
        default_source()


# The live feed, end to end through refresh_from


def test_a_good_daily_feed_is_stored_with_its_provenance(db, ecb):
    ecb.get(ECB_DAILY_URL, body=fixture("eurofxref-daily.xml"), content_type="text/xml")
    result = refresh_from(EcbFeed())
    assert result.stored == 4
    rows = ExchangeRate.objects.filter(rate_date=date(2026, 11, 2))
    assert {r.currency: r.rate for r in rows} == {
        "AUD": Decimal("1.5917"),
        "CAD": Decimal("1.5613"),
        "GBP": Decimal("0.83415"),
        "USD": Decimal("1.1161"),
    }
    assert {r.source for r in rows} == {ExchangeRate.Source.ECB_LIVE}
    assert all(r.fetched_at is not None for r in rows)


def test_fetching_the_same_feed_twice_stores_nothing_new(db, ecb):
    ecb.get(ECB_DAILY_URL, body=fixture("eurofxref-daily.xml"), content_type="text/xml")
    assert refresh_from(EcbFeed()).stored == 4
    table = stored_table()
    assert refresh_from(EcbFeed()).stored == 0
    assert stored_table() == table
    assert len(ecb.calls) == 2


def test_the_90_day_feed_adds_only_the_days_not_already_stored(rates, ecb):
    ecb.get(ECB_DAILY_URL, body=fixture("eurofxref-hist-90d.xml"), content_type="text/xml")
    before = ExchangeRate.objects.count()
    result = refresh_from(EcbFeed())
    assert result.fetched == 24
    assert result.stored == 12  # 2-4 Nov; 28-30 Oct came with the shipped history and keep that provenance
    assert ExchangeRate.objects.count() == before + 12
    assert set(ExchangeRate.objects.filter(rate_date=date(2026, 10, 30)).values_list("source", flat=True)) == {
        ExchangeRate.Source.ECB_HISTORY
    }


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_is_worth_retrying(db, ecb, status):
    ecb.get(ECB_DAILY_URL, body=fixture("error-page.html"), status=status, content_type="text/html")
    with pytest.raises(RatesUnavailable, match=str(status)):
        EcbFeed().fetch()


@pytest.mark.parametrize(
    "error",
    [requests.exceptions.ConnectTimeout(), requests.exceptions.ReadTimeout(), requests.exceptions.ConnectionError()],
    ids=["connect-timeout", "read-timeout", "connection-error"],
)
def test_a_network_failure_is_worth_retrying(db, ecb, error):
    ecb.get(ECB_DAILY_URL, body=error)
    with pytest.raises(RatesUnavailable):
        EcbFeed().fetch()


def test_the_feed_is_fetched_with_a_timeout(db, ecb):
    ecb.get(ECB_DAILY_URL, body=fixture("eurofxref-daily.xml"), content_type="text/xml")
    EcbFeed().fetch()
    assert ecb.calls[0].request.req_kwargs["timeout"] == EcbFeed.timeout


@pytest.mark.parametrize("status", [403, 404, 410])
def test_a_client_error_is_not_retried(db, ecb, status):
    ecb.get(ECB_DAILY_URL, body=fixture("error-page.html"), status=status, content_type="text/html")
    with pytest.raises(MalformedRates, match=str(status)):
        EcbFeed().fetch()


@pytest.mark.parametrize(
    "body",
    [
        fixture("truncated.xml"),
        fixture("empty-cube.xml"),
        fixture("negative-rate.xml"),
        fixture("error-page.html"),
        fixture("eurofxref-daily.xml").replace(b"rate='0.83415'", b"rate='zero'"),
    ],
    ids=["malformed-xml", "empty-cube", "negative-rate", "html-error-page", "non-numeric-rate"],
)
def test_a_bad_feed_writes_nothing_and_keeps_the_previous_rates(rates, ecb, body):
    ecb.get(ECB_DAILY_URL, body=body, status=200, content_type="text/xml")
    before = stored_table()
    newest = ExchangeRate.objects.newest_date()
    with pytest.raises(MalformedRates):
        refresh_from(EcbFeed())
    assert stored_table() == before
    assert ExchangeRate.objects.newest_date() == newest
    assert not ExchangeRate.objects.filter(rate_date=date(2026, 11, 2)).exists()


def test_the_feed_url_comes_from_the_settings_when_fetching(db, ecb, settings):
    feed = EcbFeed()
    other = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml"
    settings.ECB_RATES_URL = other
    ecb.get(other, body=fixture("eurofxref-hist-90d.xml"), content_type="text/xml")
    assert len(feed.fetch()) == 24


# store


def test_store_reports_its_progress_and_keeps_the_first_rate_of_a_day(db):
    first = [PublishedRate("USD", date(2026, 11, 2), Decimal("1.1161"))]
    seen = []
    assert store(first, ExchangeRate.Source.ECB_LIVE, progress=lambda done, total: seen.append((done, total))) == 1
    assert seen == [(1, 1)]
    again = [
        PublishedRate("USD", date(2026, 11, 2), Decimal("1.2000")),
        PublishedRate("USD", date(2026, 11, 3), Decimal("1.1177")),
        PublishedRate("USD", date(2026, 11, 3), Decimal("1.1177")),
    ]
    assert store(again, ExchangeRate.Source.ECB_HISTORY) == 1
    assert ExchangeRate.objects.get(currency="USD", rate_date=date(2026, 11, 2)).rate == Decimal("1.1161")


def test_store_refuses_an_empty_batch(db):
    with pytest.raises(MalformedRates):
        store([], ExchangeRate.Source.ECB_LIVE)
