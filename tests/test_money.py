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


def test_a_total_given_past_the_penny_is_rounded_half_up_before_it_is_split():
    assert money.split_pro_rata(Decimal("0.125"), [Decimal(1)]) == [Decimal("0.13")]
    assert money.split_pro_rata(Decimal("2.345"), [Decimal(1), Decimal(1)]) == [Decimal("1.18"), Decimal("1.17")]


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


# Each rule of the module, at its edges (`make mutants` checks that changing any of them fails a test here).


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1,250,000.00", "1250000.00"),
        (" £50,000 ", "50000.00"),
        ("$5", "5.00"),
        ("€12.5", "12.50"),
        ("50\u00a0000", "50000.00"),
        ("50 000.10", "50000.10"),
        ("+7", "7.00"),
        (".5", "0.50"),
        ("5.", "5.00"),
        ("1,250.5", "1250.50"),
        (1250, "1250.00"),
        (1250.5, "1250.50"),
        (0.1, "0.10"),
        (Decimal("0.10"), "0.10"),
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_parse_amount_reads_what_a_person_typed_to_the_penny(typed, amount):
    parsed = money.parse_amount(typed)
    assert parsed == Decimal(amount)
    assert str(parsed) == amount


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (True, "is not an amount"),
        (None, "is not an amount"),
        ("ten", "is not an amount"),
        ("", "is not an amount"),
        ("££5", "is not an amount"),
        ("5£", "is not an amount"),
        ("12,34", "is not an amount"),
        ("1,2345", "is not an amount"),
        ("1e3", "is not an amount"),
        (1e-7, "is not an amount"),
        ("NaN", "is not an amount"),
        (Decimal("NaN"), "is not an amount"),
        (Decimal("Infinity"), "is not an amount"),
        ("0", "must be more than zero"),
        (0, "must be more than zero"),
        ("-5", "must be more than zero"),
        ("1.001", "has more than two decimal places"),
        (Decimal("0.005"), "has more than two decimal places"),
        ("1000000000000.00", "is too large: amounts are stored to 999,999,999,999.99"),
    ],
)
def test_parse_amount_refuses_what_is_not_an_amount_and_says_why(typed, message):
    with pytest.raises(money.AmountError) as refused:
        money.parse_amount(typed)
    assert str(refused.value) == message


def test_parse_amount_takes_only_the_symbols_it_is_given():
    assert money.parse_amount("£5", symbols=("£",)) == Decimal("5.00")
    with pytest.raises(money.AmountError):
        money.parse_amount("$5", symbols=("£",))
    with pytest.raises(money.AmountError):
        money.parse_amount("£5", symbols=())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.1, "floats are not money: pass a Decimal or a decimal string"),
        (True, "a boolean is not an amount"),
        ("ten pounds", "'ten pounds' is not a decimal number"),
        (None, "None is not a decimal number"),
        ("NaN", "'NaN' is not a finite amount"),
        (Decimal("-Infinity"), "Decimal('-Infinity') is not a finite amount"),
    ],
)
def test_to_decimal_refuses_what_cannot_be_money_and_says_why(value, message):
    with pytest.raises(MoneyError) as refused:
        money.to_decimal(value)
    assert str(refused.value) == message


def test_to_decimal_takes_decimals_integers_and_decimal_strings_as_they_are():
    assert money.to_decimal(Decimal("1.005")) == Decimal("1.005")
    assert money.to_decimal(7) == Decimal(7)
    assert str(money.to_decimal("0.125")) == "0.125"


def test_rates_round_half_up_to_ten_places():
    assert money.round_rate(Decimal("1.23456789025")) == Decimal("1.2345678903")
    assert money.round_rate("0.00000000005") == Decimal("0.0000000001")
    assert str(money.round_rate(2)) == "2.0000000000"


def test_a_conversion_multiplies_by_the_rate_and_rounds_half_up_once():
    assert money.convert(Decimal("100.00"), Decimal("0.87")) == Decimal("87.00")
    assert money.convert(Decimal("0.50"), Decimal("0.25")) == Decimal("0.13")
    # A cross rate of two legs: 100 x 0.87 / 1.18 = 73.7288...; the legs are not rounded to a rate first.
    assert money.convert(Decimal("100.00"), Decimal("0.87"), Decimal("1.18")) == Decimal("73.73")
    assert money.convert(Decimal("1000000000.00"), Decimal("1"), Decimal("3")) == Decimal("333333333.33")


