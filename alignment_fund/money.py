"""Exact money arithmetic for the whole project, with one rounding rule.

Everything here is pure: `Decimal` in, `Decimal` out, no Django, no database. Amounts are rounded half-up to the
penny at every booking boundary (Python's default and `Money.round()` round half to even; PostgreSQL rounds half
away from zero on insert, so we quantize ourselves before anything reaches the database).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

PENNY = Decimal("0.01")
# Exchange rates are stored and derived to ten decimal places, far below a penny on any amount the fund handles.
RATE_PLACES = Decimal("0.0000000001")

BASE_CURRENCY = "GBP"
REPORTING_CURRENCIES = ("GBP", "USD")
CURRENCIES = ("GBP", "USD", "EUR", "CAD", "AUD")

AWARD_MINIMUM_GBP = Decimal("50000.00")
AWARD_MAXIMUM_GBP = Decimal("1000000.00")

# Money columns are numeric(14, 2): twelve digits of units and two of pence or cents. Every way in (pages, the back
# office, the API, imports) refuses more than that, with the same limit.
AMOUNT_MAX_DIGITS = 14
LARGEST_AMOUNT = Decimal("999999999999.99")


class MoneyError(ValueError):
    """An amount or rate that cannot be booked."""


class AmountError(MoneyError):
    """Not an amount the fund can record. The message completes a sentence about the value: "'ten' is not an amount"."""


_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def parse_amount(value: Decimal | int | float | str, symbols: Sequence[str] = ("£", "$", "€")) -> Decimal:
    """The one amount parser: a positive amount to the penny, at most `LARGEST_AMOUNT`, from what a person typed
    ("1,250,000.00", "£50,000", " 50000 ") or a spreadsheet cell held (an XLSX number arrives as int or float: a float
    goes through its shortest text form, which is the number the person typed). Raises `AmountError`."""
    if isinstance(value, bool):
        raise AmountError("is not an amount")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        for symbol in symbols:
            if text.startswith(symbol):
                text = text[len(symbol) :]
                break
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        if not _PLAIN.fullmatch(text):
            raise AmountError("is not an amount")
        value = text
    try:
        amount = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise AmountError("is not an amount") from exc
    if not amount.is_finite():
        raise AmountError("is not an amount")
    if amount <= 0:
        raise AmountError("must be more than zero")
    if amount != amount.quantize(PENNY):
        raise AmountError("has more than two decimal places")
    if amount > LARGEST_AMOUNT:
        raise AmountError(f"is too large: amounts are stored to {LARGEST_AMOUNT:,}")
    return amount.quantize(PENNY)


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Accept Decimal, int or a decimal string; refuse float, which cannot represent pennies exactly."""
    if isinstance(value, float):
        raise MoneyError("floats are not money: pass a Decimal or a decimal string")
    if isinstance(value, bool):
        raise MoneyError("a boolean is not an amount")
    try:
        result = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise MoneyError(f"{value!r} is not a decimal number") from exc
    if not result.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount")
    return result


def round_money(amount: Decimal | int | str) -> Decimal:
    """The one rounding rule: half-up (away from zero on ties) to the penny."""
    return to_decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP)


def round_rate(rate: Decimal | int | str) -> Decimal:
    return to_decimal(rate).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def convert(amount: Decimal, rate: Decimal, per: Decimal = Decimal(1)) -> Decimal:
    """`amount` times `rate` (target units per source unit), rounded half-up to the penny, once.

    A cross rate is two ECB legs, `rate` = EUR/target and `per` = EUR/source: the amount is multiplied and divided at
    full precision and only the result is rounded, so no rounding of the rate itself can move a penny."""
    rate, per = to_decimal(rate), to_decimal(per)
    if rate <= 0 or per <= 0:
        raise MoneyError("an exchange rate must be positive")
    with localcontext() as exact:
        exact.prec = 60  # amounts of twelve digits times rates of ten places: far inside 60 significant digits
        return round_money(to_decimal(amount) * rate / per)


def cross_rate(eur_to_source: Decimal, eur_to_target: Decimal) -> Decimal:
    """Target units per source unit, from two ECB rates quoted as units per euro."""
    eur_to_source, eur_to_target = to_decimal(eur_to_source), to_decimal(eur_to_target)
    if eur_to_source <= 0 or eur_to_target <= 0:
        raise MoneyError("an exchange rate must be positive")
    return round_rate(eur_to_target / eur_to_source)


def invert(rate: Decimal) -> Decimal:
    rate = to_decimal(rate)
    if rate <= 0:
        raise MoneyError("an exchange rate must be positive")
    return round_rate(Decimal(1) / rate)


def dealt_rate(amount_sold: Decimal, amount_bought: Decimal) -> Decimal:
    """The rate a bank actually gave: units bought per unit sold."""
    amount_sold, amount_bought = to_decimal(amount_sold), to_decimal(amount_bought)
    if amount_sold <= 0 or amount_bought <= 0:
        raise MoneyError("both sides of a conversion must be positive")
    return round_rate(amount_bought / amount_sold)


def split_pro_rata(total: Decimal, weights: Sequence[Decimal], unit: Decimal = PENNY) -> list[Decimal]:
    """Split `total` in proportion to `weights`, to the penny (or another `unit`), so that the parts add up to `total`
    exactly.

    Largest-remainder method: every part is first rounded down to the unit, then the units left over go one each to
    the parts with the largest remainders (ties to the earlier weight, so the result is deterministic).
    """
    total = to_decimal(total).quantize(unit, rounding=ROUND_HALF_UP)
    weights = [to_decimal(w) for w in weights]
    if not weights:
        raise MoneyError("nothing to split between")
    if any(w < 0 for w in weights):
        raise MoneyError("weights cannot be negative")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise MoneyError("weights add up to zero")
    units = int(total / unit)
    exact = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(e) for e in exact]  # int() truncates toward zero: the shares are non-negative
    leftover = units - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:leftover]:
        floors[i] += 1
    return [Decimal(p) * unit for p in floors]


def total(amounts: Iterable[Decimal]) -> Decimal:
    return sum((to_decimal(a) for a in amounts), Decimal("0.00"))


def share(part: Decimal, whole: Decimal) -> Decimal:
    """`part` as a fraction of `whole`, to six places (0.123456 = 12.3456%); zero when the whole is zero."""
    part, whole = to_decimal(part), to_decimal(whole)
    if whole == 0:
        return Decimal("0.000000")
    return (part / whole).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "CAD": "CA$", "AUD": "A$"}


def format_money(amount: Decimal | int | str | None, currency: str, places: int = 2) -> str:
    """'£1,234.56', '−$7,500,000.00': the house style for showing an amount with its currency."""
    if amount is None or amount == "":
        return "—"
    # Half-up to the places shown, like every other rounding here (a format spec alone would round half to even).
    amount = to_decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "−" if amount < 0 else ""
    symbol = SYMBOLS.get(currency, f"{currency} ")
    return f"{sign}{symbol}{abs(amount):,.{places}f}"


def within_award_limits(amount_gbp: Decimal) -> bool:
    return AWARD_MINIMUM_GBP <= to_decimal(amount_gbp) <= AWARD_MAXIMUM_GBP
