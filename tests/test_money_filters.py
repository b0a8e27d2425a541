from datetime import date
from decimal import Decimal

from djmoney.money import Money

from alignment_fund.rates.models import QuotedRate
from alignment_fund.templatetags.money import gbp, money, percent, rate, whole


def test_money_shows_the_currency_symbol_and_thousands_separators():
    assert money(Money("7500000", "USD")) == "$7,500,000.00"
    assert gbp(Decimal("-1234.5")) == "−£1,234.50"
    assert money(Decimal("10"), "EUR") == "€10.00"


def test_whole_rounds_for_headlines_only():
    assert whole(Money("27123456.78", "GBP")) == "£27,123,457"


def test_a_rate_says_where_it_came_from_and_when():
    quote = QuotedRate("USD", "GBP", Decimal("0.7412345678"), date(2026, 2, 19), "ecb-history")
    assert rate(quote) == "1 USD = £0.7412 (ECB reference (history file), 19 Feb 2026)"


def test_percent():
    assert percent(Decimal("0.123456")) == "12.3%"