@pytest.mark.parametrize(("rate", "per"), [("0", "1"), ("1", "0"), ("-0.87", "1"), ("0.87", "-1.18"), ("0", "0")])
def test_a_conversion_refuses_a_rate_that_is_not_positive(rate, per):
    with pytest.raises(MoneyError, match="^an exchange rate must be positive$"):
        money.convert(Decimal("100.00"), Decimal(rate), Decimal(per))


@pytest.mark.parametrize(("source", "target"), [("0", "0.87"), ("1.18", "0"), ("-1.18", "0.87"), ("1.18", "-0.87")])
def test_a_cross_rate_refuses_legs_that_are_not_positive(source, target):
    with pytest.raises(MoneyError, match="^an exchange rate must be positive$"):
        money.cross_rate(Decimal(source), Decimal(target))


def test_an_inverse_rate_is_one_over_the_rate_to_ten_places():
    assert money.invert(Decimal("0.8")) == Decimal("1.25")
    assert money.invert(Decimal("3")) == Decimal("0.3333333333")
    for rate in ("0", "-0.8"):
        with pytest.raises(MoneyError, match="^an exchange rate must be positive$"):
            money.invert(Decimal(rate))


def test_a_dealt_rate_is_what_was_bought_per_unit_sold():
    assert money.dealt_rate(Decimal("0.50"), Decimal("0.40")) == Decimal("0.8")
    assert money.dealt_rate(Decimal("100000.00"), Decimal("78950.00")) == Decimal("0.7895")
    for sold, bought in (("0", "1"), ("1", "0"), ("-1", "1"), ("1", "-1"), ("0", "0")):
        with pytest.raises(MoneyError, match="^both sides of a conversion must be positive$"):
            money.dealt_rate(Decimal(sold), Decimal(bought))


@pytest.mark.parametrize(
    ("weights", "message"),
    [([], "nothing to split between"), ([Decimal(1), Decimal(-1)], "weights cannot be negative")],
)
def test_a_split_says_why_it_cannot_be_made(weights, message):
    with pytest.raises(MoneyError) as refused:
        money.split_pro_rata(Decimal("1.00"), weights)
    assert str(refused.value) == message


def test_a_split_of_weights_adding_up_to_zero_says_so():
    with pytest.raises(MoneyError, match="^weights add up to zero$"):
        money.split_pro_rata(Decimal("1.00"), [Decimal(0)])


def test_a_total_is_pounds_and_pence_even_when_there_is_nothing_to_add():
    assert str(money.total([])) == "0.00"
    assert money.total(["1.10", 2, Decimal("0.01")]) == Decimal("3.11")
    with pytest.raises(MoneyError):
        money.total([0.1])


def test_a_share_is_a_fraction_to_six_places_rounded_half_up():
    assert money.share(Decimal("0.5"), Decimal("1")) == Decimal("0.5")
    assert money.share(Decimal("1"), Decimal("3")) == Decimal("0.333333")
    assert money.share(Decimal("1"), Decimal("2000000")) == Decimal("0.000001")  # 0.0000005, a tie, goes up
    assert money.share(Decimal("2"), Decimal("3")) == Decimal("0.666667")


def test_a_share_of_nothing_is_zero():
    assert str(money.share(Decimal("5"), Decimal("0"))) == "0.000000"
    assert str(money.share(Decimal("0"), Decimal("0.00"))) == "0.000000"


@pytest.mark.parametrize(
    ("amount", "currency", "places", "shown"),
    [
        (None, "GBP", 2, "—"),
        ("", "GBP", 2, "—"),
        (Decimal("0"), "GBP", 2, "£0.00"),
        (Decimal("-1234.5"), "GBP", 2, "−£1,234.50"),
        (Decimal("-0.001"), "USD", 2, "$0.00"),
        ("7500000", "USD", 2, "$7,500,000.00"),
        (Decimal("10"), "EUR", 2, "€10.00"),
        (Decimal("10"), "CAD", 2, "CA$10.00"),
        (Decimal("10"), "AUD", 2, "A$10.00"),
        (Decimal("1000"), "JPY", 2, "JPY 1,000.00"),
        (Decimal("0.125"), "GBP", 2, "£0.13"),
        (Decimal("2.5"), "GBP", 0, "£3"),
        (Decimal("27123456.78"), "GBP", 0, "£27,123,457"),
        (Decimal("1.23456"), "USD", 4, "$1.2346"),
    ],
)
def test_format_money_is_the_house_style(amount, currency, places, shown):
    assert money.format_money(amount, currency, places) == shown


def test_format_money_shows_two_places_unless_told():
    assert money.format_money(Decimal("3"), "GBP") == "£3.00"
