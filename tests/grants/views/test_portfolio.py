"""/portfolio/: the administrator's view of the whole fund."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment_fund.money import round_money
from grants import actions
from tests.factories import ProjectFactory
from tests.grants.views.conftest import TODAY, figure, reference_rate, value

URL = reverse("grants:portfolio")
GBP_CASH = Decimal("1974567.89")  # funder B's £1,234,567.89 plus the £740,000.00 credited for $1,000,000.00
USD_CASH = Decimal("1000000.00")


@pytest.fixture
def page(client, world):
    client.force_login(world.admin)
    response = client.get(URL)
    assert response.status_code == 200
    return response


def test_it_shows_the_pool_in_pounds_and_dollars(page):
    cash_gbp = GBP_CASH + value(USD_CASH, "USD", "GBP")
    assert figure(page, "cash-gbp") == cash_gbp
    assert figure(page, "receivable-gbp") == 0
    assert figure(page, "pool-gbp") == cash_gbp
    assert figure(page, "pool-usd") == value(GBP_CASH, "GBP", "USD") + USD_CASH


def test_it_shows_the_gbp_usd_rate_with_its_source_and_date(page):
    rate = reference_rate("GBP", "USD", TODAY)
    assert f"1 GBP = ${rate:,.4f} (ECB reference (history file), 20 Feb 2026)" in page.content.decode()


def test_it_shows_committed_disbursed_and_headroom(page):
    cash_gbp = GBP_CASH + value(USD_CASH, "USD", "GBP")
    assert figure(page, "committed-gbp") == Decimal("450000.00")
    assert figure(page, "disbursed-gbp") == 0
    assert figure(page, "headroom-gbp") == cash_gbp - Decimal("450000.00")
    assert figure(page, "headroom-usd") == value(cash_gbp - Decimal("450000.00"), "GBP", "USD")


def test_it_shows_each_rounds_headroom(page, world):
    # Budget £1,000,000 less £450,000 awarded; the fund's cash is larger, so the budget binds.
    assert figure(page, f"round-headroom-{world.round.pk}") == Decimal("550000.00")


def test_it_shows_each_funder_in_its_own_currency_and_in_pounds(page, world):
    html = page.content.decode()
    assert "$2,000,000.00" in html and "£1,234,567.89" in html
    # Funder A: £740,000.00 credited plus the $1,000,000.00 still in dollars at today's rate.
    assert figure(page, f"funder-value-{world.funder_a.pk}-USD") == Decimal("740000.00") + value(USD_CASH, "USD", "GBP")
    assert figure(page, f"funder-value-{world.funder_b.pk}-GBP") == Decimal("1234567.89")
    attributed = figure(page, f"funder-attributed-{world.funder_a.pk}") + figure(
        page, f"funder-attributed-{world.funder_b.pk}"
    )
    assert attributed == Decimal("450000.00")


def test_an_administrator_sees_which_funders_are_undisclosed(page):
    assert "undisclosed" in page.content.decode()


def test_it_shows_awards_by_research_area(page, world):
    assert figure(page, f"area-awarded-{world.area.pk}") == Decimal("300000.00")
    assert figure(page, f"area-awarded-{world.other_area.pk}") == Decimal("150000.00")
    counts = {row.area.pk: row.award_count for row in page.context["portfolio"].areas}
    assert counts == {world.area.pk: 1, world.other_area.pk: 1}


def test_it_shows_the_change_in_value_of_dollars_held_since_they_arrived(page):
    then = value(USD_CASH, "USD", "GBP", date(2025, 8, 1))
    now = value(USD_CASH, "USD", "GBP")
    assert figure(page, "fx-change-USD") == now - then


@pytest.mark.parametrize(
    ("column", "gbp_move"),
    [(1, Decimal("0.10")), (2, Decimal("0.05")), (3, Decimal("-0.05")), (4, Decimal("-0.10"))],
)
def test_it_shows_what_a_move_of_the_pound_would_do_to_headroom(page, column, gbp_move):
    rate = reference_rate("USD", "GBP", TODAY)
    now = value(USD_CASH, "USD", "GBP")
    headroom = GBP_CASH + now - Decimal("450000.00")
    moved = round_money(USD_CASH * rate / (1 + gbp_move))
    assert figure(page, f"fx-headroom-after-{column}") == headroom + (moved - now)


def test_a_stronger_pound_lowers_headroom_and_a_weaker_one_raises_it(page):
    scenarios = page.context["portfolio"].exposure.scenarios
    assert scenarios[0].headroom_change_gbp < scenarios[1].headroom_change_gbp < 0
    assert 0 < scenarios[2].headroom_change_gbp < scenarios[3].headroom_change_gbp


def test_it_lists_pledges_still_to_arrive_with_a_link_to_record_them(client, world):
    actions.do_record_pledge(
        world.admin,
        funder=world.funder_a,
        amount="500000",
        currency="USD",
        pledged_on=date(2026, 1, 5),
        reference="PA-2",
    )
    client.force_login(world.admin)
    response = client.get(URL)
    html = response.content.decode()
    assert "PA-2" in html
    assert figure(response, "receivable-gbp") == value("500000", "USD", "GBP")
    assert reverse("grants:record_receipt") + "?pledge=" in html


def test_it_warns_when_the_rates_are_stale(client, world, settings):
    # The shipped history ends on 30 Oct 2026; a month later the newest rate is weeks old.
    settings.FUND_TODAY = "2026-11-27"
    client.force_login(world.admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'data-testid="stale-rates-warning"' in response.content.decode()


def test_it_does_not_warn_when_the_rates_are_fresh(page):
    assert 'data-testid="stale-rates-warning"' not in page.content.decode()


def test_it_says_what_to_do_when_no_rate_is_known(client, admin_user):
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'data-testid="rates-missing"' in response.content.decode()


def test_an_empty_fund_shows_empty_states_not_errors(client, rates, admin_user):
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No rounds yet" in html
    assert "No pledges yet" in html
    assert figure(response, "headroom-gbp") == 0


def test_it_keeps_a_place_for_the_exports(page):
    assert 'data-testid="exports"' in page.content.decode()


def test_it_costs_the_same_queries_with_more_awards(client, world):
    client.force_login(world.admin)
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    for n in range(3):
        project = ProjectFactory(round=world.round, research_area=world.other_area, reference=f"R1-05{n}")
        actions.do_award_project(world.admin, project=project, amount="60000", awarded_on=date(2026, 1, 10))
    with CaptureQueriesContext(connection) as after:
        client.get(URL)
    assert len(after) == len(before)


def test_the_portfolio_shows_every_pledge_at_todays_rates_beside_the_pool(client, world):
    from alignment_fund.rates.models import ExchangeRate
    from funders.models import Pledge

    client.force_login(world.admin)
    response = client.get(reverse("grants:portfolio"))
    today = response.context["portfolio"].today
    by_currency: dict[str, Decimal] = {}
    for pledge in Pledge.objects.all():
        currency = pledge.amount.currency.code
        by_currency[currency] = by_currency.get(currency, Decimal("0.00")) + pledge.amount.amount
    expected = sum(
        (ExchangeRate.objects.quote(c, "GBP", today).convert(amount) for c, amount in by_currency.items()),
        Decimal("0.00"),
    )
    assert len(by_currency) > 1 and response.context["portfolio"].pledged_gbp == expected
    assert 'data-testid="pledged-gbp"' in response.text
