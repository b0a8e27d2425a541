"""Corrections: reverse a pledge, a receipt, a conversion or a payment recorded in error, with a reason.

A reversal never edits or deletes: the record stays, marked with who reversed it, when and why, and a reversing
ledger transaction is posted, dated on the day of what it reverses. So every figure on every day (pool, headroom,
attribution, funder pages, exports, reconciliation) reads as if the slip had never been made, while the ledger keeps
both entries and when the reversal was posted. The right entry can then be recorded afresh, reusing the bank
reference or milestone the reversed one held.

The rules a finance person expects, each refused with what must happen first:
- a pledge with live receipts: reverse its receipts first;
- a receipt with live conversions: reverse its conversions first;
- a receipt or conversion without which the awards would have been made with money the fund did not hold (the fund's
  headroom, or its pounds, below zero on a day since), or the funder's money would not cover the parts of awards
  attributed to it: terminate or amend those awards (or reverse those payments) first;
- a payment on a terminated award: its unpaid part was released when it ended, so the payment stands.
Reversing twice is refused, saying when and by whom it was reversed; the ledger holds one reversal.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone

from alignment_fund.clock import fund_today
from alignment_fund.money import BASE_CURRENCY, format_money
from funders.models import Conversion, Funder, Pledge, Receipt
from grants.actions.common import ActionError, lock_fund, operation, refresh_summaries_on_commit
from grants.models import Award, AwardAttribution, Disbursement, LedgerTransaction
from grants.reads.attribution import funder_money_short
from grants.reads.headroom import lowest_fund_headroom, lowest_gbp_cash
from projects.models import Fund

REASON_MAX_LENGTH = 1000


def _lock_the_fund() -> None:
    """Corrections that take money out wait for awards in progress, like an award waits for another."""
    fund = Fund.current()
    if fund is not None:
        lock_fund(fund)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ActionError({"reason": "Say why this is reversed: the reason stays on the record and in the ledger."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ActionError({"reason": f"Keep the reason to {REASON_MAX_LENGTH} characters."})
    return reason


def _refuse_if_reversed(record, noun: str) -> None:
    if record.reversed_at is not None:
        by = f" by {record.reversed_by}" if record.reversed_by_id else ""
        when = timezone.localtime(record.reversed_at).strftime("%-d %b %Y %H:%M")
        raise ActionError(
            {
                NON_FIELD_ERRORS: f"This {noun} was already reversed on {when}{by} ({record.reversal_reason}): a "
                f"reversal has one effect."
            }
        )


def _reverse(record, actor, reason: str, key: str) -> None:
    """Mark the record reversed and post the reversing ledger transaction, dated on the original's day."""
    record.reversed_at = timezone.now()
    record.reversed_by = actor
    record.reversal_reason = reason
    record.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    original = LedgerTransaction.objects.get(key=key)
    LedgerTransaction.objects.post_reversal(
        original, occurred_on=original.occurred_on, memo=f"Reverses {key}: {reason}", posted_by=actor
    )


def _awards_drawing_on(funder_id: int) -> str:
    references = list(
        AwardAttribution.objects.filter(funder_id=funder_id)
        .exclude(award__status=Award.Status.TERMINATED)
        .order_by("award__reference")
        .values_list("award__reference", flat=True)[:6]
    )
    return ", ".join(references[:5]) + (" and more" if len(references) > 5 else "")


def _refuse_if_money_was_used(funder_id: int, since, noun: str) -> None:
    """Checked after the reversal is written, inside the operation's transaction: a refusal rolls it all back."""
    headroom, day = lowest_fund_headroom(since)
    if headroom < 0:
        raise ActionError(
            {
                NON_FIELD_ERRORS: f"Without this {noun} the fund would have awarded more than it held: its headroom "
                f"would be {format_money(headroom, BASE_CURRENCY)} on {day:%-d %b %Y}. Terminate or amend the awards "
                f"made since {since:%-d %b %Y} first."
            }
        )
    pounds = lowest_gbp_cash(since)
    if pounds < 0:
        raise ActionError(
            {
                NON_FIELD_ERRORS: f"The pounds from this {noun} have been paid out: without it the fund would hold "
                f"{format_money(pounds, BASE_CURRENCY)} after its payments. Reverse those payments first, or record "
                f"the money that replaces it."
            }
        )
    short = funder_money_short(funder_id, fund_today())
    if short is not None:
        worth, used = short
        funder = Funder.objects.get(pk=funder_id)
        raise ActionError(
            {
                NON_FIELD_ERRORS: f"This {noun}'s money funded awards: {format_money(used, BASE_CURRENCY)} of "
                f"{funder}'s money is attributed to {_awards_drawing_on(funder_id)}, and without it {funder} has "
                f"given {format_money(worth, BASE_CURRENCY)}. Terminate or amend those awards first."
            }
        )


