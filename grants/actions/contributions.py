"""Funders' money coming in: pledges, the receipts that pay them and the conversions of foreign cash into pounds, each
with the ledger entry it posts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from djmoney.money import Money

from alignment_fund.money import BASE_CURRENCY, CURRENCIES, format_money, round_money
from alignment_fund.rates.models import ExchangeRate
from funders.models import Conversion, Funder, Pledge, PledgeInstalment, Receipt
from grants.actions.common import ActionError, check_date, full_clean, operation, refresh_summaries_on_commit
from grants.models import Account, LedgerTransaction
from grants.models.ledger import Line
from grants.reads.contributions import outstanding_on_pledge, unconverted_on_receipt
from projects.models import Round

Kind = LedgerTransaction.Kind

# A bank's dealt rate further than this from the day's reference rate is almost certainly a typing slip.
DEALT_RATE_TOLERANCE = Decimal("0.20")


def booked_money(amount, currency: str) -> Money:
    if currency not in CURRENCIES:
        raise ActionError({"currency": f"{currency} is not a currency the fund accepts ({', '.join(CURRENCIES)})."})
    try:
        value = round_money(amount)
    except ValueError as exc:
        raise ActionError({"amount": str(exc)}) from exc
    if value <= 0:
        raise ActionError({"amount": "The amount must be more than zero."})
    return Money(value, currency)


@operation
def do_record_pledge(
    actor,
    *,
    funder: Funder,
    amount,
    currency: str,
    pledged_on: date,
    reference: str,
    restricted_to_round: Round | None = None,
    restricted_to_area=None,
    compute_only: bool = False,
    illustrative: bool = False,
    note: str = "",
    instalments: list[tuple[date, object]] | None = None,
) -> Pledge:
    """`instalments`, if given, are (expected date, amount) pairs in the pledge's currency that add up to it."""
    check_date(pledged_on, "pledged_on", "A pledge's date", currency=currency if currency in CURRENCIES else None)
    if Pledge.objects.filter(reference=reference).exists():
        raise ActionError({"reference": f"A pledge with reference {reference} is already recorded."})
    pledge = new_pledge(
        actor,
        funder=funder,
        amount=amount,
        currency=currency,
        pledged_on=pledged_on,
        reference=reference,
        restricted_to_round=restricted_to_round,
        restricted_to_area=restricted_to_area,
        compute_only=compute_only,
        illustrative=illustrative,
        note=note,
    )
    full_clean(pledge)
    planned = check_instalments(pledge, instalments or [])
    pledge.save()
    for expected_on, money in planned:
        PledgeInstalment.objects.create(pledge=pledge, expected_on=expected_on, amount=money)
    post_pledge(pledge, actor)
    refresh_summaries_on_commit()
    return pledge


def new_pledge(actor, *, amount, currency: str, **fields) -> Pledge:
    """An unsaved pledge of `amount` in `currency` (refused unless a positive amount in a currency the fund accepts)."""
    return Pledge(amount=booked_money(amount, currency), recorded_by=actor, **fields)


def check_instalments(pledge: Pledge, instalments: list[tuple[date, object]]) -> list[tuple[date, Money]]:
    """The expected receipts of a pledge: each dated on or after the pledge, at most one a day, more than zero, and
    together exactly the pledge. None at all is fine (the pledge's dates are unknown)."""
    if not instalments:
        return []
    currency = pledge.amount_currency
    planned, errors = [], []
    for expected_on, amount in instalments:
        when = f"the instalment expected on {expected_on:%-d %b %Y}" if expected_on else "an instalment"
        if isinstance(amount, Money):
            if amount.currency.code != currency:
                errors.append(f"{when.capitalize()} is in {amount.currency.code}: the pledge is in {currency}.")
                continue
            amount = amount.amount
        try:
            value = round_money(amount)
        except ValueError as exc:
            errors.append(f"{when}: {exc}")
            continue
        if expected_on is None:
            errors.append("Each instalment needs the date it is expected.")
        elif expected_on < pledge.pledged_on:
            errors.append(f"{when.capitalize()} is before the pledge was made ({pledge.pledged_on:%-d %b %Y}).")
        elif value <= 0:
            errors.append(f"{when.capitalize()} must be more than zero.")
        else:
            planned.append((expected_on, Money(value, currency)))
    dates = [expected_on for expected_on, _ in planned]
    if len(set(dates)) != len(dates):
        errors.append("Two instalments are expected on the same day: combine them.")
    if not errors:
        added = sum((money.amount for _, money in planned), Decimal("0"))
        if added != pledge.amount.amount:
            errors.append(
                f"The instalments add up to {format_money(added, currency)}, not the "
                f"{format_money(pledge.amount.amount, currency)} pledged."
            )
    if errors:
        raise ActionError({"instalments": errors})
    return sorted(planned, key=lambda row: row[0])


def receivable_account(pledge: Pledge) -> str:
    """Compute-only money is kept apart from the first pledge to the last receipt: it never counts toward the pool
    that awards are made from."""
    return Account.COMPUTE_RECEIVABLE if pledge.compute_only else Account.PLEDGES_RECEIVABLE


def post_pledge(pledge: Pledge, actor=None) -> LedgerTransaction:
    txn, _ = LedgerTransaction.objects.post(**pledge_entry(pledge), posted_by=actor)
    return txn


def pledge_entry(pledge: Pledge) -> dict:
    """The ledger transaction a recorded pledge posts."""
    return {
        "key": f"pledge:{pledge.pk}",
        "kind": Kind.PLEDGE,
        "occurred_on": pledge.pledged_on,
        "memo": f"Pledge {pledge.reference} from {pledge.funder}",
        "lines": [
            Line(receivable_account(pledge), pledge.amount, funder_id=pledge.funder_id),
            Line(Account.FUNDER_CAPITAL, -pledge.amount, funder_id=pledge.funder_id),
        ],
    }


