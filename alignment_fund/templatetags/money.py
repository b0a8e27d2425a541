"""Money and rate formatting for templates: `{{ amount|gbp }}`, `{{ money_obj|money }}`, `{{ amount|money:"USD" }}`,
`{{ quote|rate }}`. Exact Decimal formatting; no floats anywhere on the way to the page."""

from decimal import Decimal

from django import template
from djmoney.money import Money

from alignment_fund.money import SYMBOLS, format_money  # noqa: F401  (re-exported for templates and admin)

register = template.Library()


@register.filter
def money(value, currency: str | None = None) -> str:
    """A Money object, or a Decimal with the currency given as the argument."""
    if isinstance(value, Money):
        return format_money(value.amount, value.currency.code)
    return format_money(value, currency or "GBP")


@register.filter
def gbp(value) -> str:
    return format_money(value.amount if isinstance(value, Money) else value, "GBP")


@register.filter
def usd(value) -> str:
    return format_money(value.amount if isinstance(value, Money) else value, "USD")


@register.filter
def whole(value, currency: str = "GBP") -> str:
    """Rounded to whole units, for headline figures (the exact figure belongs in a title attribute or table)."""
    if isinstance(value, Money):
        value, currency = value.amount, value.currency.code
    return format_money(value, currency, places=0)


@register.filter
def rate(quote) -> str:
    """A QuotedRate as '1 USD = £0.7412 (ECB reference (history file), 19 Feb 2026)'."""
    if quote is None:
        return "—"
    if quote.rate_date is None:
        return "same currency"
    return (
        f"1 {quote.source_currency} = {format_money(quote.rate, quote.target_currency, places=4)} "
        f"({quote.source_label}, {quote.rate_date:%-d %b %Y})"
    )


@register.filter
def percent(value, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:,.{int(places)}f}%"
