"""Many pledges and receipts recorded at once (the pledge import): each checked by the same rules as
`do_record_pledge` and `do_record_receipt`, the whole batch before anything is written, then written with their
history and their ledger entries in a few statements, in one transaction.

What the database enforces is left to it rather than asked row by row: a reference or bank reference already live is
refused by its unique index, an amount or currency outside the rules by a CHECK constraint, and the whole batch with
it. The caller (the import) checks those first for every row, to name the row in its error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from alignment_fund.history import record_created_in_bulk
from alignment_fund.money import CURRENCIES
from alignment_fund.spreadsheets.report import chunks
from funders.models import Funder, Pledge, PledgeInstalment, Receipt
from grants.actions.common import (
    ActionError,
    FirstRates,
    check_date,
    clean_in_python,
    operation,
    refresh_summaries_on_commit,
)
from grants.actions.contributions import (
    booked_money,
    check_instalments,
    check_receipt_fits,
    check_within_outstanding,
    new_pledge,
    pledge_entry,
    receipt_entry,
)
from grants.models import LedgerTransaction
from grants.reads.contributions import outstanding_on_pledges

BATCH = 1000  # rows an INSERT


@dataclass
class PledgeToRecord:
    funder: Funder
    amount: Decimal
    currency: str
    pledged_on: date
    reference: str
    restricted_to_round: object = None
    restricted_to_area: object = None
    compute_only: bool = False
    illustrative: bool = False
    note: str = ""
    instalments: tuple = ()  # (expected_on, amount) pairs
    tag: object = None  # the caller's, handed back with a refusal
    pledge: Pledge | None = None  # once checked: the pledge written


@dataclass
class ReceiptToRecord:
    pledge: Pledge | PledgeToRecord  # a stored pledge, or one of the batch
    amount: Decimal
    currency: str
    received_on: date
    bank_reference: str
    tag: object = None
    receipt: Receipt | None = None


class BatchRefused(ActionError):
    """One item of the batch broke a rule (`item`): nothing was written."""

    def __init__(self, item, error: ActionError):
        super().__init__(error.message_dict if hasattr(error, "error_dict") else error.messages)
        self.item = item


@operation
def do_record_contributions(
    actor, *, pledges: Sequence[PledgeToRecord] = (), receipts: Sequence[ReceiptToRecord] = ()
) -> None:
    """Record new pledges and receipts (against stored pledges or the batch's own) as one operation; the first item
    that breaks a rule refuses the whole batch (`BatchRefused`, naming it)."""
    first_rates = FirstRates.load()
    planned_instalments = [_check_pledge(actor, item, first_rates) for item in pledges]
    stored = _lock_stored_pledges(receipts)
    outstanding: dict[int, Decimal] = {}  # id() of a pledge object → still to arrive, as the batch's receipts add up
    for item in receipts:
        _check_receipt(actor, item, stored, outstanding, first_rates)

    new_pledges = Pledge.objects.bulk_create([item.pledge for item in pledges], batch_size=BATCH)
    record_created_in_bulk(Pledge, new_pledges, actor)
    instalments = [
        PledgeInstalment(pledge=pledge, expected_on=expected_on, amount=money)
        for pledge, planned in zip(new_pledges, planned_instalments, strict=True)
        for expected_on, money in planned
    ]
    if instalments:
        record_created_in_bulk(PledgeInstalment, PledgeInstalment.objects.bulk_create(instalments, BATCH), actor)
    new_receipts = [item.receipt for item in receipts]
    # A pledge of the batch has its id only now: bulk_create takes it from the pledge each receipt holds.
    record_created_in_bulk(Receipt, Receipt.objects.bulk_create(new_receipts, batch_size=BATCH), actor)
    entries = [pledge_entry(p) for p in new_pledges] + [receipt_entry(r) for r in new_receipts]
    LedgerTransaction.objects.post_many(entries, posted_by=actor)
    refresh_summaries_on_commit()


@contextmanager
def _refusing(item) -> Iterator[None]:
    try:
        yield
    except ActionError as exc:
        raise BatchRefused(item, exc) from exc


def _check_pledge(actor, item: PledgeToRecord, first_rates: FirstRates) -> list:
    """`do_record_pledge`'s rules, but that the reference is free (its unique index)."""
    with _refusing(item):
        currency = item.currency if item.currency in CURRENCIES else None
        check_date(item.pledged_on, "pledged_on", "A pledge's date", currency=currency, first_rates=first_rates)
        pledge = new_pledge(
            actor,
            funder=item.funder,
            amount=item.amount,
            currency=item.currency,
            pledged_on=item.pledged_on,
            reference=item.reference,
            restricted_to_round=item.restricted_to_round,
            restricted_to_area=item.restricted_to_area,
            compute_only=item.compute_only,
            illustrative=item.illustrative,
            note=item.note,
        )
        clean_in_python(pledge)
        planned = check_instalments(pledge, list(item.instalments))
    item.pledge = pledge
    return planned


def _lock_stored_pledges(receipts: Sequence[ReceiptToRecord]) -> dict[int, tuple[Pledge, Decimal]]:
    """The stored pledges the batch pays, locked as `do_record_receipt` locks one, with what is still to arrive on
    each: {id: (pledge, outstanding)}. A pledge reversed since the caller loaded it is missing."""
    ids = sorted({item.pledge.pk for item in receipts if isinstance(item.pledge, Pledge)})
    stored = {}
    for chunk in chunks(ids):
        locked = list(
            Pledge.objects.select_for_update(of=("self",)).select_related("funder").filter(pk__in=chunk).order_by("pk")
        )
        left = outstanding_on_pledges(locked)
        stored.update({pledge.pk: (pledge, left[pledge.pk]) for pledge in locked})
    return stored


def _check_receipt(actor, item: ReceiptToRecord, stored, outstanding: dict[int, Decimal], first_rates) -> None:
    """`do_record_receipt`'s rules, but that the bank reference is free (its unique index), against what the
    batch's earlier receipts leave of the pledge."""
    with _refusing(item):
        if isinstance(item.pledge, PledgeToRecord):
            pledge, left = item.pledge.pledge, item.pledge.pledge.amount.amount
        elif item.pledge.pk in stored:
            pledge, left = stored[item.pledge.pk]
        else:
            raise ActionError({"pledge": f"Pledge {item.pledge.reference} has been reversed: it takes no receipts."})
        money = booked_money(item.amount, item.currency)
        check_date(item.received_on, "received_on", "The date money arrived", money.currency.code, first_rates)
        check_receipt_fits(pledge, money, item.received_on)
        left = outstanding.get(id(pledge), left)
        check_within_outstanding(pledge, money, left)
        outstanding[id(pledge)] = left - money.amount
        receipt = Receipt(
            pledge=pledge,
            amount=money,
            received_on=item.received_on,
            bank_reference=item.bank_reference,
            recorded_by=actor,
        )
        clean_in_python(receipt)
    item.receipt = receipt