@operation
def do_record_receipt(actor, *, pledge: Pledge, amount, currency: str, received_on: date, bank_reference: str):
    money = booked_money(amount, currency)
    check_date(received_on, "received_on", "The date money arrived", currency=money.currency.code)
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    check_receipt_fits(pledge, money, received_on)
    if Receipt.objects.filter(bank_reference=bank_reference).exists():
        raise ActionError({"bank_reference": f"A receipt with bank reference {bank_reference} is already recorded."})
    check_within_outstanding(pledge, money, outstanding_on_pledge(pledge))
    receipt = Receipt(
        pledge=pledge, amount=money, received_on=received_on, bank_reference=bank_reference, recorded_by=actor
    )
    full_clean(receipt)
    receipt.save()
    post_receipt(receipt, actor)
    refresh_summaries_on_commit()
    return receipt


def check_receipt_fits(pledge: Pledge, money: Money, received_on: date) -> None:
    """A receipt is in its pledge's currency and arrives on or after the pledge."""
    if money.currency.code != pledge.amount_currency:
        raise ActionError(
            {"currency": f"This pledge is in {pledge.amount_currency}: record the receipt in that currency."}
        )
    if received_on < pledge.pledged_on:
        raise ActionError({"received_on": "Money cannot arrive before the pledge it pays was made."})


def check_within_outstanding(pledge: Pledge, money: Money, outstanding: Decimal) -> None:
    if money.amount > outstanding:
        raise ActionError(
            {"amount": f"Only {format_money(outstanding, pledge.amount_currency)} of this pledge is still to arrive."}
        )


def post_receipt(receipt: Receipt, actor=None) -> LedgerTransaction:
    txn, _ = LedgerTransaction.objects.post(**receipt_entry(receipt), posted_by=actor)
    return txn


def receipt_entry(receipt: Receipt) -> dict:
    """The ledger transaction a recorded receipt posts."""
    funder_id = receipt.pledge.funder_id
    cash = Account.COMPUTE_CASH if receipt.pledge.compute_only else Account.CASH
    return {
        "key": f"receipt:{receipt.pk}",
        "kind": Kind.RECEIPT,
        "occurred_on": receipt.received_on,
        "memo": f"Receipt {receipt.bank_reference} against pledge {receipt.pledge.reference}",
        "lines": [
            Line(cash, receipt.amount, funder_id=funder_id),
            Line(receivable_account(receipt.pledge), -receipt.amount, funder_id=funder_id),
        ],
    }


@operation
def do_record_conversion(
    actor, *, receipt: Receipt, amount_sold, gbp_credited, converted_on: date, bank_reference: str
) -> Conversion:
    receipt = Receipt.objects.select_for_update().select_related("pledge").get(pk=receipt.pk)
    if receipt.amount_currency == BASE_CURRENCY:
        raise ActionError({"receipt": "This receipt is already in pounds: there is nothing to convert."})
    sold = booked_money(amount_sold, receipt.amount_currency)
    credited = booked_money(gbp_credited, BASE_CURRENCY)
    if receipt.pledge.compute_only:
        raise ActionError({"receipt": "Cash given for compute only is not converted into the awards pool."})
    check_date(converted_on, "converted_on", "A conversion's date", currency=sold.currency.code)
    if converted_on < receipt.received_on:
        raise ActionError({"converted_on": "Cash cannot be converted before it arrived."})
    left = unconverted_on_receipt(receipt)
    if sold.amount > left:
        raise ActionError(
            {"amount_sold": f"Only {format_money(left, receipt.amount_currency)} of this receipt is unconverted."}
        )
    if Conversion.objects.filter(bank_reference=bank_reference).exists():
        raise ActionError({"bank_reference": f"A conversion with bank reference {bank_reference} is already recorded."})
    reference = ExchangeRate.objects.quote(receipt.amount_currency, BASE_CURRENCY, converted_on)
    dealt = credited.amount / sold.amount
    if abs(dealt - reference.rate) > reference.rate * DEALT_RATE_TOLERANCE:
        raise ActionError(
            {
                "gbp_credited": f"{format_money(credited.amount, BASE_CURRENCY)} for "
                f"{format_money(sold.amount, receipt.amount_currency)} is a rate of {dealt:.4f}, more than "
                f"{DEALT_RATE_TOLERANCE:.0%} away from the reference rate of that day ({reference.describe()}): "
                f"check the amounts."
            }
        )
    conversion = Conversion(
        receipt=receipt,
        amount_sold=sold,
        gbp_credited=credited,
        converted_on=converted_on,
        bank_reference=bank_reference,
        recorded_by=actor,
    )
    full_clean(conversion, exclude=["dealt_rate"])
    conversion.save()
    post_conversion(conversion, actor)
    refresh_summaries_on_commit()
    return conversion


def post_conversion(conversion: Conversion, actor=None) -> LedgerTransaction:
    funder_id = conversion.receipt.pledge.funder_id
    txn, _ = LedgerTransaction.objects.post(
        key=f"conversion:{conversion.pk}",
        kind=Kind.CONVERSION,
        occurred_on=conversion.converted_on,
        posted_by=actor,
        memo=f"Sold {conversion.amount_sold} for {conversion.gbp_credited} ({conversion.bank_reference})",
        lines=[
            Line(Account.CASH, -conversion.amount_sold, funder_id=funder_id),
            Line(Account.FX_CLEARING, conversion.amount_sold, funder_id=funder_id),
            Line(Account.FX_CLEARING, -conversion.gbp_credited, funder_id=funder_id),
            Line(Account.CASH, conversion.gbp_credited, funder_id=funder_id),
        ],
    )
    return txn
