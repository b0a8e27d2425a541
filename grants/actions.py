"""The fund's money operations, one function each.

Each runs in one transaction, takes the acting user, posts its ledger entry in the same transaction, and asks for the
allocation summaries to be refreshed once the transaction commits. Each raises `ActionError` with a message a person
understands, and then has written nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from djmoney.money import Money

from alignment_fund.money import (
    AWARD_MAXIMUM_GBP,
    AWARD_MINIMUM_GBP,
    BASE_CURRENCY,
    CURRENCIES,
    format_money,
    round_money,
    share,
    split_pro_rata,
)
from funders.models import Conversion, Funder, Pledge, Receipt
from projects.models import Project

from .models import (
    Account,
    Award,
    AwardAttribution,
    Disbursement,
    Fund,
    LedgerTransaction,
    Milestone,
    Round,
)
from .models.awards import add_months, month_end
from .models.ledger import Line
from .models.rates import RateBook, RateUnavailable
from .position import pool_position, round_positions

log = logging.getLogger(__name__)
Kind = LedgerTransaction.Kind


class ActionError(ValidationError):
    """A business rule refused the operation; nothing was written."""


def gbp(amount: Decimal | str | int) -> Money:
    return Money(round_money(amount), BASE_CURRENCY)


def _money(amount, currency: str) -> Money:
    if currency not in CURRENCIES:
        raise ActionError({"currency": f"{currency} is not a currency the fund accepts ({', '.join(CURRENCIES)})."})
    try:
        value = round_money(amount)
    except ValueError as exc:
        raise ActionError({"amount": str(exc)}) from exc
    if value <= 0:
        raise ActionError({"amount": "The amount must be more than zero."})
    return Money(value, currency)


def _refresh_summaries_on_commit() -> None:
    """Ask for one summary refresh when the outermost transaction commits, however many writes it holds (an import
    of a thousand rows queues one task, not a thousand). A savepoint rolled back takes its request with it."""
    from django.db import connection

    from .tasks import enqueue_summary_refresh

    if any(func is enqueue_summary_refresh for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(enqueue_summary_refresh)


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ActionError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc


# Pledges, receipts and conversions


@transaction.atomic
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
) -> Pledge:
    pledge = Pledge(
        reference=reference,
        funder=funder,
        amount=_money(amount, currency),
        pledged_on=pledged_on,
        restricted_to_round=restricted_to_round,
        restricted_to_area=restricted_to_area,
        compute_only=compute_only,
        illustrative=illustrative,
        note=note,
        recorded_by=actor,
    )
    _full_clean(pledge)
    pledge.save()
    post_pledge(pledge, actor)
    _refresh_summaries_on_commit()
    return pledge


def post_pledge(pledge: Pledge, actor=None) -> LedgerTransaction:
    txn, _ = LedgerTransaction.objects.post(
        key=f"pledge:{pledge.pk}",
        kind=Kind.PLEDGE,
        occurred_on=pledge.pledged_on,
        posted_by=actor,
        memo=f"Pledge {pledge.reference} from {pledge.funder}",
        lines=[
            Line(Account.PLEDGES_RECEIVABLE, pledge.amount, funder_id=pledge.funder_id),
            Line(Account.FUNDER_CAPITAL, -pledge.amount, funder_id=pledge.funder_id),
        ],
    )
    return txn


def outstanding_on_pledge(pledge: Pledge) -> Decimal:
    received = round_money(pledge.receipts.aggregate(t=Sum("amount"))["t"] or 0)
    return pledge.amount.amount - received


@transaction.atomic
def do_record_receipt(actor, *, pledge: Pledge, amount, currency: str, received_on: date, bank_reference: str):
    money = _money(amount, currency)
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if money.currency.code != pledge.amount_currency:
        raise ActionError(
            {"currency": f"This pledge is in {pledge.amount_currency}: record the receipt in that currency."}
        )
    if received_on < pledge.pledged_on:
        raise ActionError({"received_on": "Money cannot arrive before the pledge it pays was made."})
    if Receipt.objects.filter(bank_reference=bank_reference).exists():
        raise ActionError({"bank_reference": f"A receipt with bank reference {bank_reference} is already recorded."})
    outstanding = outstanding_on_pledge(pledge)
    if money.amount > outstanding:
        raise ActionError(
            {"amount": f"Only {format_money(outstanding, pledge.amount_currency)} of this pledge is still to arrive."}
        )
    receipt = Receipt(
        pledge=pledge, amount=money, received_on=received_on, bank_reference=bank_reference, recorded_by=actor
    )
    _full_clean(receipt)
    receipt.save()
    post_receipt(receipt, actor)
    _refresh_summaries_on_commit()
    return receipt


def post_receipt(receipt: Receipt, actor=None) -> LedgerTransaction:
    funder_id = receipt.pledge.funder_id
    cash = Account.COMPUTE_CASH if receipt.pledge.compute_only else Account.CASH
    txn, _ = LedgerTransaction.objects.post(
        key=f"receipt:{receipt.pk}",
        kind=Kind.RECEIPT,
        occurred_on=receipt.received_on,
        posted_by=actor,
        memo=f"Receipt {receipt.bank_reference} against pledge {receipt.pledge.reference}",
        lines=[
            Line(cash, receipt.amount, funder_id=funder_id),
            Line(Account.PLEDGES_RECEIVABLE, -receipt.amount, funder_id=funder_id),
        ],
    )
    return txn


def unconverted_on_receipt(receipt: Receipt) -> Decimal:
    sold = round_money(receipt.conversions.aggregate(t=Sum("amount_sold"))["t"] or 0)
    return receipt.amount.amount - sold


@transaction.atomic
def do_record_conversion(
    actor, *, receipt: Receipt, amount_sold, gbp_credited, converted_on: date, bank_reference: str
) -> Conversion:
    receipt = Receipt.objects.select_for_update().select_related("pledge").get(pk=receipt.pk)
    if receipt.amount_currency == BASE_CURRENCY:
        raise ActionError({"receipt": "This receipt is already in pounds: there is nothing to convert."})
    sold = _money(amount_sold, receipt.amount_currency)
    credited = _money(gbp_credited, BASE_CURRENCY)
    if receipt.pledge.compute_only:
        raise ActionError({"receipt": "Cash given for compute only is not converted into the awards pool."})
    if converted_on < receipt.received_on:
        raise ActionError({"converted_on": "Cash cannot be converted before it arrived."})
    left = unconverted_on_receipt(receipt)
    if sold.amount > left:
        raise ActionError(
            {"amount_sold": f"Only {format_money(left, receipt.amount_currency)} of this receipt is unconverted."}
        )
    if Conversion.objects.filter(bank_reference=bank_reference).exists():
        raise ActionError({"bank_reference": f"A conversion with bank reference {bank_reference} is already recorded."})
    conversion = Conversion(
        receipt=receipt,
        amount_sold=sold,
        gbp_credited=credited,
        converted_on=converted_on,
        bank_reference=bank_reference,
        recorded_by=actor,
    )
    _full_clean(conversion, exclude=["dealt_rate"])
    conversion.save()
    post_conversion(conversion, actor)
    _refresh_summaries_on_commit()
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


# Awards


def _lock_fund(fund: Fund) -> None:
    """Serialise awards: the second administrator to award waits here until the first has committed, then sees the
    headroom the first left. (On SQLite, IMMEDIATE transactions already serialise writers.)"""
    Fund.objects.select_for_update().filter(pk=fund.pk).first()


def headroom_for(round_: Round, on: date, book: RateBook | None = None) -> tuple[Decimal, Decimal]:
    """(the round's headroom, the fund's headroom) in GBP on `on`."""
    pool = pool_position(on, book)
    (position,) = round_positions(pool, [round_])
    return position.headroom_gbp, pool.headroom_gbp


@transaction.atomic
def do_award_project(
    actor,
    *,
    project: Project,
    amount,
    awarded_on: date,
    reference: str | None = None,
    compute_provider: str = "",
    compute_quantity: str = "",
    compute_value=None,
    mentor: str = "",
    status: str = Award.Status.OFFERED,
    plan_milestones: bool = False,
) -> Award:
    """Award a vetted project from its round, if the headroom allows; fix the funders' attribution. With
    `plan_milestones`, give it the standard schedule (see `standard_schedule`), which the back office can adjust
    until a report is approved."""
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
    round_ = project.round
    _lock_fund(round_.fund)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status != Project.Status.VETTED or Award.objects.filter(project=project).exists():
        raise ActionError(
            {
                "project": f"{project.reference} is {project.get_status_display().lower()}: only a "
                f"vetted project without an award can be awarded."
            }
        )
    try:
        round_headroom, fund_headroom = headroom_for(round_, awarded_on)
    except RateUnavailable as exc:
        raise ActionError({"awarded_on": f"Cannot value the fund on that date: {exc}"}) from exc
    if amount_gbp > round_headroom:
        raise ActionError(
            {
                "amount": f"£{amount_gbp:,.2f} is more than the headroom: £{round_headroom:,.2f} can still be awarded "
                f"in {round_} (the fund as a whole has £{fund_headroom:,.2f})."
            }
        )
    award = Award(
        reference=reference or f"AP-{project.reference}",
        project=project,
        round=round_,
        amount=gbp(amount_gbp),
        awarded_on=awarded_on,
        status=status,
        compute_provider=compute_provider,
        compute_quantity=compute_quantity,
        compute_value=gbp(compute_value) if compute_value else None,
        mentor=mentor,
        awarded_by=actor,
    )
    _full_clean(award, exclude=["project"])
    try:
        with transaction.atomic():
            award.save()
    except IntegrityError as exc:
        raise ActionError({"reference": f"The award could not be saved: {exc}"}) from exc
    project.status = Project.Status.AWARDED
    project.save(update_fields=["status"])
    attribute_award(award)
    if plan_milestones:
        Milestone.objects.bulk_create(
            Milestone(award=award, number=n, title=title, due_on=due_on, amount=gbp(amount))
            for n, (title, due_on, amount) in enumerate(standard_schedule(amount_gbp, awarded_on), start=1)
        )
    LedgerTransaction.objects.post(
        key=f"award:{award.pk}",
        kind=Kind.AWARD,
        occurred_on=awarded_on,
        posted_by=actor,
        memo=f"Award {award.reference} to {project.reference}",
        lines=[
            Line(Account.GRANTS_AWARDED, award.amount, round_id=round_.pk, award_id=award.pk),
            Line(Account.GRANTS_COMMITTED, -award.amount, round_id=round_.pk, award_id=award.pk),
        ],
    )
    _refresh_summaries_on_commit()
    return award


STANDARD_MILESTONES = ("Inception report", "Interim results", "Draft paper", "Final report")


def standard_schedule(amount_gbp: Decimal, awarded_on: date) -> list[tuple[str, date, Decimal]]:
    """Four milestones at month ends, equal to the penny, over 12 months (18 above £400,000): each paid monthly in
    arrears once its report is approved."""
    months = 12 if amount_gbp <= Decimal("400000") else 18
    parts = split_pro_rata(amount_gbp, [Decimal(1)] * len(STANDARD_MILESTONES))
    schedule = []
    for n, (title, part) in enumerate(zip(STANDARD_MILESTONES, parts, strict=True), start=1):
        due = add_months(awarded_on, months * n // len(STANDARD_MILESTONES))
        schedule.append((title, month_end(due.year, due.month), part))
    return schedule


def _eligible_pledges(award: Award):
    project = award.project
    return (
        Pledge.objects.filter(compute_only=False)
        .filter(Q(restricted_to_round__isnull=True) | Q(restricted_to_round=award.round_id))
        .filter(Q(restricted_to_area__isnull=True) | Q(restricted_to_area=project.research_area_id))
    )


def attribute_award(award: Award) -> list[AwardAttribution]:
    """Split the award among the funders whose money was available to it, pro rata, to the penny.

    A funder's available money is what it had paid in by the award date against pledges whose restrictions allow
    this award (converted cash at the GBP the bank credited, unconverted cash at the reference rate of the award
    date), less what earlier awards already attributed to it. If earlier awards have used everything, the split
    follows the eligible money itself. Fixed once: the rows are never recomputed.
    """
    on = award.awarded_on
    receipts = (
        Receipt.objects.filter(pledge__in=_eligible_pledges(award), received_on__lte=on)
        .select_related("pledge__funder")
        .prefetch_related("conversions")
    )
    book = RateBook.load(CURRENCIES, until=on)
    eligible: dict[int, Decimal] = {}
    basis: dict[int, list[str]] = {}
    for receipt in receipts:
        funder_id = receipt.pledge.funder_id
        converted = [c for c in receipt.conversions.all() if c.converted_on <= on]
        gbp_value = sum((c.gbp_credited.amount for c in converted), Decimal("0.00"))
        left = receipt.amount.amount - sum((c.amount_sold.amount for c in converted), Decimal("0.00"))
        note = f"{receipt.amount_currency} {receipt.amount.amount:,.2f} received {receipt.received_on:%d %b %Y}"
        if left > 0:
            quote = book.quote(receipt.amount_currency, BASE_CURRENCY, on)
            gbp_value += quote.convert(left)
            if quote.rate_date is not None:
                note += f", valued at {quote.describe()}"
        if converted:
            note += f", {len(converted)} conversion(s) at the dealt rate"
        eligible[funder_id] = eligible.get(funder_id, Decimal("0.00")) + gbp_value
        basis.setdefault(funder_id, []).append(note)
    if not eligible:
        raise ActionError({"project": "No funder's money is available to this award on that date."})
    already = dict(
        AwardAttribution.objects.filter(award__awarded_on__lte=on, award__status__in=Award.LIFECYCLE)
        .exclude(award=award)
        .values("funder")
        .annotate(t=Sum("amount"))
        .values_list("funder", "t")
        .order_by()
    )
    funder_ids = sorted(eligible)
    available = [max(Decimal("0.00"), eligible[f] - (already.get(f) or Decimal("0.00"))) for f in funder_ids]
    weights = available if sum(available) > 0 else [eligible[f] for f in funder_ids]
    parts = split_pro_rata(award.amount.amount, weights)
    rows = [
        AwardAttribution(
            award=award,
            funder_id=f,
            amount=gbp(part),
            share=share(part, award.amount.amount),
            basis=("; ".join(basis[f]) + f"; £{weight:,.2f} available")[:400],
        )
        for f, part, weight in zip(funder_ids, parts, weights, strict=True)
        if part > 0
    ]
    return AwardAttribution.objects.bulk_create(rows)


# Milestones and disbursements


@transaction.atomic
def do_receive_milestone_report(actor, *, milestone: Milestone, received_on: date) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.report_received_on:
        raise ActionError({"received_on": "This milestone's report is already recorded as received."})
    milestone.report_received_on = received_on
    milestone.save(update_fields=["report_received_on"])
    return milestone


@transaction.atomic
def do_approve_milestone(actor, *, milestone: Milestone, approved_on: date) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.approved_on:
        raise ActionError({"approved_on": "This milestone is already approved."})
    if not milestone.report_received_on:
        raise ActionError({"approved_on": "The milestone report has not been received yet."})
    if approved_on < milestone.report_received_on:
        raise ActionError({"approved_on": "A report cannot be approved before it was received."})
    milestone.approved_on = approved_on
    milestone.approved_by = actor
    milestone.save(update_fields=["approved_on", "approved_by"])
    return milestone


@transaction.atomic
def do_record_disbursement(actor, *, milestone: Milestone, paid_on: date, reference: str) -> Disbursement:
    """Pay an approved milestone, in arrears, from GBP cash."""
    _lock_fund(milestone.award.round.fund)
    milestone = Milestone.objects.select_for_update().select_related("award").get(pk=milestone.pk)
    award = milestone.award
    if not milestone.approved_on:
        raise ActionError({"milestone": "Payments are made against approved milestone reports only."})
    if Disbursement.objects.filter(milestone=milestone).exists():
        raise ActionError({"milestone": "This milestone has already been paid."})
    if paid_on < milestone.approved_on:
        raise ActionError({"paid_on": "Payments are made in arrears, after the report is approved."})
    if Disbursement.objects.filter(reference=reference).exists():
        raise ActionError({"reference": f"A payment with reference {reference} is already recorded."})
    cash_gbp = pool_position(paid_on).cash.get(BASE_CURRENCY, Decimal("0.00"))
    if milestone.amount.amount > cash_gbp:
        raise ActionError(
            {"milestone": f"The fund holds £{cash_gbp:,.2f} in pounds on that date: convert more cash first."}
        )
    payment = Disbursement(
        award=award,
        milestone=milestone,
        amount=milestone.amount,
        paid_on=paid_on,
        reference=reference,
        recorded_by=actor,
    )
    payment.save()
    LedgerTransaction.objects.post(
        key=f"disbursement:{payment.pk}",
        kind=Kind.DISBURSEMENT,
        occurred_on=paid_on,
        posted_by=actor,
        memo=f"Payment {reference} for {award.reference} milestone {milestone.number}",
        lines=[
            Line(Account.GRANTS_COMMITTED, payment.amount, round_id=award.round_id, award_id=award.pk),
            Line(Account.CASH, -payment.amount, award_id=award.pk),
        ],
    )
    if award.status in (Award.Status.OFFERED, Award.Status.ACCEPTED):
        award.status = Award.Status.ACTIVE
        award.save(update_fields=["status"])
    _refresh_summaries_on_commit()
    return payment


@transaction.atomic
def do_terminate_award(actor, *, award: Award, terminated_on: date, reason: str = "") -> Award:
    """End an award early. What has been paid stays paid; what is unpaid is released back to the headroom by a
    reversing ledger entry, posted once."""
    _lock_fund(award.round.fund)
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.status in (Award.Status.TERMINATED, Award.Status.COMPLETED):
        raise ActionError({"status": f"This award is already {award.get_status_display().lower()}."})
    if terminated_on < award.awarded_on:
        raise ActionError({"terminated_on": "An award cannot end before it was made."})
    paid = round_money(award.disbursements.aggregate(t=Sum("amount"))["t"] or 0)
    unpaid = award.amount.amount - paid
    award.status = Award.Status.TERMINATED
    award.save(update_fields=["status"])
    if unpaid > 0:
        LedgerTransaction.objects.post(
            key=f"termination:{award.pk}",
            kind=Kind.REVERSAL,
            occurred_on=terminated_on,
            posted_by=actor,
            memo=(
                f"Award {award.reference} terminated: {format_money(unpaid, BASE_CURRENCY)} unpaid released. {reason}"
            ).strip(),
            lines=[
                Line(Account.GRANTS_COMMITTED, gbp(unpaid), round_id=award.round_id, award_id=award.pk),
                Line(Account.GRANTS_AWARDED, -gbp(unpaid), round_id=award.round_id, award_id=award.pk),
            ],
        )
    _refresh_summaries_on_commit()
    return award
