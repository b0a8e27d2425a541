"""Money and ids in the API.

Money travels as `{"amount": "7500000.00", "currency": "USD"}`: a decimal string and its currency, never a float.
On input the amount must be a string too: a JSON number is parsed as a binary float by most clients before it ever
reaches us, so "0.1 + 0.2" pennies can go missing silently; a string arrives exactly as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from djmoney.money import Money
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alignment_fund import money
from alignment_fund.money import BASE_CURRENCY, CURRENCIES

AMOUNT_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
MONEY_KEYS = {"amount", "currency"}


def money_json(amount: Decimal, currency: str) -> dict:
    return {"amount": f"{amount:.2f}", "currency": currency}


def rate_json(quote) -> dict | None:
    """A `QuotedRate` as JSON: the rate, the day it was published for, where it came from. None for a currency
    converted into itself (a pound is a pound)."""
    if quote is None or quote.rate_date is None:
        return None
    return {
        "pair": quote.pair,
        "rate": f"{quote.rate.normalize():f}",
        "date": quote.rate_date.isoformat(),
        "source": quote.source,
        "derived_from": quote.derived_from,
    }


def parse_amount(value) -> Decimal:
    """A positive amount to the penny, from a decimal string. Raises ValidationError with a message a person
    understands."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise serializers.ValidationError('The amount must be a decimal string, e.g. "2500.00".')
    if not isinstance(value, str):
        raise serializers.ValidationError(
            f'Give the amount as a decimal string, e.g. "{value}", not as a JSON number: numbers can lose pennies '
            "on the way."
        )
    if not AMOUNT_TEXT.fullmatch(value.strip()):
        raise serializers.ValidationError(f'"{value[:40]}" is not an amount: write it like "2500.00".')
    try:
        return money.parse_amount(value, symbols=())
    except money.AmountError as exc:
        raise serializers.ValidationError(f"The amount {exc}.") from exc


class MoneySerializer(serializers.Serializer):
    """The shape of money in the API (documentation for `MoneyField`)."""

    amount = serializers.CharField(
        help_text='A decimal string with two places, e.g. "7500000.00". JSON numbers are refused.'
    )
    currency = serializers.ChoiceField(choices=CURRENCIES, help_text="ISO 4217 code.")


class GBPMoneySerializer(serializers.Serializer):
    """Money that must be pounds sterling (documentation for `GBPMoneyField`)."""

    amount = serializers.CharField(help_text='A decimal string with two places, e.g. "250000.00".')
    currency = serializers.RegexField(r"^GBP$", help_text='Always "GBP".')


@extend_schema_field(MoneySerializer)
class MoneyField(serializers.Field):
    """Money in and out as `{"amount": "<decimal string>", "currency": "<code>"}`.

    Every problem with the value is reported under the field's own name, and the currency is checked here, on
    input, against the currencies this field accepts (a currency the database would refuse is a 400, not a 500).
    """

    def __init__(self, *, currencies: Iterable[str] = CURRENCIES, currency_message: str = "", **kwargs):
        self.currencies = tuple(currencies)
        # What to say about a currency the fund deals in but this amount cannot be in (dollars for an award).
        self.currency_message = currency_message or "This amount cannot be in {currency}: use {accepted}."
        super().__init__(**kwargs)

    def to_representation(self, value: Money) -> dict:
        return money_json(value.amount, value.currency.code)

    def to_internal_value(self, data) -> Money:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                'Give money as an object with its currency, e.g. {"amount": "2500.00", "currency": "GBP"}.'
            )
        errors = []
        unknown = sorted(set(data) - MONEY_KEYS)
        if unknown:
            errors.append(f"Unknown key(s) {', '.join(unknown)}: money has only an amount and a currency.")
        missing = sorted(MONEY_KEYS - set(data))
        if missing:
            errors.append(f"Money needs {' and '.join(missing)}.")
        currency = data.get("currency")
        if "currency" in data:
            if not isinstance(currency, str) or not currency:
                errors.append('The currency must be a code such as "GBP".')
            elif currency not in CURRENCIES:
                errors.append(f"{currency[:12]} is not a currency the fund accepts ({', '.join(self.currencies)}).")
            elif currency not in self.currencies:
                errors.append(self.currency_message.format(currency=currency, accepted=", ".join(self.currencies)))
        amount = None
        if "amount" in data:
            try:
                amount = parse_amount(data["amount"])
            except serializers.ValidationError as exc:
                errors.extend(exc.detail)
        if errors:
            raise serializers.ValidationError(errors)
        return Money(amount, currency)


