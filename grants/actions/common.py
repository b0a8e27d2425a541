"""What every money operation shares: the refusal it raises, the transaction it runs in, the dates it accepts, the
fund lock, and the summary refresh it asks for on commit."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min
from djmoney.money import Money

from alignment_fund.clock import fund_today
from alignment_fund.history import acting_as
from alignment_fund.money import AWARD_MAXIMUM_GBP, AWARD_MINIMUM_GBP, BASE_CURRENCY, REPORTING_CURRENCIES, round_money
from alignment_fund.rates.models import ECB_BASE, ExchangeRate, RateUnavailable
from projects.models import Fund


class ActionError(ValidationError):
    """A business rule refused the operation; nothing was written."""


# Nothing the fund books is older than this; it keeps typing slips such as 0025 for 2025 out of an append-only ledger.
EARLIEST_DATE = date(2000, 1, 1)


def operation(func):
    """Run a money operation in one transaction, and turn what the database or the rate table refuses into a
    refusal a person understands, with nothing written."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            # The acting user is named in the history of what the operation writes, request or not.
            with transaction.atomic(), acting_as(args[0] if args else None):
                return func(*args, **kwargs)
        except RateUnavailable as exc:
            raise ActionError({NON_FIELD_ERRORS: f"The fund cannot be valued on that date: {exc}"}) from exc
        except IntegrityError as exc:
            # Two people recording the same bank reference at the same instant: the second is refused here.
            raise ActionError(
                {NON_FIELD_ERRORS: "This would duplicate something already recorded (a reference must be unique)."}
            ) from exc

    return wrapper


def check_date(
    value: date, field: str, label: str, currency: str | None = None, first_rates: FirstRates | None = None
) -> None:
    """Every booking is dated between 1 Jan 2000 and today: the ledger is append-only, so a slip would stay. A booking
    of money (`currency`) must also be one the fund can value: a reference rate for its currency and for the reporting
    currencies must be stored on or before its date, or every page that values it would have nothing to show. A batch
    passes `first_rates`, loaded once, instead of asking the database for each date."""
    today = fund_today()
    if value > today:
        raise ActionError({field: f"{label} cannot be after today ({today:%-d %b %Y})."})
    if value < EARLIEST_DATE:
        raise ActionError({field: f"{label} must be on or after {EARLIEST_DATE:%-d %b %Y}."})
    if currency is not None:
        check_rates_known(value, currency, field, first_rates)


class FirstRates(dict):
    """Each currency's first stored reference rate date: a rate is known on a day if the first is on or before it."""

    @classmethod
    def load(cls) -> FirstRates:
        rows = ExchangeRate.objects.values("currency").annotate(first=Min("rate_date")).order_by()
        return cls({row["currency"]: row["first"] for row in rows})


def check_rates_known(on: date, currency: str, field: str, first_rates: FirstRates | None = None) -> None:
    needed = ({currency} | set(REPORTING_CURRENCIES)) - {ECB_BASE}
    if first_rates is not None:
        known = {code for code in needed if code in first_rates and first_rates[code] <= on}
    else:
        known = set(
            ExchangeRate.objects.filter(currency__in=needed, rate_date__lte=on)
            .values_list("currency", flat=True)
            .distinct()
        )
    missing = sorted(needed - known)
    if missing:
        first = ExchangeRate.objects.filter(currency__in=missing).aggregate(first=Min("rate_date"))["first"]
        since = f"the stored rates start on {first:%-d %b %Y}" if first else "no rates are stored for it"
        raise ActionError(
            {
                field: f"The fund cannot value money on {on:%-d %b %Y}: there is no EUR/{missing[0]} reference rate on "
                f"or before that day ({since}). Check the date, or load older rates first with "
                f"`python manage.py backfill_rates --since {on:%Y-%m-%d}`."
            }
        )


def award_amount(amount) -> Decimal:
    """An award's amount from a Money or a number: pounds, within the limits, to the penny; else a refusal."""
    if isinstance(amount, Money):
        if amount.currency.code != BASE_CURRENCY:
            raise ActionError({"amount": f"Awards are made in pounds sterling (GBP), not {amount.currency.code}."})
        amount = amount.amount
    try:
        amount_gbp = round_money(amount)
    except ValueError as exc:
        raise ActionError({"amount": str(exc)}) from exc
    if not (AWARD_MINIMUM_GBP <= amount_gbp <= AWARD_MAXIMUM_GBP):
        raise ActionError({"amount": "An award must be between £50,000.00 and £1,000,000.00 inclusive."})
    return amount_gbp


def gbp(amount: Decimal | str | int) -> Money:
    return Money(round_money(amount), BASE_CURRENCY)


def refresh_summaries_on_commit() -> None:
    """Ask for one summary refresh when the outermost transaction commits, however many writes it holds (an import
    of a thousand rows queues one task, not a thousand). A savepoint rolled back takes its request with it."""
    from django.db import connection

    from grants.tasks import enqueue_summary_refresh

    if any(func is enqueue_summary_refresh for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(enqueue_summary_refresh)


def full_clean(obj, exclude=None) -> None:
    """Validate a record before it is saved, refusing with the model's own messages."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ActionError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc


def clean_in_python(obj) -> None:
    """What `full_clean` checks that the database would not: formats, lengths, choices, field validators and the
    model's own `clean()`. Left out, for a batch whose rows are already loaded: that related rows exist (the caller
    holds them), uniqueness and CHECK constraints (the database refuses those anyway, and each costs a query a row)."""
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    try:
        obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ActionError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc


def lock_fund(fund: Fund) -> None:
    """Serialise awards: the second administrator to award waits here until the first has committed, then sees the
    headroom the first left. (On SQLite, IMMEDIATE transactions already serialise writers.)"""
    Fund.objects.select_for_update().filter(pk=fund.pk).first()
