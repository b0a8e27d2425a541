"""The fund's position read from the ledger: each figure and how it is made of the others."""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from alignment_fund.rates.models import ExchangeRate, RateBook, RateUnavailable
from grants import actions
from grants.models import LedgerTransaction, Milestone
from grants.reads.position import (
    ZERO,
    PoolPosition,
    RoundPosition,
    money_sum,
    pool_position,
    rate_book_for,
    round_headroom,
    round_positions,
    stale_rates,
    value,
)
from projects.models import Project
from tests.factories import RoundFactory, pledge_received

ON = date(2026, 3, 10)


@pytest.fixture
def fund(world):
    """The world with £100,000 pledged and not yet received, and £100,000 of award A paid."""
    actions.do_record_pledge(
        world.admin,
        funder=world.funder_b,
        amount="100000.00",
        currency="GBP",
        pledged_on=date(2026, 1, 5),
        reference="PB-2",
    )
    first = Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2025, 12, 31), amount=Money("100000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=first, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=first, approved_on=date(2026, 1, 12))
    actions.do_record_disbursement(world.admin, milestone=first, paid_on=date(2026, 2, 27), reference="PAY-1")
    return world


def test_the_pool_is_cash_held_plus_pledges_still_to_come(fund):
    pool = pool_position(ON)
    assert pool.cash == {"GBP": Decimal("1874567.89"), "USD": Decimal("1000000.00")}
    assert pool.receivable == {"GBP": Decimal("100000.00")}
    assert (pool.awarded_gbp, pool.committed_gbp, pool.disbursed_gbp) == (
        Decimal("450000.00"),
        Decimal("350000.00"),
        Decimal("100000.00"),
    )
    assert pool.receivable_gbp == Decimal("100000.00")
    assert pool.pool_gbp == pool.cash_gbp + Decimal("100000.00")
    assert pool.pool_usd == pool.cash_usd + pool.receivable_usd
    assert pool.receivable_usd == pool.gbp_usd.convert(Decimal("100000.00")) > Decimal("100000.00")
    assert pool.headroom_gbp == pool.cash_gbp - Decimal("350000.00")
    assert pool.headroom_usd == pool.cash_usd - pool.usd(Decimal("350000.00"))


def test_each_currency_is_valued_once_directly_into_pounds_and_dollars(fund):
    pool = pool_position(ON)
    usd = next(v for v in pool.cash_valued if v.currency == "USD")
    assert (usd.amount, usd.usd, usd.to_usd.rate_date) == (Decimal("1000000.00"), Decimal("1000000.00"), None)
    assert usd.gbp == usd.to_gbp.convert(Decimal("1000000.00"))
    assert pool.cash_gbp == Decimal("1874567.89") + usd.gbp
    gbp = next(v for v in pool.cash_valued if v.currency == "GBP")
    assert pool.cash_usd == Decimal("1000000.00") + gbp.usd
    assert [v.currency for v in pool.foreign_cash] == ["USD"]


def test_the_rates_used_are_each_pair_once_in_order_without_the_identity(fund):
    pool = pool_position(ON)
    assert [quote.pair for quote in pool.rates_used()] == ["GBP/USD", "USD/GBP"]
    assert all(quote.rate_date is not None for quote in pool.rates_used())


def test_a_rate_is_stale_some_business_days_after_it_was_published(fund, settings):
    settings.RATES_STALE_AFTER_BUSINESS_DAYS = 3
    pool = pool_position(ON)
    published = pool.gbp_usd.rate_date
    assert stale_rates(pool, published) == []
    assert [quote.pair for quote in stale_rates(pool, date(2026, 12, 31))] == ["GBP/USD", "USD/GBP"]


def test_a_round_has_its_budget_less_what_it_awarded_and_commits_what_it_has_not_paid(fund):
    pool = pool_position(ON)
    (position,) = round_positions(pool, [fund.round])
    assert (position.budget_gbp, position.awarded_gbp, position.disbursed_gbp) == (
        Decimal("1000000.00"),
        Decimal("450000.00"),
        Decimal("100000.00"),
    )
    assert position.committed_gbp == Decimal("350000.00")
    assert position.budget_left_gbp == Decimal("550000.00")
    # The round's budget is the lower limit here, so its dollars are the £550,000 converted.
    assert position.headroom_gbp == Decimal("550000.00")
    assert position.headroom_usd == pool.gbp_usd.convert(Decimal("550000.00"))


def test_a_rounds_headroom_in_dollars_is_the_funds_when_the_fund_is_the_limit(fund):
    pool = pool_position(ON)
    position = RoundPosition(
        round=fund.round,
        budget_gbp=Decimal("50000000.00"),
        awarded_gbp=Decimal("0.00"),
        disbursed_gbp=Decimal("0.00"),
        fund_headroom_gbp=pool.headroom_gbp,
        fund_headroom_usd=pool.headroom_usd,
        gbp_usd=pool.gbp_usd,
    )
    assert (position.headroom_gbp, position.headroom_usd) == (pool.headroom_gbp, pool.headroom_usd)
    spent = RoundPosition(fund.round, Decimal("1.00"), Decimal("2.00"), Decimal("0.00"), pool.headroom_gbp)
    assert (spent.headroom_gbp, spent.headroom_usd) == (Decimal("0.00"), Decimal("0.00"))
    unrated = RoundPosition(fund.round, Decimal("10.00"), Decimal("0.00"), Decimal("0.00"), Decimal("20.00"))
    assert unrated.headroom_usd == Decimal("0.00")


def test_round_headroom_is_the_rounds_position_on_the_day_with_the_days_rate(fund):
    headroom = round_headroom(fund.round, ON)
    (position,) = round_positions(pool_position(ON), [fund.round])
    assert headroom.position == position
    assert headroom.gbp_usd == pool_position(ON).gbp_usd
    assert headroom.headroom_usd == position.headroom_usd


def test_the_pages_rate_book_holds_the_rates_from_since_to_on_and_no_later(rates):
    newest = ExchangeRate.objects.newest_date()
    on = date(2025, 11, 20)
    book = rate_book_for(on, since=date(2025, 8, 1))
    assert book.quote("USD", "GBP", date(2025, 8, 1)) == RateBook.load().quote("USD", "GBP", date(2025, 8, 1))
    with pytest.raises(RateUnavailable):
        book.quote("USD", "GBP", date(2025, 7, 1))
    assert book.quote("USD", "GBP", newest).rate_date <= on
    only_on = rate_book_for(on)
    with pytest.raises(RateUnavailable):
        only_on.quote("USD", "GBP", date(2025, 11, 1))


def test_an_aggregate_is_pounds_and_pence():
    assert str(money_sum(None)) == "0.00"
    assert money_sum(Decimal("1.005")) == Decimal("1.01")


def test_a_value_in_its_own_currency_is_that_amount(rates):
    book = RateBook.load()
    valued = value(Decimal("10.00"), "GBP", date(2025, 11, 20), book)
    assert (valued.currency, valued.amount, valued.gbp) == ("GBP", Decimal("10.00"), Decimal("10.00"))
    assert valued.usd == book.quote("GBP", "USD", date(2025, 11, 20)).convert(Decimal("10.00"))


def test_round_headroom_reads_its_own_round_among_several(fund):
    other = RoundFactory(fund=fund.fund, number=2, name="Round 2", budget=Money("70000.00", "GBP"))
    assert round_headroom(fund.round, ON).position.round == fund.round
    assert round_headroom(other, ON).position.headroom_gbp == Decimal("70000.00")


def test_the_days_gbp_usd_rate_is_among_the_rates_used_even_with_no_pounds_held(rates):
    book = RateBook.load()
    gbp_usd = book.quote("GBP", "USD", date(2025, 11, 20))
    empty = PoolPosition(date(2025, 11, 20), {}, {}, {}, Decimal(0), Decimal(0), Decimal(0), gbp_usd=gbp_usd)
    assert empty.rates_used() == [gbp_usd]
    assert PoolPosition(date(2025, 11, 20), {}, {}, {}, Decimal(0), Decimal(0), Decimal(0)).rates_used() == []


def test_a_round_with_no_awards_has_nothing_awarded_paid_or_committed(fund):
    empty = RoundFactory(number=9, budget=Money("250000", "GBP"))
    pool = pool_position(ON)
    (position,) = round_positions(pool, [empty])
    assert (position.awarded_gbp, position.disbursed_gbp, position.committed_gbp) == (ZERO, ZERO, ZERO)
    assert position.budget_left_gbp == Decimal("250000.00")
    # Every round at once gives each the same figures as asked for alone.
    everything = {position.round.pk: position for position in round_positions(pool)}
    assert everything[empty.pk] == position
    assert everything[fund.round.pk] == round_positions(pool, [fund.round])[0]


def test_a_round_whose_budget_exceeds_the_funds_headroom_states_the_funds_dollars(fund):
    large = RoundFactory(number=8, budget=Money("500000000", "GBP"))
    pool = pool_position(ON)
    (position,) = round_positions(pool, [large])
    assert position.headroom_gbp == pool.headroom_gbp
    assert position.headroom_usd == pool.headroom_usd != ZERO


def test_an_award_waiting_for_a_second_administrator_holds_its_amount_from_its_date(fund, settings):
    """A £300,000 award needs a second administrator: until one decides, its amount is held by its round and by the
    fund, in pounds and in dollars, from the award's date."""
    settings.FUND_TODAY = ON.isoformat()
    Project.objects.filter(pk=fund.waiting.pk).update(amount_requested=Money("1000000", "GBP"))
    before = pool_position(ON)
    approval = actions.do_award_or_request(
        fund.admin, project=Project.objects.get(pk=fund.waiting.pk), amount="300000.00", awarded_on=ON
    )
    assert approval.status == "pending"
    held = Decimal("300000.00")
    pool = pool_position(ON)
    assert (pool.reserved_gbp, pool.reserved_by_round) == (held, {fund.round.pk: held})
    assert pool.headroom_gbp == before.headroom_gbp - held == pool.cash_gbp - pool.committed_gbp - held
    assert pool.headroom_usd == pool.cash_usd - pool.usd(pool.committed_gbp) - pool.usd(held)
    (position,) = round_positions(pool, [fund.round])
    assert position.reserved_gbp == held
    assert position.budget_left_gbp == Decimal("1000000.00") - Decimal("450000.00") - held
    # The day before the award's date, nothing is held.
    assert pool_position(date(2026, 3, 9)).reserved_gbp == ZERO


def test_without_a_gbp_usd_rate_a_figure_in_pounds_has_no_dollars():
    pool = PoolPosition(ON, {}, {}, {}, ZERO, ZERO, ZERO)
    assert pool.gbp_usd is None and pool.usd(Decimal("100.00")) == ZERO


def test_the_position_values_every_currency_held_or_to_arrive_and_names_the_newest_entry(fund):
    """Euros held in full (none still to arrive) and Canadian dollars still to arrive, with no rate book given: each
    is valued at the day's rate, and the position says which ledger entry it counted up to."""
    common = dict(pledged_on=date(2026, 1, 5), received_on=date(2026, 1, 6))
    pledge_received(fund.admin, fund.funder_b, amount="1000.00", currency="EUR", reference="PB-EUR", **common)
    actions.do_record_pledge(
        fund.admin,
        funder=fund.funder_b,
        amount="500.00",
        currency="CAD",
        pledged_on=date(2026, 1, 5),
        reference="PB-CAD",
    )
    pool = pool_position(ON)
    assert pool.cash["EUR"] == Decimal("1000.00") and "EUR" not in pool.receivable
    assert pool.receivable["CAD"] == Decimal("500.00") and "CAD" not in pool.cash
    book = rate_book_for(ON)
    assert [v.gbp for v in pool.cash_valued if v.currency == "EUR"] == [
        book.quote("EUR", "GBP", ON).convert(Decimal("1000.00"))
    ]
    assert [v.gbp for v in pool.receivable_valued] == [
        book.quote("CAD", "GBP", ON).convert(Decimal("500.00")),
        Decimal("100000.00"),
    ]
    assert pool.ledger_version == LedgerTransaction.objects.order_by("-pk").first().pk


def test_an_empty_ledger_is_version_0(rates):
    assert pool_position(ON).ledger_version == 0