@extend_schema_field(GBPMoneySerializer)
class GBPMoneyField(MoneyField):
    """Money that must be pounds sterling: awards, their compute value, the GBP a bank credited."""

    def __init__(self, **kwargs):
        kwargs.setdefault("currency_message", "This amount is in pounds sterling (GBP), not {currency}.")
        super().__init__(currencies=(BASE_CURRENCY,), **kwargs)


class IdField(serializers.PrimaryKeyRelatedField):
    """An object's id: a whole number (or a string of digits), of an object that exists.

    DRF's own field lets 1.9 through as object 1; an id is not a float.
    """

    def __init__(self, noun: str = "object", **kwargs):
        kwargs.setdefault(
            "error_messages",
            {
                "does_not_exist": f"There is no {noun} with id {{pk_value}}.",
                "incorrect_type": f"Give the {noun}'s id as a whole number, not {{data_type}}.",
            },
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and re.fullmatch(r"[0-9]{1,18}", data))
        ):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false. DRF's own field also takes "yes", "on", 1 and friends, which hides typos."""

    def to_internal_value(self, data) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


class FundDateField(serializers.DateField):
    """A date the fund could have done business on: YYYY-MM-DD, from 2000 to 2099.

    Year 1 or year 9999 is always a typo, and arithmetic on it (a fortnight before, to find the last published rate)
    would overflow Python's dates and answer 500."""

    EARLIEST = date(2000, 1, 1)
    LATEST = date(2099, 12, 31)

    def to_internal_value(self, value) -> date:
        day = super().to_internal_value(value)
        if not self.EARLIEST <= day <= self.LATEST:
            raise serializers.ValidationError(
                f"Give a date from {_day(self.EARLIEST)} to {_day(self.LATEST)}, not {_day(day)}."
            )
        return day


class RateSerializer(serializers.Serializer):
    """An exchange rate with its provenance (documentation for `rate_json`)."""

    pair = serializers.CharField(help_text='Source/target, e.g. "USD/GBP": target units per source unit.')
    rate = serializers.CharField(help_text="A decimal string.")
    date = serializers.DateField(help_text="The day the reference rate was published for.")
    source = serializers.CharField(help_text='e.g. "ecb-history", "ecb-live", "manual".')
    derived_from = serializers.CharField(help_text="The ECB euro rates a cross rate was derived from.")


class ConvertedMoneySerializer(serializers.Serializer):
    """An amount converted into GBP or USD, with the rate used (null when no conversion was needed)."""

    amount = serializers.CharField()
    currency = serializers.CharField()
    rate = RateSerializer(allow_null=True)


class ValuedSerializer(serializers.Serializer):
    """An amount's value in pounds and in dollars on a date, each with the rate used."""

    on = serializers.DateField()
    gbp = ConvertedMoneySerializer()
    usd = ConvertedMoneySerializer()


def valued_json(valued, on) -> dict:
    """A `grants.reads.position.Valued` (an amount valued on `on`) as JSON."""
    return {
        "on": on.isoformat(),
        "gbp": {**money_json(valued.gbp, "GBP"), "rate": rate_json(valued.to_gbp)},
        "usd": {**money_json(valued.usd, "USD"), "rate": rate_json(valued.to_usd)},
    }