@operation
def do_reverse_pledge(actor, *, record: Pledge, reason: str) -> Pledge:
    reason = _reason(reason)
    pledge = Pledge.all_objects.select_for_update().get(pk=record.pk)
    _refuse_if_reversed(pledge, "pledge")
    live = list(pledge.receipts.order_by("received_on").values_list("bank_reference", flat=True))
    if live:
        raise ActionError(
            {
                NON_FIELD_ERRORS: f"{len(live)} receipt(s) are recorded against this pledge ({', '.join(live[:5])}): "
                f"reverse them first."
            }
        )
    _reverse(pledge, actor, reason, f"pledge:{pledge.pk}")
    refresh_summaries_on_commit()
    return pledge


@operation
def do_reverse_receipt(actor, *, record: Receipt, reason: str) -> Receipt:
    reason = _reason(reason)
    _lock_the_fund()
    receipt = Receipt.all_objects.select_for_update().select_related("pledge").get(pk=record.pk)
    _refuse_if_reversed(receipt, "receipt")
    live = list(receipt.conversions.order_by("converted_on").values_list("bank_reference", flat=True))
    if live:
        raise ActionError(
            {
                NON_FIELD_ERRORS: f"{len(live)} conversion(s) of this receipt into pounds are recorded "
                f"({', '.join(live[:5])}): reverse them first."
            }
        )
    _reverse(receipt, actor, reason, f"receipt:{receipt.pk}")
    if not receipt.pledge.compute_only:
        _refuse_if_money_was_used(receipt.pledge.funder_id, receipt.received_on, "receipt")
    refresh_summaries_on_commit()
    return receipt


@operation
def do_reverse_conversion(actor, *, record: Conversion, reason: str) -> Conversion:
    reason = _reason(reason)
    _lock_the_fund()
    conversion = Conversion.all_objects.select_for_update().select_related("receipt__pledge").get(pk=record.pk)
    _refuse_if_reversed(conversion, "conversion")
    _reverse(conversion, actor, reason, f"conversion:{conversion.pk}")
    _refuse_if_money_was_used(conversion.receipt.pledge.funder_id, conversion.converted_on, "conversion")
    refresh_summaries_on_commit()
    return conversion


@operation
def do_reverse_disbursement(actor, *, record: Disbursement, reason: str) -> Disbursement:
    """A payment recorded in error: the award's commitment comes back, the cash comes back, and the milestone can be
    paid again."""
    reason = _reason(reason)
    lock_fund(record.award.round.fund)
    payment = Disbursement.all_objects.select_for_update().select_related("award", "milestone").get(pk=record.pk)
    _refuse_if_reversed(payment, "payment")
    if payment.award.status == Award.Status.TERMINATED:
        raise ActionError(
            {
                NON_FIELD_ERRORS: f"Award {payment.award.reference} was terminated: what it had paid stands and its "
                f"unpaid part was released then. A payment on it cannot be reversed."
            }
        )
    _reverse(payment, actor, reason, f"disbursement:{payment.pk}")
    refresh_summaries_on_commit()
    return payment


def reverse_record(actor, *, record, reason: str):
    """Reverse a pledge, receipt, conversion or payment with the operation for its kind."""
    operations = {
        Pledge: do_reverse_pledge,
        Receipt: do_reverse_receipt,
        Conversion: do_reverse_conversion,
        Disbursement: do_reverse_disbursement,
    }
    return operations[type(record)](actor, record=record, reason=reason)
