from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alignment_fund import money
from alignment_fund.money import MoneyError

amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("100000000.00"), places=2)


def test_it_rounds_half_up_not_half_even():
    assert money.round_money(Decimal("0.125")) == Decimal("0.13")
    assert money.round_money(Decimal("1.005")) == Decimal("1.01")
    assert money.round_money(Decimal("-0.125")) == Decimal("-0.13")


def test_it_refuses_floats():
    with pytest.raises(MoneyError):
        money.round_money(0.1)


def test_it_refuses_text_that_is_not_a_number():
    with pytest.raises(MoneyError):
        money.round_money("ten pounds")


def test_cross_rate_divides_the_two_euro_rates():
    # 19 Feb 2026 style figures: USD 1.18 and GBP 0.87 per euro → GBP per USD.
    assert money.cross_rate(Decimal("1.18"), Decimal("0.87")) == Decimal("0.7372881356")


@given(
    amount=st.decimals(min_value=Decimal("0.00"), max_value=Decimal("10000000.00"), places=2),
    rate=st.decimals(min_value=Decimal("1"), max_value=Decimal("5"), places=6),
)
def test_a_conversion_into_a_smaller_unit_round_trips_within_a_penny(amount, rate):
    # Pounds into dollars (or any unit worth less) and back, with the inverse rate: each leg rounds to the penny,
    # and the way back divides the first rounding by the rate, so the result is always within a penny.
    there = money.convert(amount, rate)
    back = money.convert(there, money.invert(rate))
    assert abs(back - amount) <= money.PENNY


@given(
    total=amounts,
    weights=st.lists(
        st.decimals(min_value=Decimal("0"), max_value=Decimal("1e9"), places=2), min_size=1, max_size=12
    ).filter(lambda ws: sum(ws) > 0),
)
def test_a_split_adds_up_to_the_penny(total, weights):
    parts = money.split_pro_rata(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    assert all(p == p.quantize(money.PENNY) for p in parts)


@given(total=amounts, weights=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=8))
def test_each_share_is_within_a_penny_of_its_exact_proportion(total, weights):
    parts = money.split_pro_rata(total, [Decimal(w) for w in weights])
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - total * weight / whole) < money.PENNY


def test_a_split_gives_leftover_pennies_to_the_largest_remainders():
    assert money.split_pro_rata(Decimal("100.00"), [Decimal(1)] * 3) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]


def test_a_split_needs_something_to_split_between():
    with pytest.raises(MoneyError):
        money.split_pro_rata(Decimal("1.00"), [Decimal(0), Decimal(0)])


@pytest.mark.parametrize(
    ("amount", "allowed"),
    [("49999.99", False), ("50000.00", True), ("1000000.00", True), ("1000000.01", False)],
)
def test_award_limits_are_inclusive(amount, allowed):
    assert money.within_award_limits(Decimal(amount)) is allowed


def test_leftover_pennies_go_to_the_largest_remainders_not_the_smallest():
    # 1.00 in 1:2 is 0.333... and 0.666...: the penny left over goes to the larger remainder.
    assert money.split_pro_rata(Decimal("1.00"), [Decimal(1), Decimal(2)]) == [Decimal("0.33"), Decimal("0.67")]
    # 10.00 in 3:3:1 is 4.2857, 4.2857, 1.4286: two pennies over, to the third and then (a tie) to the first.
    assert money.split_pro_rata(Decimal("10.00"), [Decimal(3), Decimal(3), Decimal(1)]) == [
        Decimal("4.29"),
        Decimal("4.28"),
        Decimal("1.43"),
    ]


@given(
    total=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2),
    weights=st.lists(st.integers(min_value=1, max_value=10**9), min_size=2, max_size=12),
)
def test_no_part_left_without_its_penny_had_a_larger_remainder_than_one_that_got_it(total, weights):
    parts = money.split_pro_rata(total, [Decimal(w) for w in weights])
    whole = sum(weights)
    exact = [Decimal(int(total / money.PENNY)) * w / whole for w in weights]
    remainders = [e - int(e) for e in exact]
    bumped = [i for i, part in enumerate(parts) if part / money.PENNY > int(exact[i])]
    left = [i for i in range(len(parts)) if i not in bumped]
    if bumped and left:
        assert min(remainders[i] for i in bumped) >= max(remainders[i] for i in left)
