"""The rate book's quotes, field by field: the same currency, a rate from the euro, a rate to the euro and a cross
rate, each with its pair, rate, date, source, how it was derived and the legs its conversions use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from alignment_fund.rates.models import QuotedRate, RateBook, RateUnavailable, _EurRate

DAY = date(2026, 2, 19)


def book() -> RateBook:
    return RateBook(
        [
            _EurRate("USD", date(2026, 2, 18), Decimal("1.0800"), "ecb-history"),
            _EurRate("GBP", date(2026, 2, 18), Decimal("0.8300"), "ecb-live"),
        ]
    )


def test_the_same_currency_is_the_identity():
    assert book().quote("GBP", "GBP", DAY) == QuotedRate("GBP", "GBP", Decimal(1), None, "identity")


def test_a_rate_from_the_euro_is_the_ecbs_own_with_its_leg():
    quote = book().quote("EUR", "USD", DAY)
    assert quote == QuotedRate(
        "EUR",
        "USD",
        Decimal("1.0800000000"),
        date(2026, 2, 18),
        "ecb-history",
        "EUR/USD 1.08 (2026-02-18)",
        numerator=Decimal("1.0800"),
    )
    assert quote.convert(Decimal("1000.00")) == Decimal("1080.00")


def test_a_rate_to_the_euro_is_the_inverse_kept_as_its_leg():
    quote = book().quote("USD", "EUR", DAY)
    assert quote == QuotedRate(
        "USD",
        "EUR",
        Decimal("0.9259259259"),
        date(2026, 2, 18),
        "ecb-history",
        "1 / EUR/USD 1.08 (2026-02-18)",
        numerator=Decimal(1),
        per=Decimal("1.0800"),
    )
    # Converted with the leg itself (1,000,000 / 1.08 = 925,925.925...), not the ten-place rate.
    assert quote.convert(Decimal("1000000.00")) == Decimal("925925.93")


def test_a_quote_is_the_same_however_often_it_is_asked_for():
    rates = book()
    assert rates.quote("USD", "GBP", DAY) is rates.quote("USD", "GBP", DAY)
    assert rates.quote("USD", "GBP", DAY) == book().quote("USD", "GBP", DAY)


def test_a_book_from_a_day_starts_each_currency_at_its_own_last_rate(db):
    """Pound rates last published a day before the dollar's: a book loaded from the dollar's day still has the pound's
    rate of the day before, not only rates from that day on."""
    from alignment_fund.rates.models import ExchangeRate

    ExchangeRate.objects.create(currency="GBP", rate_date=date(2026, 2, 16), rate=Decimal("0.82"), source="ecb-history")
    ExchangeRate.objects.create(currency="GBP", rate_date=date(2026, 2, 17), rate=Decimal("0.83"), source="ecb-history")
    ExchangeRate.objects.create(currency="USD", rate_date=date(2026, 2, 18), rate=Decimal("1.08"), source="ecb-history")
    loaded = RateBook.load(["GBP", "USD"], since=date(2026, 2, 18), until=DAY)
    assert loaded.quote("GBP", "USD", date(2026, 2, 18)).rate_date == date(2026, 2, 17)
    with pytest.raises(RateUnavailable):  # and nothing older than the rate on or before the day asked from
        loaded.quote("GBP", "USD", date(2026, 2, 16))


def test_a_cross_rate_keeps_both_legs_and_names_both_sources():
    quote = book().quote("USD", "GBP", DAY)
    assert quote == QuotedRate(
        "USD",
        "GBP",
        Decimal("0.7685185185"),
        date(2026, 2, 18),
        "ecb-history+ecb-live",
        "EUR/GBP 0.83 (2026-02-18) ÷ EUR/USD 1.08 (2026-02-18)",
        numerator=Decimal("0.8300"),
        per=Decimal("1.0800"),
    )
    same_source = RateBook(
        [
            _EurRate("USD", date(2026, 2, 18), Decimal("1.0800"), "ecb-live"),
            _EurRate("GBP", date(2026, 2, 17), Decimal("0.8300"), "ecb-live"),
        ]
    ).quote("USD", "GBP", DAY)
    assert (same_source.source, same_source.rate_date) == ("ecb-live", date(2026, 2, 17))
